package genuin

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// serveHuge answers with a 60 MB body that starts like the op's success
// response, or until the client hangs up.
func serveHuge(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(`{"code":200,"message":"ok","data":{"chat_id":"`))
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for range 60 {
		if _, err := w.Write(chunk); err != nil {
			return // the client read its limit and closed the connection
		}
	}
	w.Write([]byte(`"}}`))
}

// TestResponseOverLimit: a body over 10 MiB is reported as such, never
// decoded; the status decides the kind and whether it is retried, and a 2xx
// leaves the outcome unknown.
func TestResponseOverLimit(t *testing.T) {
	for _, tc := range []struct {
		status   int
		kind     Kind
		unknown  bool
		attempts int32
	}{
		{200, KindUnknown, true, 1},
		{201, KindUnknown, true, 1},
		{400, KindInvalid, false, 1},
		{500, KindServer, false, 1},
		{503, KindTransient, false, 3},
		{502, KindTransient, true, 3},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			var attempts atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				serveHuge(w, tc.status)
			}, Options{MaxRetries: 2})
			err := callOp(context.Background(), c, "group/create")
			var e *APIError
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if e.Status != tc.status || e.Kind != tc.kind || e.OutcomeUnknown != tc.unknown || attempts.Load() != tc.attempts {
				t.Errorf("got %+v after %d attempts, want kind %v, outcome unknown %v, %d attempts", e, attempts.Load(), tc.kind, tc.unknown, tc.attempts)
			}
			if e.Message != "response larger than the 10 MiB limit" || strings.Contains(err.Error(), "JSON") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

// TestResponseAtLimit: a body of exactly 10 MiB is decoded; one byte more
// is over the limit, even when what fits is valid JSON.
func TestResponseAtLimit(t *testing.T) {
	body := successBody(t, "update_conversation")
	for _, tc := range []struct {
		size int
		ok   bool
	}{{maxResponseBytes, true}, {maxResponseBytes + 1, false}} {
		padded := append(bytes.Clone(body), bytes.Repeat([]byte(" "), tc.size-len(body))...)
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 200, padded)
		}, Options{})
		err := callOp(context.Background(), c, "update_conversation")
		var e *APIError
		if tc.ok && err != nil {
			t.Errorf("%d bytes: %v", tc.size, err)
		}
		if !tc.ok && (!errors.As(err, &e) || !e.OutcomeUnknown || !strings.Contains(e.Message, "larger than the 10 MiB limit")) {
			t.Errorf("%d bytes: got %v", tc.size, err)
		}
	}
}
