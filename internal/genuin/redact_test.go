package genuin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example/x?token=abcdef123":            "https://api.example/x?token=[REDACTED]",
		"https://api.example/?a=1&b=&abcdef123&x%20y=2":    "https://api.example/?a=[REDACTED]&b=[REDACTED]&[REDACTED]&[REDACTED]",
		"https://alice:pw-123@api.example/x":               "https://[REDACTED]@api.example/x",
		"https://alice-user@api.example":                   "https://[REDACTED]@api.example",
		"https://api.example/x#abcdef123":                  "https://api.example/x#[REDACTED]",
		"https://api.example/%zz?token=abcdef123":          "[unparsable URL]",
		"alice:pw-123@api.example":                         "[REDACTED]",
		"alice@api.example":                                "[REDACTED]",
		"api.example/x":                                    "api.example/x",
		"http://127.0.0.1:8600/api/thirdparty/x/a%2Fb%3Fc": "http://127.0.0.1:8600/api/thirdparty/x/a%2Fb%3Fc",
		"https://api.example":                              "https://api.example",
		"":                                                 "",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNewEndpointSecrets: an endpoint New refuses is quoted without its
// secret parts.
func TestNewEndpointSecrets(t *testing.T) {
	_, err := New(Options{Endpoint: "https://api.example/x?token=abcdef123", Token: testToken})
	if err == nil || strings.Contains(err.Error(), "abcdef123") || !strings.Contains(err.Error(), "https://api.example/x?token=[REDACTED]") {
		t.Errorf("got %v", err)
	}
	for _, endpoint := range []string{
		"https://alice-user:abcdef123@api.example",
		"https://abcdef123@api.example",
		"https://api.example/#abcdef123",
		"http://api.example/?k=abcdef123",
		"ftp://api.example/?k=abcdef123",
		"abcdef123:x@api.example",
		"abcdef123@api.example",
	} {
		_, err := New(Options{Endpoint: endpoint, Token: testToken})
		if err == nil || strings.Contains(err.Error(), "abcdef123") || strings.Contains(err.Error(), "alice-user") {
			t.Errorf("%q: got %v", endpoint, err)
		}
	}
}

// TestRedirectURLRedacted: net/http quotes the request URL in its errors;
// after a redirect (followed by a caller's HTTPClient) that URL may carry
// a secret in its query. Neither the text nor the *url.Error shows it.
func TestRedirectURLRedacted(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/login?token=redirect-secret-42#frag-secret-43"
	l.Close()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, closed, http.StatusFound)
	}, Options{HTTPClient: &http.Client{Timeout: 5 * time.Second}, MaxRetries: -1})
	err = callOp(context.Background(), c, "community/create")
	var ue *url.Error
	if !errors.As(err, &ue) || ue.URL != "http://"+l.Addr().String()+"/login?token=[REDACTED]#[REDACTED]" {
		t.Fatalf("got %v (%#v)", err, ue)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("the dial error is no longer reachable: %v", err)
	}
	for _, text := range texts(err) {
		if strings.Contains(text, "secret-4") {
			t.Errorf("%q", text)
		}
	}
}

// TestChatIDStaysInPath: a chat id is escaped into the path; it can never
// add a query or fragment to the request URL.
func TestChatIDStaysInPath(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != pathUpdateConversation+"x?token=1#f" || r.URL.RawQuery != "" {
			t.Errorf("path %q, query %q", r.URL.Path, r.URL.RawQuery)
		}
		reply(w, 200, successBody(t, "update_conversation"))
	}, Options{})
	if _, err := c.UpdateConversation(context.Background(), "x?token=1#f", docUpdateRequest()); err != nil {
		t.Fatal(err)
	}
}

// TestOnSecret: every credential reaches OnSecret once, an exchanged token
// before it is first sent.
func TestOnSecret(t *testing.T) {
	const exchanged = "exch-tok-77-secret"
	var mu sync.Mutex
	var got []string
	seen := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(got, s)
	}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == pathAuth {
			w.Header().Set(tokenHeader, exchanged)
			return
		}
		if !seen(exchanged) {
			t.Error("the token was sent before OnSecret saw it")
		}
		reply(w, 200, successBody(t, "update_conversation"))
	}, Options{APIKey: testKey, APISecret: testSecret, OnSecret: func(s string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, s)
	}})
	if !slices.Equal(got, []string{testKey, testSecret}) {
		t.Errorf("after New: %q", got)
	}
	if err := callOp(context.Background(), c, "update_conversation"); err != nil {
		t.Fatal(err)
	}
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{testKey, testSecret, exchanged}) {
		t.Errorf("OnSecret saw %q", got)
	}
}

// TestScrubLongestFirst: a credential holding another is masked whole.
func TestScrubLongestFirst(t *testing.T) {
	const short, long = "tok-1234", "tok-1234-key-extended"
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 400, []byte(`{"code":"1099","message":"bad key `+long+`","data":{}}`))
	}, Options{Token: short, APIKey: long, APISecret: testSecret})
	err := callOp(context.Background(), c, "update_conversation")
	if err == nil || strings.Contains(err.Error(), "extended") {
		t.Errorf("got %v", err)
	}
}

// texts returns every way err can be printed: the verbs, and the text of
// each error it wraps (and a *url.Error's URL).
func texts(err error) []string {
	out := []string{fmt.Sprint(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%q", err)}
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e.Error(), fmt.Sprintf("%#v", e))
		if ue, ok := e.(*url.Error); ok {
			out = append(out, ue.URL)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

// TestNoSecretInAnyError runs every error path of the package with servers
// that echo the credentials back, and greps each error, in every format and
// every error it wraps, for them.
func TestNoSecretInAnyError(t *testing.T) {
	const (
		exchanged = "exch-tok-5d1e-secret"
		urlSecret = "url-secret-abcdef123"
		userName  = "userinfo-secret-user"
	)
	secrets := []string{testToken, testKey, testSecret, exchanged, urlSecret, userName}
	// echo sends back every credential the client holds (it can hide no
	// other) in the message, the data (plainly and \u-escaped) and the
	// sandbox's reason header.
	echo := func(w http.ResponseWriter, r *http.Request, status int) {
		msg := strings.Join([]string{testKey, testSecret, r.Header.Get("Authorization")}, " ")
		escaped := strings.ReplaceAll(msg, "e", `\u0065`)
		w.Header().Set(sandboxReasonHeader, msg)
		reply(w, status, fmt.Appendf(nil, `{"code":"5159","message":%q,"data":{"echo":%q,"escaped":"%s"}}`, msg, msg, escaped))
	}
	keyed := Options{APIKey: testKey, APISecret: testSecret}
	full := func(opts Options) Options {
		opts.Token, opts.APIKey, opts.APISecret = testToken, testKey, testSecret
		return opts
	}
	closedPort := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	newClient := func(opts Options) error {
		opts.Token = testToken
		_, err := New(opts)
		return err
	}
	call := func(t *testing.T, opts Options, h http.HandlerFunc) error {
		return callOp(context.Background(), newTestClient(t, h, full(opts)), "update_conversation")
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T) error
	}{
		{"endpoint query", func(t *testing.T) error {
			return newClient(Options{Endpoint: "https://api.example/x?token=" + urlSecret})
		}},
		{"endpoint userinfo", func(t *testing.T) error {
			return newClient(Options{Endpoint: "https://" + userName + ":" + urlSecret + "@api.example"})
		}},
		{"endpoint fragment", func(t *testing.T) error { return newClient(Options{Endpoint: "https://api.example/#" + urlSecret}) }},
		{"endpoint opaque", func(t *testing.T) error { return newClient(Options{Endpoint: userName + ":" + urlSecret}) }},
		{"endpoint unparsable", func(t *testing.T) error {
			return newClient(Options{Endpoint: "https://api.example/%zz?k=" + urlSecret})
		}},
		{"endpoint plain http", func(t *testing.T) error {
			return newClient(Options{Endpoint: "http://api.example/?k=" + urlSecret})
		}},
		{"key without secret", func(t *testing.T) error {
			_, err := New(Options{Endpoint: "https://api.example", APIKey: testKey})
			return err
		}},
		{"401 echo", func(t *testing.T) error {
			return call(t, Options{}, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 401) })
		}},
		{"500 echo", func(t *testing.T) error {
			return call(t, Options{}, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 500) })
		}},
		{"200 with an error code", func(t *testing.T) error {
			return call(t, Options{}, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 200) })
		}},
		{"exchanged token echoed", func(t *testing.T) error {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == pathAuth {
					w.Header().Set(tokenHeader, exchanged)
					return
				}
				echo(w, r, 401)
			}, keyed)
			return callOp(context.Background(), c, "group/create")
		}},
		{"auth refused", func(t *testing.T) error {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 412) }, keyed)
			return c.Authenticate(context.Background())
		}},
		{"auth without token", func(t *testing.T) error {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				reply(w, 200, []byte(`{"code":200,"message":"`+testSecret+`","data":{}}`))
			}, keyed)
			return c.Authenticate(context.Background())
		}},
		{"connection refused", func(t *testing.T) error {
			c, err := New(full(Options{Endpoint: "http://" + closedPort(t), MaxRetries: -1}))
			if err != nil {
				t.Fatal(err)
			}
			return callOp(context.Background(), c, "group/create")
		}},
		{"connection dropped", func(t *testing.T) error {
			return call(t, Options{MaxRetries: -1}, func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w) })
		}},
		{"unreadable success", func(t *testing.T) error {
			return call(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
				reply(w, 200, []byte("<html>"+r.Header.Get("Authorization")+"</html>"))
			})
		}},
		{"undecodable data", func(t *testing.T) error {
			return call(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
				reply(w, 200, []byte(`{"code":200,"data":{"members_added":[{"status":"`+testToken+`"}]}}`))
			})
		}},
		{"response over the limit", func(t *testing.T) error {
			return call(t, Options{}, func(w http.ResponseWriter, r *http.Request) { serveHuge(w, 200) })
		}},
		{"call timeout", func(t *testing.T) error {
			return call(t, Options{CallTimeout: 100 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) { hang(r) })
		}},
		{"long Retry-After", func(t *testing.T) error {
			return call(t, Options{CallTimeout: 100 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				echo(w, r, 503)
			})
		}},
		{"redirect", func(t *testing.T) error {
			return call(t, Options{HTTPClient: &http.Client{}, MaxRetries: -1}, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://"+closedPort(t)+"/?token="+urlSecret+"#"+urlSecret, http.StatusFound)
			})
		}},
		{"cancelled", func(t *testing.T) error {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { hang(r) }, full(Options{}))
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			return callOp(ctx, c, "community/create")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t)
			if err == nil {
				t.Fatal("no error")
			}
			for _, text := range texts(err) {
				for _, s := range secrets {
					if strings.Contains(text, s) {
						t.Errorf("carries %q: %s", s, text)
					}
				}
			}
		})
	}
}

// TestStringsRedactEndpoint: Options and Client strings hide an endpoint's
// secrets and every credential, OnSecret set or not.
func TestStringsRedactEndpoint(t *testing.T) {
	opts := Options{Endpoint: "https://u-secret:p-secret@api.example/?k=q-secret#f-secret", Token: testToken,
		APIKey: testKey, APISecret: testSecret, OnSecret: func(string) {}}
	for _, text := range []string{fmt.Sprint(opts), fmt.Sprintf("%+v", opts), fmt.Sprintf("%#v", opts)} {
		for _, s := range []string{"-secret", testToken, testKey} {
			if strings.Contains(text, s) {
				t.Errorf("%q carries %q", text, s)
			}
		}
	}
}
