package genuin

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrCallTimeout is matched (errors.Is) by the error of a call that spent
// Options.CallTimeout, or gave up early because a wait it needed (a
// Retry-After, a backoff, the rate limit) would have outlasted it. Such an
// error matches context.DeadlineExceeded too: test ErrCallTimeout, or the
// caller's own ctx.Err(), to tell it from the caller's deadline.
var ErrCallTimeout = errors.New("genuin: call timeout spent")

// budgetError says why a call ran out of its budget.
type budgetError struct{ msg string }

func (e *budgetError) Error() string { return e.msg }

// Is makes a budgetError match ErrCallTimeout and context.DeadlineExceeded.
func (e *budgetError) Is(target error) bool {
	return target == ErrCallTimeout || target == context.DeadlineExceeded
}

// errRateLate is the error of a request the rate limiter cannot let go
// before ctx's deadline; the call ends at once.
var errRateLate = fmt.Errorf("rate limit: the next request slot is past the deadline: %w", context.DeadlineExceeded)

// budget is the time one call may take: Options.CallTimeout from its start.
type budget struct {
	limit    time.Duration
	deadline time.Time
}

// startCall begins a call bounded by Options.CallTimeout. The context it
// returns ends at the budget's deadline, with a *budgetError as its cause,
// or at the caller's deadline if that comes first.
func (c *Client) startCall(ctx context.Context) (context.Context, budget, context.CancelFunc) {
	b := budget{limit: c.callTimeout, deadline: time.Now().Add(c.callTimeout)}
	spent := &budgetError{msg: fmt.Sprintf("gave up after %s, the time allowed for one call", b.limit)}
	ctx, cancel := context.WithDeadlineCause(ctx, b.deadline, spent)
	return ctx, b, cancel
}

// stopCause returns why ctx ended: the *budgetError when the call's budget
// ran out, else ctx.Err(); nil while ctx runs.
func stopCause(ctx context.Context) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrCallTimeout) {
		return cause
	}
	return ctx.Err()
}

// binds reports whether ctx ends at the budget's deadline rather than at
// an earlier one of the caller's.
func (b budget) binds(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && !dl.Before(b.deadline)
}

// giveUp returns the error of a call stopping before its budget is spent,
// because what (a sentence, formatted) cannot fit in it.
func (b budget) giveUp(format string, args ...any) *budgetError {
	spent := b.limit - time.Until(b.deadline)
	return &budgetError{msg: fmt.Sprintf("gave up after %s: ", spent.Round(time.Millisecond)) + fmt.Sprintf(format, args...)}
}

// stopped returns why a call cannot go on: ctx ended, or, while it runs,
// the rate limiter refused a wait past its deadline (nil when that
// deadline is the caller's: errRateLate says it already).
func (b budget) stopped(ctx context.Context) error {
	if why := stopCause(ctx); why != nil {
		return why
	}
	if b.binds(ctx) {
		return b.giveUp("no request slot before the call budget ends")
	}
	return nil
}

// admit returns nil when the call can wait d before its next attempt, or
// why it gives up now. asked is the server's Retry-After (0 if none): the
// client may wait less than asked, but an ask that outlasts the deadline
// means no attempt before it can succeed.
func (b budget) admit(ctx context.Context, d, asked time.Duration) error {
	need, what := d, fmt.Sprintf("the next retry was due in %s", d.Round(time.Millisecond))
	if asked > 0 {
		need, what = asked, fmt.Sprintf("the server asked to wait %s", asked)
	}
	dl, ok := ctx.Deadline()
	left := time.Until(dl)
	switch {
	case !ok || need <= left:
		return nil
	case b.binds(ctx):
		return b.giveUp("%s, longer than the remaining call budget (%s)", what, max(left, 0).Round(time.Millisecond))
	}
	return fmt.Errorf("%s, past the context's deadline: %w", what, context.DeadlineExceeded)
}
