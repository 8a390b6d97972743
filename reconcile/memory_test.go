package reconcile

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// TestApplyHoldsNothingPerRequest applies the same 20,000 member adds in
// one request a group and in 400 times as many, and compares the heap
// held when the last change has finished: what an apply holds grows with
// the state it records, never with the requests it made (no request log,
// no response kept, no journal buffer that only grows). A response kept
// per request shows as about 460 bytes a request.
func TestApplyHoldsNothingPerRequest(t *testing.T) {
	const groups, members = 25, 800
	few := heldAfterApply(t, groups, members, members) // one request a group
	many := heldAfterApply(t, groups, members, 2)
	perRequest := float64(many.held-few.held) / float64(many.requests-few.requests)
	t.Logf("%d requests: %d bytes held; %d requests: %d bytes held; %.1f bytes a request",
		few.requests, few.held, many.requests, many.held, perRequest)
	if many.requests < 100*few.requests {
		t.Fatalf("%d and %d requests: the comparison needs a hundred times as many", few.requests, many.requests)
	}
	if perRequest > 64 {
		t.Errorf("apply holds %.0f bytes more per request made (want none): something keeps every request", perRequest)
	}
}

type applyHeld struct {
	requests int
	held     int64 // live heap after a GC, as the last change finishes
}

// heldAfterApply creates groups with no member, then adds members to
// each, chunk members a request, and measures the heap apply holds once
// its last change has finished.
func heldAfterApply(t *testing.T, groups, members, chunk int) applyHeld {
	d := &spec.Desired{
		Communities: map[string]*spec.Community{"c1": {Handle: "c1", Name: "C"}},
		Groups:      map[string]*spec.Group{},
	}
	for i := range groups {
		g := &spec.Group{Key: fmt.Sprintf("g%03d", i), Community: "c1", Name: "G", Type: 4}
		d.Groups[g.Address()] = g
	}
	// Not newLockfile: its cleanup would keep this run's state alive
	// through the next one's measurement.
	lf, err := lockfile.Open(filepath.Join(t.TempDir(), "genuin.lock"), 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	lf.Init("sandbox")
	api := &fakeAPI{countOnly: true}
	if err := Apply(context.Background(), Diff(d, lf.State(), Options{}), lf, api, nopHooks{}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, addr := range d.GroupAddresses() {
		for k := range members {
			d.Groups[addr].Members = append(d.Groups[addr].Members, spec.Member{UserID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, k)})
		}
	}
	p := Diff(d, lf.State(), Options{ChunkSize: chunk})
	before := api.requests
	h := &heldAtEnd{left: len(p.Changes)}
	if err := Apply(context.Background(), p, lf, api, h, ApplyOptions{ChunkSize: chunk}); err != nil {
		t.Fatal(err)
	}
	if len(Diff(d, lf.State(), Options{}).Changes) != 0 {
		t.Fatal("the member adds were not all recorded")
	}
	return applyHeld{requests: api.requests - before, held: h.held}
}

// heldAtEnd measures the live heap when the last change finishes.
type heldAtEnd struct {
	left int
	held int64
}

func (h *heldAtEnd) ChangeStarted(*Change) {}

func (h *heldAtEnd) ChangeFinished(*Change, Outcome) {
	if h.left--; h.left == 0 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		h.held = int64(ms.HeapAlloc)
	}
}
