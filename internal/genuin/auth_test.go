package genuin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// authServer issues tokens tok-1, tok-2, ... at /api/thirdparty/auth and
// accepts only the latest one (or, when stale is set, refuses tok-1 so the
// client must re-authenticate).
type authServer struct {
	t         *testing.T
	auths     atomic.Int32
	calls     atomic.Int32
	mu        sync.Mutex
	valid     string
	refuseAll bool   // refuse every token with 401/5159
	inBody    string // when set, the token goes in data[inBody] instead of the header
}

func (s *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/thirdparty/auth" {
		var req map[string]string
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil || req["api_key"] != testKey || req["api_secret"] != testSecret || len(req) != 2 {
			s.t.Errorf("auth body %s", body)
		}
		if h := r.Header.Get("Authorization"); h != "" {
			s.t.Errorf("auth request carries Authorization %q", h)
		}
		tok := fmt.Sprintf("tok-%d-secret", s.auths.Add(1))
		s.mu.Lock()
		s.valid = tok
		s.mu.Unlock()
		if s.inBody != "" {
			data, _ := json.Marshal(map[string]any{"code": 200, "message": "ok", "data": map[string]string{s.inBody: tok}})
			reply(w, 200, data)
			return
		}
		w.Header().Set("gn-access-token", tok)
		w.WriteHeader(200) // the docs show no body
		return
	}
	s.calls.Add(1)
	s.mu.Lock()
	ok := r.Header.Get("Authorization") == "Bearer "+s.valid && s.valid != ""
	s.mu.Unlock()
	if !ok || s.refuseAll {
		reply(w, 401, readTestdata(s.t, "update-conversation.401-5159.json"))
		return
	}
	reply(w, 200, readTestdata(s.t, "update-conversation.200.json"))
}

func TestLazyAuthOnceConcurrently(t *testing.T) {
	s := &authServer{t: t}
	c := newTestClient(t, s.ServeHTTP, Options{APIKey: testKey, APISecret: testSecret})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := callOp(context.Background(), c, "update_conversation"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if s.auths.Load() != 1 || s.calls.Load() != 20 || c.Calls() != 21 {
		t.Errorf("auths %d, calls %d, Calls() %d", s.auths.Load(), s.calls.Load(), c.Calls())
	}
}

func TestTokenFromBody(t *testing.T) {
	for _, field := range []string{"token", "gn-access-token"} {
		s := &authServer{t: t, inBody: field}
		c := newTestClient(t, s.ServeHTTP, Options{APIKey: testKey, APISecret: testSecret})
		if err := c.Authenticate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := callOp(context.Background(), c, "update_conversation"); err != nil {
			t.Errorf("data.%s: %v", field, err)
		}
	}
}

func TestAuthWithoutToken(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, []byte(`{"code":200,"message":"ok","data":{}}`))
	}, Options{APIKey: testKey, APISecret: testSecret})
	err := c.Authenticate(context.Background())
	var e *APIError
	if !errors.As(err, &e) || e.Op != "auth" || e.Kind != KindAuth {
		t.Errorf("got %v", err)
	}
}

func TestAuthDocumentedError(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, readTestdata(t, "auth.404-5235.json"))
	}, Options{APIKey: testKey, APISecret: testSecret})
	err := callOp(context.Background(), c, "group/create")
	var e *APIError
	if !errors.As(err, &e) || e.Op != "auth" || e.Kind != KindNotFound || e.Code != CodeBrandNotExists {
		t.Errorf("got %v", err)
	}
	if c.Calls() != 1 {
		t.Errorf("Calls() = %d: the call must not be sent without a token", c.Calls())
	}
}

// TestReauthOn401: a refused token is exchanged for a new one once.
func TestReauthOn401(t *testing.T) {
	s := &authServer{t: t}
	c := newTestClient(t, s.ServeHTTP, Options{APIKey: testKey, APISecret: testSecret})
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.valid = "expired" // tok-1 is no longer accepted
	s.mu.Unlock()
	if err := callOp(context.Background(), c, "update_conversation"); err != nil {
		t.Fatal(err)
	}
	if s.auths.Load() != 2 || s.calls.Load() != 2 {
		t.Errorf("auths %d, calls %d; want 2, 2", s.auths.Load(), s.calls.Load())
	}
}

func TestReauthOnlyOnce(t *testing.T) {
	s := &authServer{t: t, refuseAll: true}
	c := newTestClient(t, s.ServeHTTP, Options{APIKey: testKey, APISecret: testSecret})
	err := callOp(context.Background(), c, "group/create")
	var e *APIError
	if !errors.As(err, &e) || e.Kind != KindAuth || e.Code != CodeUnauthorized || e.Op != "group/create" {
		t.Errorf("got %v", err)
	}
	if s.auths.Load() != 2 || s.calls.Load() != 2 {
		t.Errorf("auths %d, calls %d; want 2, 2", s.auths.Load(), s.calls.Load())
	}
}

// TestNoReauthWithTokenOnly: without a key and secret a 401 is final.
func TestNoReauthWithTokenOnly(t *testing.T) {
	s := &authServer{t: t, refuseAll: true}
	c := newTestClient(t, s.ServeHTTP, Options{Token: testToken})
	err := callOp(context.Background(), c, "update_conversation")
	var e *APIError
	if !errors.As(err, &e) || e.Kind != KindAuth {
		t.Errorf("got %v", err)
	}
	if s.auths.Load() != 0 || s.calls.Load() != 1 {
		t.Errorf("auths %d, calls %d; want 0, 1", s.auths.Load(), s.calls.Load())
	}
}

// TestTokenPlusKey: a given token is used first; the key and secret replace
// it when it is refused.
func TestTokenPlusKey(t *testing.T) {
	s := &authServer{t: t}
	c := newTestClient(t, s.ServeHTTP, Options{Token: testToken, APIKey: testKey, APISecret: testSecret})
	if err := callOp(context.Background(), c, "update_conversation"); err != nil {
		t.Fatal(err)
	}
	if s.auths.Load() != 1 || s.calls.Load() != 2 {
		t.Errorf("auths %d, calls %d; want 1, 2", s.auths.Load(), s.calls.Load())
	}
}

func TestAuthWaitHonoursContext(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Header().Set("gn-access-token", "t")
	}, Options{APIKey: testKey, APISecret: testSecret})
	defer close(release)
	go c.Authenticate(context.Background()) // holds the exchange
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := callOp(ctx, c, "update_conversation"); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

// TestSecretsScrubbed puts every credential in the server's messages and
// checks that no error text carries one.
func TestSecretsScrubbed(t *testing.T) {
	leak := func(tok string) []byte {
		b, _ := json.Marshal(map[string]any{
			"code":    "5159",
			"message": "bad token " + tok + " for key " + testKey + " secret " + testSecret,
			"data":    map[string]any{},
		})
		return b
	}
	check := func(t *testing.T, err error, secrets ...string) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		for _, s := range secrets {
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(text, s) {
					t.Errorf("error text carries a credential: %s", text)
				}
			}
		}
		if !strings.Contains(err.Error(), "[REDACTED]") {
			t.Errorf("nothing redacted in %q", err)
		}
	}
	t.Run("token", func(t *testing.T) {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 401, leak(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
		}, Options{Token: testToken})
		check(t, callOp(context.Background(), c, "community/create"), testToken)
	})
	t.Run("exchanged token", func(t *testing.T) {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/thirdparty/auth" {
				w.Header().Set("gn-access-token", "exchanged-tok-9")
				return
			}
			reply(w, 401, leak(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
		}, Options{APIKey: testKey, APISecret: testSecret})
		check(t, callOp(context.Background(), c, "update_conversation"), "exchanged-tok-9", testKey, testSecret)
	})
	t.Run("auth error", func(t *testing.T) {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 412, leak(""))
		}, Options{APIKey: testKey, APISecret: testSecret})
		check(t, c.Authenticate(context.Background()), testKey, testSecret)
	})
}

func TestStringsRedactCredentials(t *testing.T) {
	opts := Options{Endpoint: "https://api.example", Token: testToken, APIKey: testKey, APISecret: testSecret}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		fmt.Sprint(opts), fmt.Sprintf("%+v", opts), fmt.Sprintf("%#v", opts),
		fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
	} {
		for _, s := range []string{testToken, testKey, testSecret} {
			if strings.Contains(text, s) {
				t.Errorf("%q carries a credential", text)
			}
		}
	}
}
