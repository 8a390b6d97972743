package genuin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// policy says which failures of an endpoint may be repeated.
type policy int

const (
	// retryIdempotent repeats 429, 502/503/504 and network errors: the call
	// is idempotent (update_conversation, auth) or carries the client's own
	// identifier (group create with chat_id).
	retryIdempotent policy = iota
	// retryUnprocessed repeats only what the server did not process: 429,
	// 503 and failures to connect. A network error after sending, a 502 or a
	// 504 ends the call with OutcomeUnknown (community create has no
	// idempotency key, so a repeat could create a second community or fail
	// with 5216 although the first attempt succeeded).
	retryUnprocessed
)

// retryable reports whether pol allows repeating a call that failed with e.
func (pol policy) retryable(e *APIError) bool {
	if e.Kind != KindTransient && e.Kind != KindRateLimited {
		return false
	}
	return pol == retryIdempotent || !e.OutcomeUnknown
}

// retry runs attempt until it succeeds, fails for good, the retries are
// spent, the call's budget b runs out or ctx ends. attempt returns nil or an
// *APIError. A wait that would outlast the budget or ctx's deadline is not
// begun: the call gives up at once with its last error.
//
// Once an attempt's outcome is unknown, so is the call's: a later attempt
// that fails (a re-sent group create refused because its chat_id now
// exists, say) cannot prove the earlier one was not applied, so its error
// carries OutcomeUnknown too.
func (c *Client) retry(ctx context.Context, b budget, pol policy, attempt func() error) error {
	unknown := false
	for n := 0; ; n++ {
		err := attempt()
		var e *APIError
		if errors.As(err, &e) {
			e.OutcomeUnknown = e.OutcomeUnknown || unknown
			unknown = e.OutcomeUnknown
		}
		switch {
		case err == nil || e == nil, n >= c.maxRetries, !pol.retryable(e):
			return err
		case ctx.Err() != nil, errors.Is(err, errRateLate):
			return giveUp(err, b.stopped(ctx))
		}
		d := c.retryWait(e, n)
		if why := b.admit(ctx, d, e.RetryAfter); why != nil {
			return giveUp(err, why)
		}
		if sleep(ctx, d) != nil {
			return giveUp(err, b.stopped(ctx))
		}
		if why := c.breaker.check(); why != nil {
			return giveUp(err, why)
		}
	}
}

// retryWait returns the pause before retry n+1: the server's Retry-After,
// at most maxRetryWait, else the backoff.
func (c *Client) retryWait(e *APIError, n int) time.Duration {
	if e.RetryAfter > 0 {
		return min(e.RetryAfter, maxRetryWait)
	}
	return c.backoff(n)
}

// giveUp wraps err, the last error of a call, with why the call stops,
// unless err already carries it.
func giveUp(err, why error) error {
	switch {
	case why == nil || errors.Is(err, why):
		return err
	case errors.Is(why, ErrCallTimeout):
		return fmt.Errorf("%w (%w)", err, why)
	}
	return fmt.Errorf("%w (retry abandoned: %w)", err, why)
}

// backoff returns the wait before retry n+1: full jitter over an exponential
// ceiling, uniform in [0, min(MaxBackoff, MinBackoff·2ⁿ)].
func (c *Client) backoff(n int) time.Duration {
	ceiling := c.maxBackoff
	if n < 32 {
		if d := c.minBackoff << n; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling + 1)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
