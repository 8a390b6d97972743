package main

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/spf13/pflag"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile"
)

// pacingOptions say how fast apply goes: plan takes them too, to estimate
// how long apply will take.
type pacingOptions struct {
	parallelism    int
	rate           float64
	assumedLatency time.Duration
}

func (o *pacingOptions) register(fs *pflag.FlagSet) {
	fs.IntVar(&o.parallelism, "parallelism", reconcile.DefaultParallelism,
		fmt.Sprintf("changes applied at once, 1 to %d; the requests of one address stay in order and a group waits for its community's create (1: one by one, in plan order)", maxParallelism))
	fs.Float64Var(&o.rate, "rate", 0,
		"requests per second at most, over all workers; 0 for no cap (apply still slows down when the API answers 429, or 503 in bursts, and speeds up again)")
	fs.DurationVar(&o.assumedLatency, "assume-latency", reconcile.DefaultAssumedLatency,
		"the time one request is assumed to take, for the plan's estimate of how long apply takes")
}

func (o *pacingOptions) check() error {
	switch {
	case o.parallelism < 1 || o.parallelism > maxParallelism:
		return fmt.Errorf("--parallelism %d: want 1 to %d", o.parallelism, maxParallelism)
	case !(o.rate >= 0) || math.IsInf(o.rate, 0):
		return fmt.Errorf("--rate %v: want requests per second > 0, or 0 for no cap", o.rate)
	case o.assumedLatency < 0:
		return errors.New("--assume-latency must not be negative")
	}
	return nil
}

// maxParallelism bounds --parallelism: beyond it, more workers only queue
// on the API's rate limit and hold more connections open.
const maxParallelism = 256

// estimate is how long applying p should take with these settings.
func (o *pacingOptions) estimate(p *reconcile.Plan) *reconcile.Estimate {
	return reconcile.EstimateApply(p, o.parallelism, o.rate, o.assumedLatency)
}

// tune sets the client options these settings decide: the shared rate cap,
// adaptive pacing, and enough idle connections for every worker.
func (o *pacingOptions) tune(opts *genuin.Options, onRate func(genuin.RateChange)) {
	opts.Rate = o.rate
	opts.Adaptive = true
	opts.OnRateChange = onRate
}
