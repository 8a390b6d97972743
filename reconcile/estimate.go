package reconcile

import (
	"math"
	"time"
)

// DefaultAssumedLatency is the time one request is assumed to take when
// estimating an apply: a real API answers in 150 to 300 ms.
const DefaultAssumedLatency = 250 * time.Millisecond

// Estimate is how long applying a plan should take, and on what
// assumptions.
type Estimate struct {
	// Parallelism and Rate (requests per second, 0 for no cap) are the
	// apply settings estimated for.
	Parallelism int     `json:"parallelism"`
	Rate        float64 `json:"rate,omitempty"`
	// AssumedLatencyMS is the time one request is assumed to take.
	AssumedLatencyMS int64 `json:"assumed_latency_ms"`
	// Seconds is the estimated wall time, retries not counted.
	Seconds float64 `json:"seconds"`
}

// Duration is the estimate as a duration, rounded to the second (to the
// millisecond below one second).
func (e *Estimate) Duration() time.Duration {
	d := time.Duration(e.Seconds * float64(time.Second))
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// EstimateApply estimates the wall time of applying p with parallelism
// workers, at most rate requests per second (0 for no cap), each request
// taking latency. It is the longest of three bounds: the requests spread
// over the workers, the requests at the rate, and the longest chain of
// requests that must run one after another (a community's create, then one
// of its groups' create and member batches).
func EstimateApply(p *Plan, parallelism int, rate float64, latency time.Duration) *Estimate {
	parallelism = max(parallelism, 1)
	calls := float64(p.Summary.Calls)
	chain := map[string]int{}        // calls per address, one after another
	community := map[string]string{} // a group's community address
	for _, c := range p.Changes {
		if c.Action != ActionBlocked {
			chain[c.Address] += c.Calls
			community[c.Address] = c.Community
		}
	}
	longest := 0
	for addr, n := range chain {
		longest = max(longest, n+chain[community[addr]])
	}
	seconds := max(calls*latency.Seconds()/float64(parallelism), float64(longest)*latency.Seconds())
	if rate > 0 {
		seconds = max(seconds, calls/rate)
	}
	return &Estimate{Parallelism: parallelism, Rate: rate, AssumedLatencyMS: latency.Milliseconds(),
		Seconds: math.Round(seconds*1000) / 1000}
}
