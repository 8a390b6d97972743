package sandbox

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Faults are failures injected into the API endpoints, for testing a
// client's retries, timeouts and rate limiting. The zero value injects none.
type Faults struct {
	// Latency delays every API request; Jitter adds a uniform random
	// extra delay in [0, Jitter).
	Latency, Jitter time.Duration
	// FailRate is the probability of a 503 before anything is done.
	FailRate float64
	// LoseRate is the probability that a request is applied and then the
	// connection is closed without a response.
	LoseRate float64
	// RateLimit, when > 0, admits at most this many requests per second
	// (token bucket, burst of one second's worth); the rest get 429 with
	// Retry-After.
	RateLimit float64
	// Seed makes the random draws reproducible: the n-th admitted request
	// of a Server always draws the same jitter, failure and loss.
	Seed int64
}

func (f Faults) validate() error {
	var errs []error
	if f.Latency < 0 || f.Jitter < 0 {
		errs = append(errs, errors.New("latency and jitter must not be negative"))
	}
	if !(f.FailRate >= 0 && f.FailRate <= 1) {
		errs = append(errs, fmt.Errorf("fail rate %v: want a probability in [0,1]", f.FailRate))
	}
	if !(f.LoseRate >= 0 && f.LoseRate <= 1) {
		errs = append(errs, fmt.Errorf("lose rate %v: want a probability in [0,1]", f.LoseRate))
	}
	if !(f.RateLimit >= 0) || math.IsInf(f.RateLimit, 0) {
		errs = append(errs, fmt.Errorf("rate limit %v: want requests per second >= 0 (0 = none)", f.RateLimit))
	}
	return errors.Join(errs...)
}

// Fault names in the request log.
const (
	faultRateLimit = "rate_limit"
	faultFail      = "fail"
	faultLose      = "lose"
)

// decision is what happens to one request.
type decision struct {
	limited    bool
	retryAfter int // seconds, when limited
	delay      time.Duration
	fail, lose bool
}

// faultInjector decides each request's faults.
type faultInjector struct {
	f Faults

	mu     sync.Mutex
	seq    uint64    // admitted requests so far
	tokens float64   // token bucket level
	last   time.Time // last refill
}

func newFaultInjector(f Faults) *faultInjector {
	return &faultInjector{f: f, tokens: burst(f.RateLimit)}
}

func burst(rate float64) float64 { return math.Max(1, rate) }

// decide returns the faults for a request arriving at now. Requests refused
// by the rate limiter draw nothing; every admitted one draws from its own
// generator seeded by (Seed, its sequence number), so a sequential client
// sees the same faults on every run.
func (fi *faultInjector) decide(now time.Time) decision {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if r := fi.f.RateLimit; r > 0 {
		if !fi.last.IsZero() {
			fi.tokens = math.Min(burst(r), fi.tokens+now.Sub(fi.last).Seconds()*r)
		}
		fi.last = now
		if fi.tokens < 1 {
			wait := (1 - fi.tokens) / r
			return decision{limited: true, retryAfter: int(math.Max(1, math.Ceil(wait)))}
		}
		fi.tokens--
	}
	fi.seq++
	rng := rand.New(rand.NewPCG(uint64(fi.f.Seed), fi.seq))
	d := decision{delay: fi.f.Latency}
	if fi.f.Jitter > 0 {
		d.delay += time.Duration(rng.Int64N(int64(fi.f.Jitter)))
	}
	d.fail = rng.Float64() < fi.f.FailRate
	d.lose = !d.fail && rng.Float64() < fi.f.LoseRate
	return d
}
