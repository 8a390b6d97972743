package genuin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hang reads the request and answers nothing until the client hangs up
// (the server notices only once the body is read).
func hang(r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// callWithin runs callOp under a safety deadline and fails the test when
// it takes longer than limit: a generous bound, never a tight timer.
func callWithin(t *testing.T, limit time.Duration, c *Client, op string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*limit)
	defer cancel()
	start := time.Now()
	err := callOp(ctx, c, op)
	if d := time.Since(start); d > limit {
		t.Errorf("the call took %v", d)
	}
	return err
}

// TestCallTimeoutRetryAfterTooLong: a Retry-After longer than the call's
// budget is not slept: the call gives up at once with the last error.
func TestCallTimeoutRetryAfterTooLong(t *testing.T) {
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			var attempts atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				w.Header().Set("Retry-After", "3600")
				reply(w, 503, nil)
			}, Options{CallTimeout: 300 * time.Millisecond})
			err := callWithin(t, 5*time.Second, c, op)
			var e *APIError
			if !errors.As(err, &e) || e.Status != 503 || e.RetryAfter != time.Hour || e.OutcomeUnknown {
				t.Fatalf("got %v", err)
			}
			if !errors.Is(err, ErrCallTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%v matches neither ErrCallTimeout nor context.DeadlineExceeded", err)
			}
			if !strings.Contains(err.Error(), "the server asked to wait 1h0m0s, longer than the remaining call budget") {
				t.Errorf("Error() = %q", err)
			}
			if attempts.Load() != 1 {
				t.Errorf("%d attempts", attempts.Load())
			}
		})
	}
}

// TestCallTimeoutBoundsRetries: waits that fit are made, and the call gives
// up once the next one would not.
func TestCallTimeoutBoundsRetries(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		w.Header().Set("Retry-After", "1")
		reply(w, 429, []byte(`{}`))
	}, Options{CallTimeout: 1900 * time.Millisecond, MaxRetries: 100})
	err := callWithin(t, 5*time.Second, c, "update_conversation")
	var e *APIError
	if !errors.As(err, &e) || e.Kind != KindRateLimited || !errors.Is(err, ErrCallTimeout) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "the server asked to wait 1s, longer than the remaining call budget") {
		t.Errorf("Error() = %q", err)
	}
	if attempts.Load() != 2 {
		t.Errorf("%d attempts, want 2 (one 1s wait fits in 1.9s, a second does not)", attempts.Load())
	}
}

// TestCallTimeoutSlowServer: an attempt still running when the budget is
// spent is cut; the request was sent, so the outcome is unknown.
func TestCallTimeoutSlowServer(t *testing.T) {
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			var attempts atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				hang(r)
			}, Options{CallTimeout: 300 * time.Millisecond})
			err := callWithin(t, 5*time.Second, c, op)
			var e *APIError
			if !errors.As(err, &e) || e.Status != 0 || e.Kind != KindTransient || !e.OutcomeUnknown {
				t.Fatalf("got %v", err)
			}
			if !errors.Is(err, ErrCallTimeout) || !strings.Contains(err.Error(), "gave up after 300ms") {
				t.Errorf("Error() = %q", err)
			}
			if attempts.Load() != 1 {
				t.Errorf("%d attempts", attempts.Load())
			}
		})
	}
}

// TestCallTimeoutKeepsOutcomeUnknown: a group create whose first answer was
// lost stays unknown when the budget ends the call on a later 503.
func TestCallTimeoutKeepsOutcomeUnknown(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) == 1 {
			dropConnection(t, w)
			return
		}
		w.Header().Set("Retry-After", "3600")
		reply(w, 503, nil)
	}, Options{CallTimeout: 2 * time.Second}) // room for one retry on a loaded machine
	err := callWithin(t, 5*time.Second, c, "group/create")
	var e *APIError
	if !errors.As(err, &e) || e.Status != 503 || !e.OutcomeUnknown || !errors.Is(err, ErrCallTimeout) || attempts.Load() != 2 {
		t.Fatalf("attempts %d, err %v", attempts.Load(), err)
	}
}

// TestContextDeadlineBeforeBudget: the caller's deadline, earlier than the
// budget, stops waits and requests as well, and is reported as the
// context's (context.DeadlineExceeded, not ErrCallTimeout).
func TestContextDeadlineBeforeBudget(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"long Retry-After": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			reply(w, 503, nil)
		},
		"slow server": func(w http.ResponseWriter, r *http.Request) { hang(r) },
	} {
		t.Run(name, func(t *testing.T) {
			c := newTestClient(t, h, Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := callOp(ctx, c, "update_conversation")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the call took %v", d)
			}
			var e *APIError
			if !errors.As(err, &e) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrCallTimeout) {
				t.Errorf("got %v", err)
			}
		})
	}
}

// TestCallTimeoutCoversAuth: the token exchange is part of the call.
func TestCallTimeoutCoversAuth(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hang(r)
	}, Options{APIKey: testKey, APISecret: testSecret, CallTimeout: 300 * time.Millisecond})
	err := callWithin(t, 5*time.Second, c, "group/create")
	var e *APIError
	if !errors.As(err, &e) || e.Op != "auth" || !errors.Is(err, ErrCallTimeout) {
		t.Errorf("lazy exchange: got %v", err)
	}
	start := time.Now()
	err = c.Authenticate(context.Background())
	if d := time.Since(start); d > 5*time.Second || !errors.Is(err, ErrCallTimeout) {
		t.Errorf("Authenticate: %v after %v", err, d)
	}
}

// TestCallTimeoutRateLimit: a rate-limit wait the budget cannot cover
// ends the call at once and sends nothing.
func TestCallTimeoutRateLimit(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, successBody(t, "update_conversation"))
	}, Options{Rate: 0.5, CallTimeout: 300 * time.Millisecond})
	if err := callOp(context.Background(), c, "update_conversation"); err != nil {
		t.Fatal(err)
	}
	err := callWithin(t, 5*time.Second, c, "update_conversation")
	var e *APIError
	if !errors.As(err, &e) || e.OutcomeUnknown || !errors.Is(err, ErrCallTimeout) {
		t.Errorf("got %v", err)
	}
	if c.Calls() != 1 {
		t.Errorf("Calls() = %d", c.Calls())
	}
}

// TestRetryWait: a Retry-After is slept at most maxRetryWait, so the
// default retries fit in the default budget.
func TestRetryWait(t *testing.T) {
	c, err := New(Options{Endpoint: "https://api.example", Token: testToken, MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for asked, want := range map[time.Duration]time.Duration{
		7 * time.Second: 7 * time.Second,
		time.Hour:       maxRetryWait,
	} {
		if got := c.retryWait(&APIError{RetryAfter: asked}, 0); got != want {
			t.Errorf("Retry-After %v: wait %v, want %v", asked, got, want)
		}
	}
	if d := c.retryWait(&APIError{}, 10); d > time.Second {
		t.Errorf("backoff %v over MaxBackoff", d)
	}
	if defaultMaxRetries*maxRetryWait >= defaultCallTimeout {
		t.Errorf("%d retries of %v do not fit in %v", defaultMaxRetries, maxRetryWait, defaultCallTimeout)
	}
}
