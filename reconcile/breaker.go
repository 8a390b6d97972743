package reconcile

import (
	"errors"
	"fmt"
	"sync"
)

// ErrBreakerOpen is returned when the circuit breaker tripped: too many of
// the latest requests failed, so no new request was started; as for an
// interrupt, every finished one is recorded.
var ErrBreakerOpen = errors.New("apply stopped by the circuit breaker: no new request was started; every finished request is recorded, fix the cause and run apply again")

// breaker watches the outcome of the latest requests and trips once more
// than maxFailures of them failed: a dead API then costs a handful of
// failed requests, not one per remaining change.
type breaker struct {
	mu          sync.Mutex
	window      []bool // ring of the latest outcomes, true for a failure
	next        int    // where the next outcome goes
	failures    int    // failures in window
	maxFailures int
	maxRate     float64
	trip        func(cause error) // called once, when the breaker trips
	tripped     bool
}

// newBreaker trips, calling trip, once more than maxRate of the last size
// requests failed. A maxRate of 1 or more never trips.
func newBreaker(maxRate float64, size int, trip func(error)) *breaker {
	return &breaker{window: make([]bool, 0, size), maxFailures: int(maxRate * float64(size)), maxRate: maxRate, trip: trip}
}

// observe counts one request's outcome.
func (b *breaker) observe(failed bool) {
	if b.maxRate >= 1 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.window) < cap(b.window) {
		b.window = append(b.window, failed)
	} else {
		if b.window[b.next] {
			b.failures--
		}
		b.window[b.next] = failed
		b.next = (b.next + 1) % len(b.window)
	}
	if failed {
		b.failures++
	}
	if b.failures > b.maxFailures && !b.tripped {
		b.tripped = true
		b.trip(fmt.Errorf("%w (%d of the last %d requests failed; the limit is %g of %d)",
			ErrBreakerOpen, b.failures, len(b.window), b.maxRate, cap(b.window)))
	}
}
