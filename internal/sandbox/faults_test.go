package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaultFail(t *testing.T) {
	h := newHarness(t, Config{Faults: Faults{FailRate: 1}})
	h.post(pathCommunity, `{"handle":"failed","name":"F"}`).want(t, 503, "503")
	// Before anything: no auth check, nothing created.
	h.do("POST", pathCommunity, "", `{}`).want(t, 503, "503")
	if n := len(h.s.Snapshot().Communities); n != 1 {
		t.Errorf("%d communities, want only the seeded one", n)
	}
	// Inspection is never faulted.
	resp, err := http.Get(h.url + "/_sandbox/state")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("inspection under FailRate 1: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestFaultLose(t *testing.T) {
	h := newHarness(t, Config{Faults: Faults{LoseRate: 1}})
	if r, err := h.try("POST", pathCommunity, DefaultToken, `{"handle":"lost","name":"L"}`); err == nil {
		t.Fatalf("got a response %d %s, want the connection dropped", r.status, r.raw)
	}
	snap := h.s.Snapshot()
	if len(snap.Communities) != 2 {
		t.Errorf("the lost request was not applied: %d communities", len(snap.Communities))
	}
	if c := snap.Counters["community_create"]; c.Lost != 1 || c.Statuses["200"] != 1 {
		t.Errorf("counter = %+v", c)
	}
}

func TestFaultRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, Config{Faults: Faults{RateLimit: 2}, Now: clock})
	for i := range 2 {
		h.post(pathCommunity, fmt.Sprintf(`{"handle":"rl%d","name":"R"}`, i)).want(t, 200, "200")
	}
	r := h.post(pathCommunity, `{"handle":"rl_over","name":"R"}`)
	r.want(t, 429, "429")
	if ra := r.header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After = %q, want 1", ra)
	}
	mu.Lock()
	now = now.Add(500 * time.Millisecond) // refills one token at 2/s
	mu.Unlock()
	h.post(pathCommunity, `{"handle":"rl_after","name":"R"}`).want(t, 200, "200")
	h.post(pathCommunity, `{"handle":"rl_over2","name":"R"}`).want(t, 429, "429")
	if n := len(h.s.Snapshot().Communities); n != 4 {
		t.Errorf("%d communities, want seeded + 3", n)
	}
}

func TestFaultLatency(t *testing.T) {
	h := newHarness(t, Config{Faults: Faults{Latency: 30 * time.Millisecond, Jitter: 20 * time.Millisecond}})
	start := time.Now()
	h.post(pathCommunity, `{"handle":"slow","name":"S"}`).want(t, 200, "200")
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("took %v, want at least the 30ms latency", d)
	}
}

// TestFaultsReproducible: the same seed gives the same faults, request by
// request; another seed gives others.
func TestFaultsReproducible(t *testing.T) {
	pattern := func(seed int64) string {
		h := newHarness(t, Config{Faults: Faults{FailRate: 0.3, LoseRate: 0.3, Seed: seed}})
		out := ""
		for i := range 40 {
			r, err := h.try("POST", pathCommunity, DefaultToken, fmt.Sprintf(`{"handle":"rep%d","name":"R"}`, i))
			switch {
			case err != nil:
				out += "L"
			case r.status == 503:
				out += "F"
			default:
				out += "."
			}
		}
		return out
	}
	a, b, c := pattern(42), pattern(42), pattern(7)
	if a != b {
		t.Errorf("seed 42 gave %s then %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 42 and 7 both gave %s", a)
	}
	for _, ch := range "LF." {
		if !strings.ContainsRune(a, ch) {
			t.Errorf("pattern %s lacks %c", a, ch)
		}
	}
}

func TestFaultsValidate(t *testing.T) {
	for _, f := range []Faults{{FailRate: 1.5}, {LoseRate: -0.1}, {RateLimit: -1}, {Latency: -time.Second}} {
		if _, err := New(Config{Faults: f}); err == nil {
			t.Errorf("New accepted %+v", f)
		}
	}
}
