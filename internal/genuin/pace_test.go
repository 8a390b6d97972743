package genuin

import (
	"context"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newFakePacer returns an adaptive pacer below ceiling on a fake clock,
// and the changes it reports.
func newFakePacer(ceiling float64) (*pacer, *fakeClock, *[]RateChange) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	var changes []RateChange
	p := newPacer(ceiling, true, func(rc RateChange) { changes = append(changes, rc) })
	p.now = clk.now
	return p, clk, &changes
}

// sendFor sends a request every interval for d, and returns the time of
// the last one.
func sendFor(p *pacer, clk *fakeClock, d, interval time.Duration) time.Time {
	var last time.Time
	for range d / interval {
		last = p.send()
		clk.advance(interval)
	}
	return last
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// checkRate checks the pacer's rate (0: unlimited) and the limit set on
// its limiter once the climb is applied.
func checkRate(t *testing.T, p *pacer, want float64) {
	t.Helper()
	if got := p.rate(); !near(got, want) {
		t.Errorf("rate() = %g, want %g", got, want)
	}
	p.climb()
	if got := p.lim.Limit(); want == 0 && got != rate.Inf || want != 0 && !near(float64(got), want) {
		t.Errorf("limiter at %g, want %g", got, want)
	}
}

// checkChanges checks the changes reported so far.
func checkChanges(t *testing.T, got *[]RateChange, want ...RateChange) {
	t.Helper()
	if !slices.EqualFunc(*got, want, func(a, b RateChange) bool {
		return near(a.From, b.From) && near(a.To, b.To) && a.Reason == b.Reason
	}) {
		t.Errorf("changes reported:\n%v\nwant\n%v", *got, want)
	}
}

// TestPacerAIMD scripts 429s on a fake clock under a ceiling of 40
// requests/s: a multiplicative cut from the rate the API admitted, one cut
// per overload, an additive climb back to the ceiling reported once, and
// the floor.
func TestPacerAIMD(t *testing.T) {
	p, clk, changes := newFakePacer(40)
	checkRate(t, p, 40)

	// 41 requests within a second; the last is refused: 40 admitted.
	last := sendFor(p, clk, 41*20*time.Millisecond, 20*time.Millisecond)
	p.observe(last, http.StatusTooManyRequests)
	cut := RateChange{From: 40, To: 28, Reason: "429 Too Many Requests from the API"}
	checkChanges(t, changes, cut)
	checkRate(t, p, 28)

	// The other requests in flight answer 429 or 503 too: no further cut.
	for _, status := range []int{429, 429, 503, 503, 503} {
		p.observe(last, status)
	}
	// Nor for a request sent after the cut, answered within the cooldown.
	clk.advance(500 * time.Millisecond)
	p.observe(p.send(), http.StatusTooManyRequests)
	checkChanges(t, changes, cut)

	// The rate climbs by 28/10 requests/s every second, back to the
	// ceiling after 4.3s, reported once.
	checkRate(t, p, 28+2.8*0.5)
	clk.advance(1500 * time.Millisecond)
	checkRate(t, p, 28+2.8*2)
	clk.advance(2 * time.Second)
	checkRate(t, p, 28+2.8*4)
	checkChanges(t, changes, cut)
	clk.advance(300 * time.Millisecond)
	checkRate(t, p, 40)
	recovered := RateChange{From: 28, To: 40, Reason: "recovered to the ceiling"}
	checkChanges(t, changes, cut, recovered)
	clk.advance(10 * time.Second)
	checkRate(t, p, 40)
	checkChanges(t, changes, cut, recovered)

	// When fewer requests went than the limit allows, the cut is from
	// what the API admitted: 10 of 11; then the climb is 1/s at least.
	last = sendFor(p, clk, 11*50*time.Millisecond, 50*time.Millisecond)
	p.observe(last, http.StatusTooManyRequests)
	second := RateChange{From: 40, To: 7, Reason: "429 Too Many Requests from the API"}
	checkChanges(t, changes, cut, recovered, second)
	clk.advance(time.Second)
	checkRate(t, p, 8)

	// Nothing admitted in the last second: the floor.
	clk.advance(2 * time.Second)
	p.observe(p.send(), http.StatusTooManyRequests)
	checkChanges(t, changes, cut, recovered, second, RateChange{From: 10, To: 0.2, Reason: "429 Too Many Requests from the API"})
	checkRate(t, p, 0.2)
}

// TestPacerUnavailableBurst: 3 answers 503 within a second cut the rate
// when they are a quarter of the requests sent in it or more; fewer, or a
// trickle among many requests, do not. Without a ceiling the pacer starts
// unlimited and, once cut, climbs without bound and without a report.
func TestPacerUnavailableBurst(t *testing.T) {
	p, clk, changes := newFakePacer(0)
	checkRate(t, p, 0)
	sendFor(p, clk, time.Second, 25*time.Millisecond)
	p.observe(p.send(), http.StatusServiceUnavailable)
	p.observe(p.send(), http.StatusServiceUnavailable)
	checkChanges(t, changes)
	checkRate(t, p, 0)

	// A second later those two are out of the window: 3 more among 43
	// sent are a trickle, not a burst.
	sendFor(p, clk, time.Second, 25*time.Millisecond)
	for range 3 {
		p.observe(p.send(), http.StatusServiceUnavailable)
	}
	checkChanges(t, changes)
	checkRate(t, p, 0)

	// At 8 requests a second, 3 answers 503 are a burst.
	clk.advance(time.Second)
	sendFor(p, clk, time.Second, 125*time.Millisecond)
	p.observe(p.send(), http.StatusServiceUnavailable)
	p.observe(p.send(), http.StatusServiceUnavailable)
	checkChanges(t, changes)
	p.observe(p.send(), http.StatusServiceUnavailable)
	// 10 sent in the window, 7 admitted.
	cut := RateChange{From: 0, To: 0.7 * 7, Reason: "3 of 10 answers 503 Service Unavailable within 1s"}
	checkChanges(t, changes, cut)
	checkRate(t, p, 0.7*7)

	clk.advance(100 * time.Second)
	checkRate(t, p, 0.7*7+100)
	checkChanges(t, changes, cut)
}

// TestPacerReportsSerialized: changes caused from many goroutines reach
// OnRateChange one at a time.
func TestPacerReportsSerialized(t *testing.T) {
	var active, calls atomic.Int32
	p := newPacer(50, true, func(RateChange) {
		if active.Add(1) != 1 {
			t.Error("OnRateChange called concurrently")
		}
		time.Sleep(50 * time.Microsecond)
		active.Add(-1)
		calls.Add(1)
	})
	// Every reading of the clock is 300ms after the last: each 429 is
	// past the cooldown of the last cut.
	var ticks atomic.Int64
	start := time.Now()
	p.now = func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * 300 * time.Millisecond) }
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				p.observe(p.send(), http.StatusTooManyRequests)
				p.climb()
			}
		})
	}
	wg.Wait()
	if calls.Load() == 0 {
		t.Error("no change reported")
	}
}

// TestRateShared: the workers of one Client share its rate, adaptive or
// not: no second sees more than the rate and the burst of one.
func TestRateShared(t *testing.T) {
	const (
		workers = 16
		perSec  = 50
		run     = 2 * time.Second
	)
	body := successBody(t, "update_conversation")
	for _, adaptive := range []bool{false, true} {
		t.Run(map[bool]string{false: "fixed", true: "adaptive"}[adaptive], func(t *testing.T) {
			var (
				mu       sync.Mutex
				arrivals []time.Time
			)
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				mu.Unlock()
				reply(w, 200, body)
			}, Options{Rate: perSec, Adaptive: adaptive})
			stop := time.Now().Add(run)
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for time.Now().Before(stop) {
						if err := callOp(context.Background(), c, "update_conversation"); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			slices.SortFunc(arrivals, time.Time.Compare)
			most := 0
			for i, a := range arrivals {
				n, _ := slices.BinarySearchFunc(arrivals[i:], a.Add(time.Second), time.Time.Compare)
				most = max(most, n)
			}
			// The rate and the burst of one, with a fifth more for
			// arrivals the scheduler bunches: the requests are admitted
			// on time, but on a loaded machine (CI under -race) some
			// reach the server late, together with the next ones. A
			// limiter per worker would let 16 times the rate through.
			t.Logf("%d requests, at most %d within one second", len(arrivals), most)
			if want := perSec + 1 + perSec/5; most > want {
				t.Errorf("%d requests arrived within one second, want at most %d", most, want)
			}
			if min := int(0.9 * perSec * run.Seconds()); len(arrivals) < min {
				t.Errorf("%d requests in %v, want at least %d", len(arrivals), run, min)
			}
			if c.Rate() != perSec {
				t.Errorf("Rate() = %g", c.Rate())
			}
		})
	}
}

// TestAdaptiveClient: a Client counts the 429s, cuts its rate on one and
// reports the cut.
func TestAdaptiveClient(t *testing.T) {
	body := successBody(t, "update_conversation")
	var n atomic.Int32
	var changes []RateChange
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 21 {
			reply(w, 429, []byte(`{}`))
			return
		}
		reply(w, 200, body)
	}, Options{Adaptive: true, OnRateChange: func(rc RateChange) { changes = append(changes, rc) }})
	if c.Rate() != 0 {
		t.Errorf("Rate() = %g before any 429, want 0 (unlimited)", c.Rate())
	}
	for range 24 {
		if err := callOp(context.Background(), c, "update_conversation"); err != nil {
			t.Fatal(err)
		}
	}
	if c.Calls() != 25 || c.Throttled() != 1 {
		t.Errorf("Calls() = %d, Throttled() = %d, want 25 and 1", c.Calls(), c.Throttled())
	}
	// 20 admitted within the last second: cut to 14.
	checkChanges(t, &changes, RateChange{From: 0, To: 14, Reason: "429 Too Many Requests from the API"})
	if r := c.Rate(); r < 14 || r > 20 {
		t.Errorf("Rate() = %g, want 14 and a short climb", r)
	}
}

func TestRateChangeString(t *testing.T) {
	for rc, want := range map[RateChange]string{
		{From: 40, To: 28, Reason: reasonThrottled}:                                "rate: 429 Too Many Requests from the API: pacing at 28.0 requests/s (was 40.0)",
		{From: 0, To: 27.3, Reason: "3 answers 503 Service Unavailable within 1s"}: "rate: 3 answers 503 Service Unavailable within 1s: pacing at 27.3 requests/s (was unlimited)",
		{From: 28, To: 40, Reason: reasonRecovered}:                                "rate: recovered to the ceiling: pacing at 40.0 requests/s (was 28.0)",
	} {
		if got := rc.String(); got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	}
}
