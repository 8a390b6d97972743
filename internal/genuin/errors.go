package genuin

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error codes documented by Genuin (see ../shared/api and research-notes §1.4).
// The API sends them as JSON strings; match on them, never on Message.
const (
	CodeBadRequest       = "1099" // 400: malformed or invalid request
	CodeBrandNotExists   = "5235" // 404 on auth: unknown API key / brand
	CodeInvalidUse       = "5166" // 412: "Invalid Use of API" (precondition failed)
	CodeCategoryNotFound = "5220" // 404 on community create: unknown category id
	CodeHandleExists     = "5216" // 500 on community create: handle already taken
	CodeCommunityGone    = "5218" // 404 on community/add_users: the community no longer exists
	CodeVideoNotFound    = "5026" // 500 on group create: the recorded video is unknown
	CodeUnauthorized     = "5159" // 401: missing, invalid or expired token
	CodeUpdateFailed     = "5158" // 500 on update_conversation: could not update
)

// Kind is the class of an APIError: what a caller can branch on.
type Kind int

// The kinds of API errors.
const (
	// KindUnknown: an error that fits no other kind (an unexpected status,
	// an unknown code in a 200, or a success response the client could not
	// read, then with OutcomeUnknown set).
	KindUnknown Kind = iota
	// KindInvalid: the request was rejected as invalid (400, 412, other 4xx).
	KindInvalid
	// KindAuth: the token or the API key/secret was refused (401, 403, code 5159).
	KindAuth
	// KindNotFound: something the request refers to does not exist (404, codes 5220, 5235).
	KindNotFound
	// KindConflict: the object already exists (code 5216, 409).
	KindConflict
	// KindRateLimited: the server asked us to slow down (429).
	KindRateLimited
	// KindTransient: 502/503/504 or a network error; may succeed if repeated.
	KindTransient
	// KindServer: a 5xx the server reports as a business error (codes 5026,
	// 5158, any 500); never retried blindly.
	KindServer
)

var kindNames = [...]string{
	KindUnknown:     "unknown",
	KindInvalid:     "invalid",
	KindAuth:        "auth",
	KindNotFound:    "not-found",
	KindConflict:    "conflict",
	KindRateLimited: "rate-limited",
	KindTransient:   "transient",
	KindServer:      "server",
}

// String returns the kind's lower-case name, e.g. "rate-limited".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// APIError is an error returned by the Genuin API or met on the way to it.
// Read it with errors.As. Message and the text of the wrapped cause have every
// credential scrubbed from them.
type APIError struct {
	Op      string // the endpoint: "auth", "community/create", "group/create", "update_conversation"
	Status  int    // HTTP status; 0 when no response was received
	Code    string // the API's error code ("5216"); "" when the body carried none
	Message string // the API's message (or the client's explanation), scrubbed
	// Detail is what the server said beyond code and message, "" when it
	// said nothing more (the documented error bodies never do): a non-empty
	// error data, and the sandbox's Genuinctl-Sandbox-Reason header. It is
	// scrubbed, its control characters escaped and its length capped.
	Detail string
	Kind   Kind
	// RetryAfter is the wait the server asked for (429/503 Retry-After), 0 if none.
	RetryAfter time.Duration
	// OutcomeUnknown is true when the request may have been processed although
	// no usable success response arrived: a network error after the request
	// was sent, a 502, a 504, or a 2xx response the client could not read.
	// A create that ends this way may or may not exist.
	OutcomeUnknown bool

	cause     error // network or context error; its text is already scrubbed in causeText
	causeText string
}

// Error formats what happened, e.g.
//
//	update_conversation: HTTP 400, code 1099: An unexpected error occurred processing the request (detail: members_added[0]: unknown user_id "u-9")
//
// It states facts only; what the user can do is Hint's, for the caller to
// show.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Status == 0 {
		b.WriteString("no response")
	} else {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ", code %s", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.causeText != "" {
		b.WriteString(": ")
		b.WriteString(e.causeText)
	}
	if e.Detail != "" {
		b.WriteString(" (detail: ")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	if e.OutcomeUnknown {
		b.WriteString(" (the request may have been processed; outcome unknown)")
	}
	return b.String()
}

// Unwrap returns the network or context error behind a Status-0 error, so
// errors.Is(err, context.Canceled) works.
func (e *APIError) Unwrap() error { return e.cause }

// classify returns the kind of an error response with this status and code.
// Statuses that drive retries win over codes; then the documented codes; then
// the status alone.
func classify(status int, code string) Kind {
	switch status {
	case http.StatusTooManyRequests:
		return KindRateLimited
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return KindTransient
	}
	switch code {
	case CodeBadRequest, CodeInvalidUse:
		return KindInvalid
	case CodeUnauthorized:
		return KindAuth
	case CodeCategoryNotFound, CodeBrandNotExists, CodeCommunityGone:
		return KindNotFound
	case CodeHandleExists:
		return KindConflict
	case CodeVideoNotFound, CodeUpdateFailed:
		return KindServer
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return KindAuth
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusConflict:
		return KindConflict
	case status >= 400 && status < 500:
		return KindInvalid
	case status >= 500:
		return KindServer
	}
	return KindUnknown
}

// Hints, one per documented code (and per documented status, for the error
// bodies that carry no code). They name no value from the request or the
// response, so no credential can appear in one.
const (
	hintAuth = "the API refused the credentials: check GENUIN_TOKEN or the file given to --token-file, " +
		"or GENUIN_API_KEY and GENUIN_API_SECRET (a token may have expired)"
	hintUnknownKey  = "no brand has this API key: check GENUIN_API_KEY"
	hintInvalidUse  = "Genuin refused this use of the API (a precondition was not met): check that the credentials are the brand's API key and secret, or a token issued for them"
	hintCategory    = "a category id under categories.existing is unknown to Genuin: use an existing id, or name the category under categories.new"
	hintHandleTaken = "the handle is taken: choose another, or if the community is yours, record its id with genuinctl import"
	hintCommunity   = "the community no longer exists on this endpoint"
	hintVideo       = "the recorded video is not in Genuin's storage: check video_name and video_path (videos reach storage outside this API)"
	hintUpdate      = "the update could not be applied: for example the group's chat_id does not exist on this endpoint (was the sandbox reset, or the lockfile made against another endpoint?)"
	hintInvalid     = "the request was refused as invalid: the detail says why"
	hintInvalidBare = "the request was refused as invalid, and the API gives no reason: check the fields sent against the API's documentation"
	hintRateLimited = "the API is rate limiting this client: wait a while and try again"
)

// Hint says what the user can do about the error, for the documented codes
// and statuses; "" when there is nothing useful to add. The code decides
// first, then the status (the create endpoints' 400 carries no code).
func (e *APIError) Hint() string {
	switch e.Code {
	case CodeUnauthorized:
		return hintAuth
	case CodeBrandNotExists:
		return hintUnknownKey
	case CodeInvalidUse:
		return hintInvalidUse
	case CodeCategoryNotFound:
		return hintCategory
	case CodeHandleExists:
		return hintHandleTaken
	case CodeCommunityGone:
		return hintCommunity
	case CodeVideoNotFound:
		return hintVideo
	case CodeUpdateFailed:
		return hintUpdate
	case CodeBadRequest:
		return e.invalidHint()
	}
	switch e.Status {
	case http.StatusUnauthorized:
		return hintAuth
	case http.StatusBadRequest:
		return e.invalidHint()
	case http.StatusPreconditionFailed:
		return hintInvalidUse
	case http.StatusTooManyRequests:
		return hintRateLimited
	}
	return ""
}

func (e *APIError) invalidHint() string {
	if e.Detail != "" {
		return hintInvalid
	}
	return hintInvalidBare
}
