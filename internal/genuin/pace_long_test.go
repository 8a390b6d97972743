package genuin

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genuin/genuinctl/internal/sandbox"
)

// TestAdaptiveAgainstRateLimit is the pacing benchmark: 32 workers update
// one group in a loop for 20s against a sandbox that admits 40 requests
// per second (a token bucket holding one second's worth, 429 with
// Retry-After beyond it), through one adaptive Client with no ceiling.
// At most 15% of the requests may be refused with 429, and the successful
// ones must be at least 80% of 40 per second. It takes 20s: set
// GENUIN_PACE_LONG=1 to run it.
func TestAdaptiveAgainstRateLimit(t *testing.T) {
	if os.Getenv("GENUIN_PACE_LONG") != "1" {
		t.Skip("slow (20s): set GENUIN_PACE_LONG=1 to run it")
	}
	const (
		limit    = 40.0
		workers  = 32
		duration = 20 * time.Second
	)
	var (
		mu      sync.Mutex
		changes []RateChange
	)
	c := newSandboxClient(t, sandbox.Config{Faults: sandbox.Faults{RateLimit: limit}}, Options{
		Adaptive: true,
		OnRateChange: func(rc RateChange) {
			mu.Lock()
			changes = append(changes, rc)
			mu.Unlock()
		},
	})
	ctx := context.Background()
	g, err := c.CreateGroup(ctx, &CreateGroupRequest{Type: 4, CommunityID: seededCommunityID, Group: GroupSpec{Name: "g"}})
	if err != nil {
		t.Fatal(err)
	}
	calls0, throttled0 := c.Calls(), c.Throttled()
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(duration)
	for w := range workers {
		wg.Go(func() {
			for n := 0; time.Now().Before(stop); n++ {
				name := fmt.Sprintf("g %d.%d", w, n)
				if _, err := c.UpdateConversation(ctx, g.ChatID, &UpdateConversationRequest{Name: &name}); err != nil {
					failed.Add(1)
					t.Logf("worker %d: %v", w, err)
					continue
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	requests, throttled := c.Calls()-calls0, c.Throttled()-throttled0
	share := float64(throttled) / float64(requests)
	sustained := float64(ok.Load()) / elapsed.Seconds() / limit
	mu.Lock()
	for _, rc := range changes {
		t.Log(rc)
	}
	mu.Unlock()
	t.Logf("%d requests in %v: %d succeeded (%.1f/s, %.0f%% of %g/s), %d answered 429 (%.1f%%), %d calls failed; rate now %.1f/s",
		requests, elapsed.Round(time.Millisecond), ok.Load(), float64(ok.Load())/elapsed.Seconds(), 100*sustained, limit,
		throttled, 100*share, failed.Load(), c.Rate())
	if share > 0.15 {
		t.Errorf("%.1f%% of the requests answered 429, want at most 15%%", 100*share)
	}
	if sustained < 0.8 {
		t.Errorf("sustained %.0f%% of %g requests/s, want at least 80%%", 100*sustained, limit)
	}
}
