package genuin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestDocumentedErrors serves every documented error example with its
// status and checks the kind, the code and the text.
func TestDocumentedErrors(t *testing.T) {
	for _, tc := range []struct {
		op     string
		status int
		file   string
		kind   Kind
		code   string
		text   string
	}{
		{"community/create", 400, "error.400-empty.json", KindInvalid, "", "community/create: HTTP 400"},
		{"community/create", 404, "community-create.404-5220.json", KindNotFound, CodeCategoryNotFound,
			"community/create: HTTP 404, code 5220: XXXX-[community categories does not exists.]"},
		{"community/create", 412, "community-create.412-5166.json", KindInvalid, CodeInvalidUse,
			"community/create: HTTP 412, code 5166: XXXX-[Invalid Use of API]"},
		{"community/create", 500, "community-create.500-5216.json", KindConflict, CodeHandleExists,
			"community/create: HTTP 500, code 5216: XXXX-[community handle already exists.]"},
		{"group/create", 400, "error.400-empty.json", KindInvalid, "", "group/create: HTTP 400"},
		{"group/create", 500, "group-create.500-5026.json", KindServer, CodeVideoNotFound,
			"group/create: HTTP 500, code 5026: Could not find the video."},
		{"update_conversation", 400, "update-conversation.400-1099.json", KindInvalid, CodeBadRequest,
			"update_conversation: HTTP 400, code 1099: An unexpected error occurred processing the request"},
		{"update_conversation", 401, "update-conversation.401-5159.json", KindAuth, CodeUnauthorized,
			"update_conversation: HTTP 401, code 5159: Invalid Use of API"},
		{"update_conversation", 500, "update-conversation.500-5158.json", KindServer, CodeUpdateFailed,
			"update_conversation: HTTP 500, code 5158: Could not update the conversation."},
	} {
		t.Run(tc.file+" "+tc.op, func(t *testing.T) {
			calls := 0
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				calls++
				reply(w, tc.status, readTestdata(t, tc.file))
			}, Options{})
			err := callOp(context.Background(), c, tc.op)
			var e *APIError
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if e.Op != tc.op || e.Status != tc.status || e.Kind != tc.kind || e.Code != tc.code || e.OutcomeUnknown {
				t.Errorf("got %+v", e)
			}
			if e.Error() != tc.text {
				t.Errorf("Error() = %q, want %q", e.Error(), tc.text)
			}
			if calls != 1 {
				t.Errorf("%d attempts: documented errors must not be retried", calls)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   Kind
		code   string
	}{
		{"empty 400", 400, ``, KindInvalid, ""},
		{"html 404", 404, `<html>not found</html>`, KindNotFound, ""},
		{"numeric error code", 500, `{"code":5216,"message":"m","data":{}}`, KindConflict, CodeHandleExists},
		{"200 with an error code", 200, `{"code":"5216","message":"m","data":{}}`, KindConflict, CodeHandleExists},
		{"200 with an unknown code", 200, `{"code":7,"message":"m","data":{}}`, KindUnknown, "7"},
		{"500 without code", 500, `{}`, KindServer, ""},
		{"403", 403, `{}`, KindAuth, ""},
		{"unknown code on 400", 400, `{"code":"9999","data":{}}`, KindInvalid, "9999"},
		{"redirect", 302, ``, KindUnknown, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				reply(w, tc.status, []byte(tc.body))
			}, Options{})
			_, err := c.CreateCommunity(context.Background(), docCommunityRequest())
			var e *APIError
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if e.Status != tc.status || e.Kind != tc.kind || e.Code != tc.code {
				t.Errorf("got %+v (%v)", e, e)
			}
		})
	}
}

func TestBadSuccessBodies(t *testing.T) {
	for _, body := range []string{`<html>ok</html>`, `[]`, ``, `{"code":200,"message":"no data"}`, `{"code":200,"data":{"community_id":5}}`, `{"code":200,"data":{}}`, `{"code":200,"data":null}`, `{"chat_id":"x"}`} {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 200, []byte(body))
		}, Options{})
		_, err := c.CreateCommunity(context.Background(), docCommunityRequest())
		var e *APIError
		if !errors.As(err, &e) || e.Kind != KindUnknown || e.Status != 200 || !e.OutcomeUnknown || !strings.HasPrefix(e.Error(), "community/create: ") {
			t.Errorf("body %q: %v", body, err)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		KindUnknown: "unknown", KindInvalid: "invalid", KindAuth: "auth", KindNotFound: "not-found",
		KindConflict: "conflict", KindRateLimited: "rate-limited", KindTransient: "transient",
		KindServer: "server", Kind(42): "Kind(42)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", int(k), got, want)
		}
	}
}

func TestMisuse(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("no request expected")
	}, Options{})
	ctx := context.Background()
	if _, err := c.UpdateConversation(ctx, "", &UpdateConversationRequest{}); err == nil {
		t.Error("empty chat_id accepted")
	}
	if _, err := c.UpdateConversation(ctx, "x", nil); err == nil {
		t.Error("nil update accepted")
	}
	if _, err := c.CreateGroup(ctx, nil); err == nil {
		t.Error("nil group accepted")
	}
	if _, err := c.CreateCommunity(ctx, nil); err == nil {
		t.Error("nil community accepted")
	}
	if err := c.Authenticate(ctx); err == nil {
		t.Error("Authenticate without a key accepted")
	}
	if c.Calls() != 0 {
		t.Errorf("Calls() = %d", c.Calls())
	}
}
