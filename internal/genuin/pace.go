package genuin

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Adaptive pacing (Options.Adaptive): additive increase, multiplicative
// decrease, as TCP does, with CUBIC's decrease factor.
const (
	// paceBeta is the cut: the new rate is paceBeta times the rate the
	// API admitted. 0.5 makes a sawtooth averaging 75% of what the
	// API admits; 0.7 keeps the trough close enough to the ceiling that
	// the average stays above 80%.
	paceBeta = 0.7
	// paceFloor is the lowest rate a cut sets, in requests per second.
	paceFloor = 0.2
	// paceWindow is how far back the rate the API admitted is measured,
	// and the span within which paceBurst 503s are a burst.
	paceWindow = time.Second
	// paceBurst 503 answers within paceWindow, if they are also at least
	// paceBurstShare of the requests sent in it, cut the rate; fewer are
	// left to the retries' backoff. A steady trickle of 503s at a high
	// rate is not an overload the rate can relieve.
	paceBurst      = 3
	paceBurstShare = 0.25
	// paceCooldown: after a cut, a signal answered within paceCooldown of
	// it, or to a request sent before it, causes no further cut. One
	// overload answered by every request in flight is one cut.
	paceCooldown = time.Second
	// paceClimb: after a cut to r, the rate climbs by max(1, r/paceClimb)
	// requests per second every second: from a cut to 10/s or more, back
	// to the rate cut from in about 4.3s, whatever its size.
	paceClimb = 10
	// paceRecheck is the longest a waiter sleeps on one booked slot before
	// booking again at the rate climbed to meanwhile. Without it, below
	// 10 requests per second, a slot would keep the rate it was booked at.
	paceRecheck = 100 * time.Millisecond
)

// Reasons of a RateChange.
const (
	reasonThrottled = "429 Too Many Requests from the API"
	reasonRecovered = "recovered to the ceiling"
)

// RateChange is a change of the rate an adaptive Client paces its requests
// at (Options.Adaptive), as reported to Options.OnRateChange.
type RateChange struct {
	// From and To are the limits before and after the change, in requests
	// per second. From is 0, unlimited, for the first cut without a
	// ceiling; To is never 0. For a cut, From is the limit in force when it
	// happened; for a recovery, the limit the last cut set, from which the
	// rate climbed.
	From, To float64
	// Reason says what caused the change, e.g. "429 Too Many Requests
	// from the API", "3 of 5 answers 503 Service Unavailable within 1s" or
	// "recovered to the ceiling".
	Reason string
}

// String words the change for a human, e.g. "rate: 429 Too Many Requests
// from the API: pacing at 28.0 requests/s (was 40.0)".
func (rc RateChange) String() string {
	from := "unlimited"
	if rc.From > 0 {
		from = fmt.Sprintf("%.1f", rc.From)
	}
	return fmt.Sprintf("rate: %s: pacing at %.1f requests/s (was %s)", rc.Reason, rc.To, from)
}

// pacer spaces the requests of one Client, across all its goroutines:
// at a fixed rate (Options.Rate) or, when adaptive, at a rate that follows
// the API's 429 and 503 answers under Options.Rate as a ceiling.
type pacer struct {
	lim      *rate.Limiter // burst 1: no caller can run ahead of the rate
	now      func() time.Time
	adaptive bool
	ceiling  float64 // Options.Rate; 0: none
	floor    float64 // the lowest rate a cut sets
	onChange func(RateChange)
	// gate, when adaptive, lets one waiter at a time hold a reservation of
	// lim, so that a waiter never keeps a slot booked at a rate that has
	// changed since: a cut slows the very next request, a climb speeds it.
	gate   chan struct{}
	notify sync.Mutex // held while onChange runs: calls are serialized

	mu          sync.Mutex
	limit       float64      // the limit set on lim; 0: unlimited
	cut         time.Time    // the last cut; zero before the first
	cutTo       float64      // the limit the last cut set
	step        float64      // the climb after the last cut, in requests/s per second
	sends       recent       // requests sent
	refusals    recent       // 429 and 503 answers
	unavailable recent       // 503 answers that may make a burst
	pending     []RateChange // changes not yet handed to onChange, oldest first
}

// newPacer returns a pacer at ceiling requests per second (0: unlimited)
// that adapts below it when adaptive, reporting each change to onChange
// (which may be nil).
func newPacer(ceiling float64, adaptive bool, onChange func(RateChange)) *pacer {
	p := &pacer{
		lim:      rate.NewLimiter(rate.Inf, 1),
		now:      time.Now,
		adaptive: adaptive,
		ceiling:  ceiling,
		floor:    paceFloor,
		onChange: onChange,
		limit:    ceiling,
	}
	if ceiling > 0 {
		p.lim.SetLimit(rate.Limit(ceiling))
		p.floor = min(paceFloor, ceiling)
	}
	if adaptive {
		p.gate = make(chan struct{}, 1)
	}
	return p
}

// wait blocks until a request may go, and returns the time it goes. It
// fails when ctx ends, and at once when the next slot would come after
// ctx's deadline.
func (p *pacer) wait(ctx context.Context) (time.Time, error) {
	if !p.adaptive {
		if err := p.lim.Wait(ctx); err != nil {
			return time.Time{}, err
		}
		return p.now(), nil
	}
	if p.rate() > 0 {
		if err := p.take(ctx); err != nil {
			return time.Time{}, err
		}
	}
	return p.send(), nil
}

// take waits for the gate, then for a slot at the current rate. A wait
// longer than paceRecheck is taken in steps, the slot booked again after
// each at the rate climbed to meanwhile.
func (p *pacer) take(ctx context.Context) error {
	select {
	case p.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.gate }()
	for {
		p.climb()
		r := p.lim.Reserve() // always ok: the limit is finite and only one is asked
		d := r.Delay()
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			r.Cancel()
			return errRateLate
		}
		if d == 0 {
			return nil
		}
		step := min(d, paceRecheck)
		err := sleep(ctx, step)
		if err == nil && step == d {
			return nil
		}
		r.Cancel() // the only booking (the gate): its slot is handed back whole
		if err != nil {
			return err
		}
	}
}

// send records a request going now, and returns the time.
func (p *pacer) send() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.sends.add(now)
	return now
}

// rate returns the current limit in requests per second, 0 for unlimited.
func (p *pacer) rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limitAt(p.now())
}

// limitAt returns the limit at now: the last cut's plus the climb since,
// up to the ceiling. p.mu must be held.
func (p *pacer) limitAt(now time.Time) float64 {
	if p.cut.IsZero() {
		return p.limit
	}
	l := p.cutTo + p.step*now.Sub(p.cut).Seconds()
	if p.ceiling > 0 {
		l = min(l, p.ceiling)
	}
	return l
}

// climb applies the additive increase since the last cut, reporting the
// return to the ceiling once.
func (p *pacer) climb() {
	p.mu.Lock()
	defer p.unlock()
	l := p.limitAt(p.now())
	if l == p.limit {
		return
	}
	if l == p.ceiling {
		p.report(RateChange{From: p.cutTo, To: l, Reason: reasonRecovered})
	}
	p.limit = l
	p.lim.SetLimit(rate.Limit(l))
}

// observe records the status of an answer to a request sent at sent: a
// 429, or a burst of 503s, cuts the rate unless a recent cut already
// answers the overload.
func (p *pacer) observe(sent time.Time, status int) {
	if !p.adaptive || status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return
	}
	p.mu.Lock()
	defer p.unlock()
	now := p.now()
	p.refusals.add(now)
	if sent.Before(p.cut) || now.Sub(p.cut) < paceCooldown {
		return
	}
	if status == http.StatusTooManyRequests {
		p.cutAt(now, reasonThrottled)
	} else if n, sent := p.unavailable.add(now), p.sends.count(now); n >= paceBurst && float64(n) >= paceBurstShare*float64(sent) {
		p.cutAt(now, fmt.Sprintf("%d of %d answers 503 Service Unavailable within %s", n, max(n, sent), paceWindow))
	}
}

// cutAt cuts the rate multiplicatively: to paceBeta times the rate the
// API admitted over the last paceWindow (the requests sent in it less the
// 429 and 503 answers received in it: a request still unanswered counts
// as admitted, as the first 429s often arrive before any success), or
// times the current limit if that is lower; never below the floor. p.mu
// must be held.
func (p *pacer) cutAt(now time.Time, reason string) {
	from := p.limitAt(now)
	admitted := max(0, p.sends.count(now)-p.refusals.count(now))
	base := float64(admitted) / paceWindow.Seconds()
	if from > 0 {
		base = min(base, from)
	}
	to := max(paceBeta*base, p.floor)
	p.cut, p.cutTo, p.step = now, to, max(1, to/paceClimb)
	p.unavailable = nil
	if to != from {
		p.report(RateChange{From: from, To: to, Reason: reason})
	}
	p.limit = to
	p.lim.SetLimit(rate.Limit(to))
}

// report queues a change for onChange. p.mu must be held.
func (p *pacer) report(rc RateChange) {
	if p.onChange != nil {
		p.pending = append(p.pending, rc)
	}
}

// unlock releases p.mu and hands the changes queued meanwhile to onChange.
func (p *pacer) unlock() {
	queued := len(p.pending) > 0
	p.mu.Unlock()
	if queued {
		p.flush()
	}
}

// flush hands the queued changes to onChange, in order, one call at a
// time. A change queued while another goroutine runs onChange is handed
// over by whichever flush comes next.
func (p *pacer) flush() {
	p.notify.Lock()
	defer p.notify.Unlock()
	p.mu.Lock()
	pending := p.pending
	p.pending = nil
	p.mu.Unlock()
	for _, rc := range pending {
		p.onChange(rc)
	}
}

// recent holds the times of the events of the last paceWindow, oldest
// first.
type recent []time.Time

// add records an event at now and returns the count within paceWindow.
func (r *recent) add(now time.Time) int {
	*r = append(*r, now)
	return r.count(now)
}

// count returns the number of events within paceWindow before now,
// forgetting older ones.
func (r *recent) count(now time.Time) int {
	i := 0
	for i < len(*r) && now.Sub((*r)[i]) >= paceWindow {
		i++
	}
	*r = (*r)[i:]
	return len(*r)
}
