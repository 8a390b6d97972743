package genuin

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// BreakerWindow is how many of the latest requests the circuit breaker
// (Options.MaxFailureRate) looks at.
const BreakerWindow = 100

// DefaultMaxFailureRate is the circuit breaker's share genuinctl uses by
// default (Options.MaxFailureRate): more than 20 failed requests in the
// last 100.
const DefaultMaxFailureRate = 0.2

// ErrCircuitOpen is matched by the error of every call after the circuit
// breaker tripped (a *CircuitOpenError): none is sent, and a call retrying
// stops retrying.
var ErrCircuitOpen = errors.New("circuit breaker open")

// CircuitOpenError says why the circuit breaker tripped. It matches
// ErrCircuitOpen.
type CircuitOpenError struct {
	// Failed of the last Of requests failed, more than MaxRate allows.
	Failed, Of int
	MaxRate    float64
}

func (e *CircuitOpenError) Error() string {
	return fmt.Sprintf("circuit breaker open: %d of the last %d requests failed, more than %g allowed; no new request is sent",
		e.Failed, e.Of, e.MaxRate)
}

// Is makes a CircuitOpenError match ErrCircuitOpen.
func (e *CircuitOpenError) Is(target error) bool { return target == ErrCircuitOpen }

// breaker watches the outcome of the latest HTTP requests and trips once
// more than a share of them failed: a dead API then costs a handful of
// failed requests, not one (with its retries) per remaining call. Only a
// sign that the API is not working counts as a failure: no answer, a
// 5xx, an unreadable answer, a refused token. A 429 is not one (pacing
// answers it), nor is a refusal of one request (4xx: invalid, not found,
// already exists), which the API answered and which concerns that request
// alone: a repeated group create refused because its chat_id exists is
// how apply learns another runner made it. A nil *breaker never trips.
type breaker struct {
	mu          sync.Mutex
	window      []bool // ring of the latest outcomes, true for a failure
	next        int    // where the next outcome goes
	failures    int    // failures in window
	maxFailures int
	maxRate     float64
	open        error // set when tripped
}

// newBreaker returns a breaker that trips once more than maxRate of the
// last BreakerWindow requests failed, or nil (never trips) for a maxRate
// of 0 or 1 and more.
func newBreaker(maxRate float64) *breaker {
	if !(maxRate > 0 && maxRate < 1) {
		return nil
	}
	// The small epsilon keeps 0.29 × 100 at 29 despite floating point.
	limit := int(math.Floor(maxRate*BreakerWindow + 1e-9))
	return &breaker{window: make([]bool, 0, BreakerWindow), maxFailures: limit, maxRate: maxRate}
}

// observe counts the outcome of one request that was sent (or tried to
// connect): e is nil on success.
func (b *breaker) observe(e *APIError) {
	if b == nil {
		return
	}
	failed := e != nil && unhealthy[e.Kind]
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
	if b.failures > b.maxFailures && b.open == nil {
		b.open = &CircuitOpenError{Failed: b.failures, Of: len(b.window), MaxRate: b.maxRate}
	}
}

// unhealthy are the kinds of error that say the API is not working.
var unhealthy = map[Kind]bool{KindUnknown: true, KindAuth: true, KindTransient: true, KindServer: true}

// check returns the error of a tripped breaker, or nil.
func (b *breaker) check() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open
}
