package genuin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestRetryPolicy fails every attempt with a fault and counts the attempts
// each endpoint makes: community create repeats only what the server did not
// process; the others repeat every transient failure.
func TestRetryPolicy(t *testing.T) {
	const maxRetries = 2
	type want struct {
		attempts int
		kind     Kind
		unknown  bool // OutcomeUnknown
	}
	faults := []struct {
		name  string
		serve func(t *testing.T, w http.ResponseWriter)
		// per op: community/create, group/create, update_conversation
		community, others want
	}{
		{"429", func(t *testing.T, w http.ResponseWriter) { reply(w, 429, []byte(`{}`)) },
			want{3, KindRateLimited, false}, want{3, KindRateLimited, false}},
		{"503", func(t *testing.T, w http.ResponseWriter) { reply(w, 503, nil) },
			want{3, KindTransient, false}, want{3, KindTransient, false}},
		{"502", func(t *testing.T, w http.ResponseWriter) { reply(w, 502, []byte(`<html>bad gateway</html>`)) },
			want{1, KindTransient, true}, want{3, KindTransient, true}},
		{"504", func(t *testing.T, w http.ResponseWriter) { reply(w, 504, nil) },
			want{1, KindTransient, true}, want{3, KindTransient, true}},
		{"connection dropped", dropConnection,
			want{1, KindTransient, true}, want{3, KindTransient, true}},
		{"500 5216", func(t *testing.T, w http.ResponseWriter) {
			reply(w, 500, readTestdata(t, "community-create.500-5216.json"))
		}, want{1, KindConflict, false}, want{1, KindConflict, false}},
		{"500 5026", func(t *testing.T, w http.ResponseWriter) {
			reply(w, 500, readTestdata(t, "group-create.500-5026.json"))
		}, want{1, KindServer, false}, want{1, KindServer, false}},
		{"500 5158", func(t *testing.T, w http.ResponseWriter) {
			reply(w, 500, readTestdata(t, "update-conversation.500-5158.json"))
		}, want{1, KindServer, false}, want{1, KindServer, false}},
		{"400 1099", func(t *testing.T, w http.ResponseWriter) {
			reply(w, 400, readTestdata(t, "update-conversation.400-1099.json"))
		}, want{1, KindInvalid, false}, want{1, KindInvalid, false}},
		{"412 5166", func(t *testing.T, w http.ResponseWriter) {
			reply(w, 412, readTestdata(t, "community-create.412-5166.json"))
		}, want{1, KindInvalid, false}, want{1, KindInvalid, false}},
	}
	for _, f := range faults {
		for _, op := range ops {
			t.Run(f.name+" "+op, func(t *testing.T) {
				w := f.others
				if op == "community/create" {
					w = f.community
				}
				var attempts atomic.Int32
				c := newTestClient(t, func(rw http.ResponseWriter, r *http.Request) {
					attempts.Add(1)
					f.serve(t, rw)
				}, Options{MaxRetries: maxRetries})
				err := callOp(context.Background(), c, op)
				var e *APIError
				if !errors.As(err, &e) {
					t.Fatalf("error %v is not an *APIError", err)
				}
				if got := int(attempts.Load()); got != w.attempts || c.Calls() != int64(w.attempts) {
					t.Errorf("%d attempts (Calls %d), want %d", got, c.Calls(), w.attempts)
				}
				if e.Kind != w.kind || e.OutcomeUnknown != w.unknown || e.Op != op {
					t.Errorf("got %+v (%v), want kind %v, outcome unknown %v", e, e, w.kind, w.unknown)
				}
			})
		}
	}
}

// TestRetryThenSuccess: a transient failure followed by success is invisible.
func TestRetryThenSuccess(t *testing.T) {
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			var attempts atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				switch attempts.Add(1) {
				case 1:
					reply(w, 503, []byte(`{}`))
				case 2:
					reply(w, 429, []byte(`{}`))
				default:
					reply(w, 200, successBody(t, op))
				}
			}, Options{})
			if err := callOp(context.Background(), c, op); err != nil {
				t.Fatal(err)
			}
			if attempts.Load() != 3 {
				t.Errorf("%d attempts, want 3", attempts.Load())
			}
		})
	}
}

func TestNoRetriesOption(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		reply(w, 503, nil)
	}, Options{MaxRetries: -1})
	if err := callOp(context.Background(), c, "update_conversation"); err == nil || attempts.Load() != 1 {
		t.Errorf("%d attempts, err %v", attempts.Load(), err)
	}
}

// TestConnectFailureRetried: a request that never reached the server is
// safe to repeat, even a community create.
func TestConnectFailureRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	c, err := New(Options{Endpoint: "http://" + addr, Token: testToken, MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateCommunity(context.Background(), docCommunityRequest())
	var e *APIError
	if !errors.As(err, &e) || e.Kind != KindTransient || e.Status != 0 || e.OutcomeUnknown {
		t.Fatalf("got %v (%+v)", err, e)
	}
	if c.Calls() != 3 {
		t.Errorf("Calls() = %d, want 3", c.Calls())
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("cause not unwrapped: %v", err)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			reply(w, 429, []byte(`{}`))
			return
		}
		reply(w, 200, successBody(t, "community/create"))
	}, Options{MaxBackoff: time.Millisecond})
	start := time.Now()
	if err := callOp(context.Background(), c, "community/create"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v; Retry-After asked for 1s", d)
	}
}

func TestRetryAfterReported(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		reply(w, 429, []byte(`{}`))
	}, Options{MaxRetries: -1})
	err := callOp(context.Background(), c, "update_conversation")
	var e *APIError
	if !errors.As(err, &e) || e.Kind != KindRateLimited || e.RetryAfter != 7*time.Second {
		t.Errorf("got %+v", e)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"-3":                            0,
		"2":                             2 * time.Second,
		"120":                           120 * time.Second, // the ask; retry caps the sleep
		"3600":                          time.Hour,
		"9999999999":                    24 * time.Hour,
		"99999999999999999999":          0, // unparsable
		"soon":                          0,
		"Mon, 23 Nov 2026 06:00:03 GMT": 3 * time.Second,
		"Mon, 23 Nov 2026 05:59:00 GMT": 0,
		"Mon, 23 Nov 2026 07:00:00 GMT": time.Hour,
		"Mon, 23 Nov 2099 07:00:00 GMT": 24 * time.Hour,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	c, err := New(Options{Endpoint: "https://api.example", Token: testToken, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for n := range 70 {
		ceiling := min(10*time.Millisecond<<min(n, 20), 100*time.Millisecond)
		for range 50 {
			if d := c.backoff(n); d < 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, outside [0, %v]", n, d, ceiling)
			}
		}
	}
}

// TestCancelDuringBackoff: a cancelled context ends the wait at once, and
// the error is both the last APIError and context.Canceled.
func TestCancelDuringBackoff(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		reply(w, 503, nil)
	}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := callOp(ctx, c, "community/create")
	if time.Since(start) > 5*time.Second {
		t.Errorf("cancel took %v", time.Since(start))
	}
	var e *APIError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &e) || e.Status != 503 {
		t.Errorf("got %v", err)
	}
	if c.Calls() != 1 {
		t.Errorf("Calls() = %d", c.Calls())
	}
}

// TestCancelDuringRequest: a request cut short by its context is a Status-0
// transient error wrapping context.Canceled, and is not retried.
func TestCancelDuringRequest(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := callOp(ctx, c, "update_conversation")
	var e *APIError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &e) || e.Kind != KindTransient || e.Status != 0 {
		t.Errorf("got %v", err)
	}
	if c.Calls() != 1 {
		t.Errorf("Calls() = %d", c.Calls())
	}
}

// TestGroupRetryResendsChatID: a retried group create sends the same body,
// so the same client-chosen chat_id.
func TestGroupRetryResendsChatID(t *testing.T) {
	var bodies [][]byte
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, b)
		if len(bodies) == 1 {
			dropConnection(t, w)
			return
		}
		reply(w, 200, successBody(t, "group/create"))
	}, Options{})
	got, err := c.CreateGroup(context.Background(), docGroupRequest())
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || !bytes.Equal(bodies[0], bodies[1]) || !bytes.Contains(bodies[1], []byte(`"chat_id":"456e7890-b12c-4c23-89ef-126314214567"`)) {
		t.Errorf("bodies %q", bodies)
	}
	if got.ChatID != "456e7890-b12c-4c23-89ef-126314214567" {
		t.Errorf("chat_id %q", got.ChatID)
	}
}

// TestOutcomeUnknownSurvivesRetries: a group create whose first answer is
// lost and whose re-send is refused may well exist; the error must say the
// outcome is unknown, or the caller would forget its chat_id and create the
// group a second time.
func TestOutcomeUnknownSurvivesRetries(t *testing.T) {
	attempts := 0
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if attempts == 1 {
			dropConnection(t, w)
			return
		}
		reply(w, 400, []byte(`{"code":"1099","message":"An unexpected error occurred processing the request","data":{}}`))
	}, Options{})
	_, err := c.CreateGroup(context.Background(), docGroupRequest())
	var e *APIError
	if !errors.As(err, &e) || e.Status != 400 || !e.OutcomeUnknown || attempts != 2 {
		t.Fatalf("attempts %d, err %#v", attempts, err)
	}
}
