package genuin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewEndpoint(t *testing.T) {
	for endpoint, ok := range map[string]bool{
		"https://api.example":           true,
		"https://api.example/":          true,
		"https://api.example/prefix":    true,
		"http://127.0.0.1:8600":         true,
		"http://127.3.4.5":              true,
		"http://[::1]:8600":             true,
		"http://localhost:8600":         true,
		"http://LOCALHOST":              true,
		"http://api.example":            false,
		"http://10.0.0.1:8600":          false,
		"http://[::2]":                  false,
		"http://localhost.evil.example": false,
		"http://127.0.0.1.nip.io":       false,
		"ftp://api.example":             false,
		"api.example":                   false,
		"":                              false,
		"https://user:" + testSecret + "@api.example": false,
		"https://api.example?x=1":                     false,
	} {
		_, err := New(Options{Endpoint: endpoint, Token: testToken})
		if (err == nil) != ok {
			t.Errorf("%q: err %v, want ok=%v", endpoint, err, ok)
		}
		if err != nil && (strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), testToken)) {
			t.Errorf("%q: error carries a credential: %v", endpoint, err)
		}
	}
}

func TestNewCredentials(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		ok   bool
	}{
		{Options{Token: testToken}, true},
		{Options{APIKey: testKey, APISecret: testSecret}, true},
		{Options{Token: testToken, APIKey: testKey, APISecret: testSecret}, true},
		{Options{}, false},
		{Options{APIKey: testKey}, false},
		{Options{APISecret: testSecret}, false},
		{Options{Token: testToken, MinBackoff: -1}, false},
		{Options{Token: testToken, Rate: -1}, false},
		{Options{Token: testToken, CallTimeout: -1}, false},
	} {
		tc.opts.Endpoint = "https://api.example"
		_, err := New(tc.opts)
		if (err == nil) != tc.ok {
			t.Errorf("%v: err %v, want ok=%v", tc.opts, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), testSecret) {
			t.Errorf("error carries the secret: %v", err)
		}
	}
}

// TestRateLimit: Rate caps requests per second across calls.
func TestRateLimit(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, successBody(t, "update_conversation"))
	}, Options{Rate: 20})
	start := time.Now()
	for range 5 {
		if err := callOp(context.Background(), c, "update_conversation"); err != nil {
			t.Fatal(err)
		}
	}
	// The first request goes at once, the next four 50ms apart.
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Errorf("5 requests at 20/s took %v", d)
	}
	if c.Calls() != 5 {
		t.Errorf("Calls() = %d", c.Calls())
	}
}

// TestRateLimitHonoursContext: a wait the deadline cannot cover fails with
// context.DeadlineExceeded and sends nothing.
func TestRateLimitHonoursContext(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, successBody(t, "update_conversation"))
	}, Options{Rate: 0.5})
	if err := callOp(context.Background(), c, "update_conversation"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := callOp(ctx, c, "update_conversation")
	var e *APIError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &e) || e.OutcomeUnknown {
		t.Errorf("got %v", err)
	}
	if c.Calls() != 1 {
		t.Errorf("Calls() = %d", c.Calls())
	}
}

func TestDefaultHTTPClient(t *testing.T) {
	c, err := New(Options{Endpoint: "https://api.example", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if c.hc.Timeout != 30*time.Second || c.maxRetries != 5 || c.minBackoff != 200*time.Millisecond || c.maxBackoff != 10*time.Second || c.pace != nil || c.callTimeout != 2*time.Minute {
		t.Errorf("defaults: %+v", c)
	}
}
