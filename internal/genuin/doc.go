// Package genuin is the client of Genuin's third-party API (/api/thirdparty):
// the wire types of the endpoints genuinctl uses, authentication, retries,
// request pacing (a fixed or adaptive rate) and typed errors carrying the
// API's codes.
//
// The authority is ../shared/api (the endpoint pages) and its research notes;
// the client leans on nothing they do not promise, and tolerates the places
// where they contradict each other.
//
// # Endpoints
//
//	POST  /api/thirdparty/auth                            Client.Authenticate (and lazily)
//	POST  /api/thirdparty/community/create                Client.CreateCommunity
//	POST  /api/thirdparty/group/create                    Client.CreateGroup
//	PATCH /api/thirdparty/update_conversation/{chat_id}   Client.UpdateConversation
//
// # Retry policy
//
// Retries use exponential backoff with full jitter between Options.MinBackoff
// and Options.MaxBackoff, or the server's Retry-After (seconds or HTTP-date),
// slept for at most 20s at a time.
//
// Each call (token exchanges, attempts and waits included) ends within
// Options.CallTimeout, 2 minutes by default, and within the context's
// deadline. A wait that would outlast either is not begun: a Retry-After
// longer than the time left, a backoff or a rate-limit wait past the
// deadline ends the call at once with its last error. When CallTimeout ends
// a call, its error matches ErrCallTimeout (and context.DeadlineExceeded);
// when the context does, only context.Canceled or context.DeadlineExceeded.
//
//	endpoint              429  503  502/504  network error   failure to connect   4xx, 500 with code
//	auth                  yes  yes  yes      yes             yes                  no
//	community/create      yes  yes  NO       NO              yes                  no
//	group/create          yes  yes  yes      yes             yes                  no
//	update_conversation   yes  yes  yes      yes             yes                  no
//
// Community create has no idempotency key: after a 502, a 504 or a network
// error once the request was sent, the community may or may not exist, so the
// call returns an *APIError with KindTransient and OutcomeUnknown for the
// caller to record. Group create re-sends the caller's chat_id. A 500 with a
// code is a business error (5216 handle exists, 5026 video not found, 5158
// could not update) and is never retried. On 401 (or code 5159) a client
// configured with an API key and secret exchanges them once for a new token
// and repeats the call.
//
// # Pacing
//
// Options.Rate caps the requests per second of the whole Client: one
// golang.org/x/time/rate limiter with a burst of one, shared by every
// goroutine, that retries and token exchanges wait on too. With
// Options.Adaptive the Client paces at a rate it adapts to the API's
// answers, AIMD as TCP does:
//
//   - a 429, or 3 answers 503 within one second, cuts the rate to 0.7
//     times what the API admitted over the last second (the requests sent
//     less the 429 and 503 answers: an unanswered request counts as
//     admitted, as a refusal often comes back before any success), or the
//     current rate if lower; never below 0.2 requests per second;
//   - one overload is one cut: an answer to a request sent before the last
//     cut, or received within a second of it, is no signal;
//   - after a cut to r the rate climbs back by max(1, r/10) requests per
//     second every second, up to Options.Rate. The climb is applied as
//     requests wait, without a goroutine of its own;
//   - with Rate 0 the Client starts unlimited, is paced from the first cut
//     on, and climbs without bound until the next cut, never back to
//     unlimited: a cut starts from what the API admitted, so a rate left
//     far above the traffic does no harm.
//
// Options.OnRateChange hears each cut and the climb back to the ceiling;
// Client.Rate and Client.Throttled report the rate and the 429s. A 429
// still makes its call wait for the Retry-After before its retry.
//
// Adaptive waiters queue first come, first served; the first books the
// next slot at the current rate, and again every 100ms of a longer wait,
// so a cut slows the very next request and a climb shortens a long wait.
// A call whose slot would come after its deadline gives up at once; one
// still queued behind others waits until its deadline.
//
// # Documented vs guessed
//
// Documented: the paths and methods, the Bearer gn-access-token header, the
// {code, message, data} envelope with code a number on success and a string
// on errors, the error codes and their HTTP statuses, the request and
// response field names.
//
// Guessed, and tolerated either way:
//   - the token arrives in the gn-access-token response header (the docs say
//     "Body > Header"); data.token or data["gn-access-token"] is accepted too;
//   - 401/5159 means an expired token on every endpoint (documented only for
//     update_conversation), hence the single re-authentication;
//   - the un-enveloped group-create 200 of the new guide (a body without
//     code and data is the data itself), and error bodies that are {} or
//     empty (the HTTP status alone then decides the kind);
//   - 429 and 502/503/504 (rate limits and gateways are not documented);
//   - community create's "mandatory" type and actions (never defined; sent
//     only when set);
//   - update_conversation is idempotent, and what group create answers to a
//     chat_id it already holds is unknown.
//
// # Errors
//
// An *APIError states what happened, the API's documented fields first:
//
//	op: HTTP status, code CODE: message (detail: ...)
//
// Code and Message are the envelope's, as sent (the create endpoints' 400
// is a bare {} and has neither). Detail is whatever the server said beyond
// them, and is shown only when present: the docs promise none (error data
// is always {}), so nothing depends on it. It comes from a non-empty error
// data (re-encoded by the client) and from Genuinctl-Sandbox-Reason, a
// header only genuinctl's own sandbox sends. Message, Detail and a network
// error's text come from a server: they are scrubbed of every credential,
// their control and invisible characters are escaped, and they are capped
// (200, 200 and 400 bytes).
//
// Hint says what the user can do, one per documented code (and for the
// statuses 400, 401, 412 and 429 when no code is given). Error never
// includes it: a caller that knows more (the address, the command) says it
// better, and a view shows a hint once rather than on every line. Hints
// quote nothing from the request or the response.
//
// # Invariants
//
// A Client is safe for concurrent use. Failures of a call are *APIError
// values, possibly wrapped (read them with errors.As); a call ended by its
// context also matches context.Canceled or context.DeadlineExceeded with
// errors.Is. A 2xx response that cannot be read (not JSON, no data, no
// community_id or chat_id, over the 10 MiB limit) is an error with
// OutcomeUnknown set; a body over the limit is never decoded.
//
// No error, String or GoString output contains the token, the API key or
// the API secret: each credential, including every exchanged token, is
// scrubbed, and Options.OnSecret hands each to the program's own redactor.
// An endpoint or request URL is printed without its user information,
// query values or fragment, in the text of net/http's errors too.
package genuin
