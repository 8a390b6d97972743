package genuin

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/genuin/genuinctl/internal/sandbox"
)

// The sandbox's seeded community (sandbox.DefaultSeed).
const (
	seededCommunityID = "f2a05adb-93ce-4a19-b003-3523fa745667"
	seededHandle      = "tech_community"
	unknownUserID     = "99999999-9999-4999-8999-999999999999"
)

func TestSandboxReasonHeaderName(t *testing.T) {
	if sandboxReasonHeader != sandbox.ReasonHeader {
		t.Fatalf("client reads %q, sandbox writes %q", sandboxReasonHeader, sandbox.ReasonHeader)
	}
}

// newSandboxClient starts a default sandbox and returns a client for it
// made from opts (the default token unless opts carries credentials).
func newSandboxClient(t *testing.T, cfg sandbox.Config, opts Options) *Client {
	t.Helper()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	opts.Endpoint = srv.URL
	if opts.Token == "" && opts.APIKey == "" {
		opts.Token = sandbox.DefaultToken
	}
	opts.MinBackoff, opts.MaxBackoff = time.Millisecond, 5*time.Millisecond
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func asAPIError(t *testing.T, err error) *APIError {
	t.Helper()
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	return e
}

// TestUnknownMemberShowsReason is issue 10 item 4 as written: an unknown
// user in members_added used to show only the generic 1099 message.
func TestUnknownMemberShowsReason(t *testing.T) {
	ctx := context.Background()
	c := newSandboxClient(t, sandbox.Config{}, Options{})
	g, err := c.CreateGroup(ctx, &CreateGroupRequest{Type: 4, CommunityID: seededCommunityID, Group: GroupSpec{Name: "g"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateConversation(ctx, g.ChatID, &UpdateConversationRequest{MembersAdded: []MemberRef{{UserID: unknownUserID}}})
	e := asAPIError(t, err)
	want := `update_conversation: HTTP 400, code 1099: An unexpected error occurred processing the request` +
		` (detail: members_added[0]: unknown user_id "` + unknownUserID + `")`
	if e.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", e.Error(), want)
	}
	if e.Code != CodeBadRequest || e.Message != "An unexpected error occurred processing the request" {
		t.Errorf("code %q, message %q: the documented fields must stay as the API sent them", e.Code, e.Message)
	}
	if e.Hint() != hintInvalid {
		t.Errorf("Hint() = %q", e.Hint())
	}
}

// TestSandboxErrors drives every documented error the sandbox answers
// through the client: each keeps the API's code and message, carries the
// sandbox's reason as its detail and gets its code's hint.
func TestSandboxErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		opts   Options
		run    func(c *Client) error
		status int
		code   string
		detail string // a part of the detail
		hint   string
	}{
		{"unknown token", Options{Token: "not-a-sandbox-token"}, func(c *Client) error {
			_, err := c.UpdateConversation(ctx, unknownUserID, &UpdateConversationRequest{})
			return err
		}, 401, CodeUnauthorized, "bearer token is unknown", hintAuth},
		{"unknown api key", Options{APIKey: "no-such-key", APISecret: "x"}, func(c *Client) error {
			return c.Authenticate(ctx)
		}, 404, CodeBrandNotExists, "unknown api_key", hintUnknownKey},
		{"wrong api secret", Options{APIKey: sandbox.DefaultAPIKey, APISecret: "not-the-secret-42"}, func(c *Client) error {
			return c.Authenticate(ctx)
		}, 412, CodeInvalidUse, "wrong api_secret", hintInvalidUse},
		{"not a brand user", Options{Token: sandbox.UserOnlyToken}, func(c *Client) error {
			_, err := c.CreateCommunity(ctx, &CreateCommunityRequest{Handle: "fresh", Name: "Fresh"})
			return err
		}, 412, CodeInvalidUse, "not a brand system user", hintInvalidUse},
		{"unknown category", Options{}, func(c *Client) error {
			_, err := c.CreateCommunity(ctx, &CreateCommunityRequest{Handle: "fresh", Name: "Fresh",
				Categories: &Categories{Existing: []int{1, 999}}})
			return err
		}, 404, CodeCategoryNotFound, "categories.existing[1]: unknown category id 999", hintCategory},
		{"handle taken", Options{}, func(c *Client) error {
			_, err := c.CreateCommunity(ctx, &CreateCommunityRequest{Handle: seededHandle, Name: "Again"})
			return err
		}, 500, CodeHandleExists, `handle "tech_community" is taken by community_id ` + seededCommunityID, hintHandleTaken},
		{"bare 400 on create", Options{}, func(c *Client) error {
			_, err := c.CreateGroup(ctx, &CreateGroupRequest{Type: 4, CommunityID: unknownUserID})
			return err
		}, 400, "", `community_id "` + unknownUserID + `" does not exist`, hintInvalid},
		{"unknown video", Options{}, func(c *Client) error {
			_, err := c.CreateGroup(ctx, &CreateGroupRequest{Type: 4, CommunityID: seededCommunityID,
				RecordedVideo: &RecordedVideo{VideoName: "never-uploaded.mp4"}})
			return err
		}, 500, CodeVideoNotFound, `video_name "never-uploaded.mp4" is not in storage`, hintVideo},
		{"unknown chat", Options{}, func(c *Client) error {
			_, err := c.UpdateConversation(ctx, unknownUserID, &UpdateConversationRequest{})
			return err
		}, 500, CodeUpdateFailed, `chat_id "` + unknownUserID + `" does not exist`, hintUpdate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newSandboxClient(t, sandbox.Config{}, tc.opts)
			e := asAPIError(t, tc.run(c))
			if e.Status != tc.status || e.Code != tc.code {
				t.Errorf("HTTP %d code %q, want %d %q", e.Status, e.Code, tc.status, tc.code)
			}
			if !strings.Contains(e.Detail, tc.detail) || !strings.Contains(e.Error(), " (detail: "+e.Detail+")") {
				t.Errorf("detail %q does not hold %q, or is missing from %q", e.Detail, tc.detail, e.Error())
			}
			if e.Hint() != tc.hint {
				t.Errorf("Hint() = %q, want %q", e.Hint(), tc.hint)
			}
			for _, s := range []string{tc.opts.Token, tc.opts.APIKey, tc.opts.APISecret, sandbox.DefaultToken} {
				if s != "" && strings.Contains(e.Error()+e.Hint(), s) {
					t.Errorf("%q appears in %q", s, e.Error())
				}
			}
		})
	}
}

// TestSandboxFaultDetail: a fault injected by the sandbox says so.
func TestSandboxFaultDetail(t *testing.T) {
	c := newSandboxClient(t, sandbox.Config{Faults: sandbox.Faults{FailRate: 1}}, Options{MaxRetries: -1})
	e := asAPIError(t, callOp(context.Background(), c, "update_conversation"))
	if e.Status != 503 || !strings.Contains(e.Detail, "fault injected by the sandbox") {
		t.Errorf("got %v", e)
	}
}

// TestPhoneNotInDetail: the sandbox names a bad member by its index, never
// by its phone number (personal data).
func TestPhoneNotInDetail(t *testing.T) {
	const phone = "12345"
	c := newSandboxClient(t, sandbox.Config{}, Options{})
	_, err := c.CreateGroup(context.Background(), &CreateGroupRequest{Type: 4, CommunityID: seededCommunityID,
		Group: GroupSpec{Name: "g", Members: []MemberRef{{UserID: sandbox.BrandUserID}, {PhoneNumber: phone}}}})
	e := asAPIError(t, err)
	if e.Detail != "group.members[1]: phone_number is not 6-15 digits" || strings.Contains(e.Error(), phone) {
		t.Errorf("got %q", e.Error())
	}
}

// TestHints: every documented code, and every documented status whose
// body may carry no code, has its hint; anything else has none.
func TestHints(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		detail string
		want   string
	}{
		{401, CodeUnauthorized, "", hintAuth},
		{401, "", "", hintAuth},
		{200, CodeUnauthorized, "", hintAuth},
		{404, CodeBrandNotExists, "", hintUnknownKey},
		{412, CodeInvalidUse, "", hintInvalidUse},
		{412, "", "", hintInvalidUse},
		{404, CodeCategoryNotFound, "", hintCategory},
		{500, CodeHandleExists, "", hintHandleTaken},
		{404, CodeCommunityGone, "", hintCommunity},
		{500, CodeVideoNotFound, "", hintVideo},
		{500, CodeUpdateFailed, "", hintUpdate},
		{400, CodeBadRequest, "why", hintInvalid},
		{400, CodeBadRequest, "", hintInvalidBare},
		{400, "", "why", hintInvalid},
		{400, "", "", hintInvalidBare},
		{429, "429", "", hintRateLimited},
		{429, "", "", hintRateLimited},
		{500, "", "", ""},
		{503, "503", "", ""},
		{0, "", "", ""},
		{404, "", "", ""},
		{400, "9999", "", hintInvalidBare},
	} {
		e := &APIError{Op: "x", Status: tc.status, Code: tc.code, Detail: tc.detail}
		if got := e.Hint(); got != tc.want {
			t.Errorf("HTTP %d code %q detail %q: Hint() = %q, want %q", tc.status, tc.code, tc.detail, got, tc.want)
		}
	}
	// Every documented code has a hint of its own, whatever the status.
	for _, code := range []string{CodeBadRequest, CodeBrandNotExists, CodeInvalidUse, CodeCategoryNotFound,
		CodeHandleExists, CodeCommunityGone, CodeVideoNotFound, CodeUnauthorized, CodeUpdateFailed} {
		if (&APIError{Status: 200, Code: code}).Hint() == "" {
			t.Errorf("code %s has no hint", code)
		}
	}
	// The hints the brief promised users, in words they will look for.
	for hint, words := range map[string][]string{
		hintAuth:        {"GENUIN_TOKEN", "--token-file", "GENUIN_API_KEY", "GENUIN_API_SECRET"},
		hintHandleTaken: {"choose another", "genuinctl import"},
		hintUpdate:      {"sandbox reset"},
		hintVideo:       {"storage"},
	} {
		for _, w := range words {
			if !strings.Contains(hint, w) {
				t.Errorf("hint %q lacks %q", hint, w)
			}
		}
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    *APIError
		want string
	}{
		{&APIError{Op: "group/create", Status: 500, Code: "5026", Message: "Could not find the video."},
			"group/create: HTTP 500, code 5026: Could not find the video."},
		{&APIError{Op: "group/create", Status: 400, Detail: "community_id \"x\" does not exist"},
			`group/create: HTTP 400 (detail: community_id "x" does not exist)`},
		{&APIError{Op: "update_conversation", Status: 400, Code: "1099", Message: "m", Detail: "d"},
			"update_conversation: HTTP 400, code 1099: m (detail: d)"},
		{&APIError{Op: "group/create", Status: 502, Detail: "d", OutcomeUnknown: true},
			"group/create: HTTP 502 (detail: d) (the request may have been processed; outcome unknown)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q\nwant      %q", got, tc.want)
		}
		if h := tc.e.Hint(); h != "" && strings.Contains(tc.e.Error(), h) {
			t.Errorf("Error() %q carries the hint: hints are the caller's to show", tc.e.Error())
		}
	}
}

// TestDetailSources: detail comes from a non-empty error data (shown, never
// required: the docs show {}) and from the sandbox's header; both may be
// absent, and a data equal to {} or the bare {} body gives none.
func TestDetailSources(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header string
		body   string
		want   string
	}{
		{"documented body", "", `{"code":"1099","message":"m","data":{}}`, ""},
		{"bare {}", "", `{}`, ""},
		{"empty body", "", ``, ""},
		{"not JSON", "", `<html>oops</html>`, ""},
		{"null data", "", `{"code":"1099","message":"m","data":null}`, ""},
		{"empty list data", "", `{"code":"1099","message":"m","data":[]}`, ""},
		{"blank string data", "", `{"code":"1099","message":"m","data":"  "}`, ""},
		{"string data", "", `{"code":"1099","message":"m","data":"user_id is unknown"}`, "user_id is unknown"},
		{"object data", "", `{"code":"1099","message":"m","data":{"errors":[{"field":"members_added[0]","msg":"a <b> & c"}]}}`,
			`{"errors":[{"field":"members_added[0]","msg":"a <b> & c"}]}`},
		{"escaped data is decoded", "", `{"code":"1099","message":"m","data":{"f":"\u0041\/B"}}`, `{"f":"A/B"}`},
		{"header", "  members_added[0]: unknown  ", `{"code":"1099","message":"m","data":{}}`, "members_added[0]: unknown"},
		{"header on a bare {}", "why", `{}`, "why"},
		{"both", "from header", `{"code":"1099","message":"m","data":"from data"}`, "from data; from header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set(sandboxReasonHeader, tc.header)
				}
				reply(w, 400, []byte(tc.body))
			}, Options{})
			e := asAPIError(t, callOp(context.Background(), c, "update_conversation"))
			if e.Detail != tc.want {
				t.Errorf("Detail = %q, want %q", e.Detail, tc.want)
			}
			if tc.want == "" && strings.Contains(e.Error(), "detail") {
				t.Errorf("Error() = %q shows a detail that is not there", e.Error())
			}
		})
	}
}

// TestDetailSanitised: a server's detail and message reach the terminal
// with their control and invisible characters escaped and their length
// capped. (A header cannot carry control characters other than tab:
// net/http refuses the whole response. The body can.)
func TestDetailSanitised(t *testing.T) {
	header := "\u202eevil\u202c \xff\xfe\ttab " + strings.Repeat("é", 500)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(sandboxReasonHeader, header)
		reply(w, 400, []byte(`{"code":"1099","message":"line1\nline2\r\u001b[2J`+strings.Repeat("m", 500)+
			`","data":"\u001b[31mred\u001b[0m \u0000\u0007bell\nnext"}`))
	}, Options{})
	e := asAPIError(t, callOp(context.Background(), c, "update_conversation"))
	for name, s := range map[string]string{"Detail": e.Detail, "Message": e.Message, "Error()": e.Error()} {
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8: %q", name, s)
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f || r == '\u202e' || r == '\u202c' {
				t.Errorf("%s carries %U: %q", name, r, s)
				break
			}
		}
	}
	if len(e.Detail) > maxDetailBytes+len("...") || !strings.HasSuffix(e.Detail, "...") {
		t.Errorf("Detail not capped (%d bytes): %q", len(e.Detail), e.Detail)
	}
	if len(e.Message) > maxMessageBytes+len("...") || !strings.HasPrefix(e.Message, `line1\nline2\r\u001b[2J`) {
		t.Errorf("Message not capped or escaped (%d bytes): %q", len(e.Message), e.Message)
	}
	wantDetail := `\u001b[31mred\u001b[0m \u0000\u0007bell\nnext; \u202eevil\u202c \xff\xfe\ttab éé`
	if !strings.HasPrefix(e.Detail, wantDetail) {
		t.Errorf("Detail = %q\nwant prefix %q", e.Detail, wantDetail)
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"plain text", 200, "plain text"},
		{"a\nb\tc\rd", 200, `a\nb\tc\rd`},
		{"\x1b[0m", 200, `\u001b[0m`},
		{"\u00a0nbsp \u200bzw \u2028ls", 200, `\u00a0nbsp \u200bzw \u2028ls`},
		{"\U000e0001tag", 200, `\U000e0001tag`},
		{"bad \xc3", 200, `bad \xc3`},
		{"ünïcödé ok", 200, "ünïcödé ok"},
		{"abcdef", 3, "abc..."},
		{"abc", 3, "abc"},
		{"ab\x00", 4, "ab..."}, // an escape is never cut in half
		{"aé", 2, "a..."},      // nor a rune
	} {
		if got := clean(tc.in, tc.limit); got != tc.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}

// TestDetailScrubbedBeforeCut: a credential straddling the cap is masked
// whole, not printed in part.
func TestDetailScrubbedBeforeCut(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(sandboxReasonHeader, strings.Repeat("x", maxDetailBytes-5)+testToken)
		reply(w, 400, []byte(`{}`))
	}, Options{})
	e := asAPIError(t, callOp(context.Background(), c, "group/create"))
	if strings.Contains(e.Detail, testToken[:5]) {
		t.Errorf("part of the token shown: %q", e.Detail)
	}
}
