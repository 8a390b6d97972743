package genuin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestBreakerWindow: the breaker trips on more than maxRate of the last
// BreakerWindow requests, forgetting older ones; 429s and refusals of one
// request are not failures; 0 and 1 mean no breaker.
func TestBreakerWindow(t *testing.T) {
	failure := &APIError{Status: 503, Kind: KindTransient}
	throttled := &APIError{Status: 429, Kind: KindRateLimited}
	refused := &APIError{Status: 400, Code: CodeBadRequest, Kind: KindInvalid}
	feed := func(b *breaker, pattern string) {
		for _, o := range pattern {
			switch o {
			case 'f':
				b.observe(failure)
			case 't':
				b.observe(throttled)
			case 'r':
				b.observe(refused)
			default:
				b.observe(nil)
			}
		}
	}
	b := newBreaker(0.29)
	feed(b, strings.Repeat("f", 29)+strings.Repeat("t", 100)+strings.Repeat("r", 100)+strings.Repeat(".", 71))
	if b.check() != nil {
		t.Fatal("29 failures in 100 with 0.29 allowed must not trip, nor must 429s and 400s")
	}
	feed(b, "f") // the first 29 failures slid out of the window
	if b.check() != nil {
		t.Fatal("tripped on failures that left the window")
	}
	feed(b, strings.Repeat("f", 29))
	err := b.check()
	if !errors.Is(err, ErrCircuitOpen) || !strings.Contains(err.Error(), "30 of the last 100 requests failed") {
		t.Fatalf("want a trip naming 30 of 100, got %v", err)
	}
	for _, rate := range []float64{0, 1, 2} {
		if newBreaker(rate) != nil {
			t.Errorf("newBreaker(%g) must be no breaker", rate)
		}
	}
}

// TestBreakerStopsADeadAPI: against an API that answers only 503, 32
// goroutines calling with retries send about 21 requests (the limit, plus
// those already in flight), not one per call with its retries; every call
// after the trip sends nothing and fails with ErrCircuitOpen.
func TestBreakerStopsADeadAPI(t *testing.T) {
	var hits atomic.Int64
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		reply(w, http.StatusServiceUnavailable, []byte(`{"code":"503","message":"down"}`))
	}, Options{MaxFailureRate: 0.2})
	var wg sync.WaitGroup
	var open atomic.Int64
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				err := callOp(context.Background(), c, "update_conversation")
				if errors.Is(err, ErrCircuitOpen) {
					open.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got := hits.Load(); got > 21+32 {
		t.Errorf("%d requests reached a dead API, want at most 21 + the 32 in flight", got)
	}
	if open.Load() < 32*20-32 {
		t.Errorf("%d of %d calls failed with ErrCircuitOpen", open.Load(), 32*20)
	}
	before := hits.Load()
	if err := callOp(context.Background(), c, "group/create"); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("a call after the trip: %v", err)
	}
	if hits.Load() != before {
		t.Error("a call after the trip reached the API")
	}
}
