package reconcile

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// TestSavedPlanResumesAfterPartialFailure: a saved plan fails halfway (an
// outage refuses some creates and updates, and loses the answer of one
// create); applying it again sends exactly what is not recorded yet: the
// refused changes, and the lost create again with the plan's chat_id.
// Nothing that succeeded is sent twice, and a third run sends nothing.
func TestSavedPlanResumesAfterPartialFailure(t *testing.T) {
	lf := newLockfile(t)
	first := Diff(campaignDesired(4), lf.State(), Options{})
	must(t, Apply(context.Background(), first, lf, &fakeAPI{}, nopHooks{}, ApplyOptions{Parallelism: 4}))
	d := campaignDesired(6) // two new groups per community, and renames
	for _, g := range d.Groups {
		g.Name += " renamed"
	}
	sp := Save(Diff(d, lf.State(), Options{}), lf.State())
	data, err := sp.Marshal()
	must(t, err)
	planned := sp.Plan.Summary.Calls
	lostChat := lockfile.ChatIDFor(lf.State().Lineage, "group/a/g005")
	var lost atomic.Bool
	outage := &fakeAPI{fail: func(op string) error {
		switch {
		case op == "group/create "+lostChat+" in cid-a" && lost.CompareAndSwap(false, true):
			return &genuin.APIError{Op: "group/create", OutcomeUnknown: true}
		case strings.HasSuffix(op, " in existing"), strings.HasPrefix(op, "update "+lockfile.ChatIDFor(lf.State().Lineage, "group/b/g001")):
			return &genuin.APIError{Op: "x", Status: 503, Code: "503", Kind: genuin.KindTransient}
		}
		return nil
	}}
	err = Apply(context.Background(), sp.Plan, lf, outage, nopHooks{}, ApplyOptions{Parallelism: 4})
	if len(Failures(err)) == 0 {
		t.Fatalf("the outage failed nothing: %v", err)
	}
	// The first run's requests that succeeded, by operation.
	succeeded := map[string]bool{}
	for _, op := range outage.calls {
		if op != "group/create "+lostChat+" in cid-a" && outage.fail(op) == nil {
			succeeded[op] = true
		}
	}

	again, err := ParseSavedPlan(data)
	must(t, err)
	r, err := again.Resume(lf.State())
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if r.Done == 0 || r.Done >= r.Total || r.Moved == 0 {
		t.Fatalf("resumed %d of %d (%d moved)", r.Done, r.Total, r.Moved)
	}
	api := &fakeAPI{}
	must(t, Apply(context.Background(), r.Plan, lf, api, nopHooks{}, ApplyOptions{Parallelism: 4}))
	sentAgain := 0
	for _, op := range api.calls {
		if succeeded[op] && !strings.HasPrefix(op, "update ") {
			t.Errorf("%s succeeded in the first run and was sent again", op)
		}
		if op == "group/create "+lostChat+" in cid-a" {
			sentAgain++
		}
	}
	if sentAgain != 1 {
		t.Errorf("the create whose answer was lost was re-sent %d times, want once with the plan's chat_id", sentAgain)
	}
	if got := len(outage.calls) + len(api.calls); got > planned+len(outage.calls)-len(succeeded)+1 {
		t.Errorf("%d requests in all for a plan of %d", got, planned)
	}
	// Converged: the spec's plan is empty, and the saved plan is all done.
	if p := Diff(d, lf.State(), Options{}); p.HasChanges() {
		t.Errorf("after the resume the plan is %s", summaryOf(p))
	}
	r, err = again.Resume(lf.State())
	must(t, err)
	if r.Done != r.Total || r.Plan.HasChanges() {
		t.Errorf("a third run: %d of %d done, left %s", r.Done, r.Total, summaryOf(r.Plan))
	}
}

// TestSavedPlanResumeRefusesOtherMoves: a record the plan touches that
// moved in a way the plan does not (a member added by another apply, a
// field set to a third value) is refused, naming it.
func TestSavedPlanResumeRefusesOtherMoves(t *testing.T) {
	lf := newLockfile(t)
	must(t, Apply(context.Background(), Diff(campaignDesired(1), lf.State(), Options{}), lf, &fakeAPI{}, nopHooks{}, ApplyOptions{}))
	d := campaignDesired(1)
	d.Groups["group/a/g000"].Name = "Renamed"
	sp := Save(Diff(d, lf.State(), Options{}), lf.State())
	for name, move := range map[string]func(g *lockfile.Group){
		"member added":  func(g *lockfile.Group) { g.Members["user:u9"] = "u9" },
		"field set":     func(g *lockfile.Group) { g.Fields["name"] = json.RawMessage(`"Third"`) },
		"other chat_id": func(g *lockfile.Group) { g.ChatID = lockfile.NewUUID() },
	} {
		st := lf.State()
		data, _ := lockfile.Marshal(st)
		moved, err := lockfile.Parse("x", data)
		must(t, err)
		move(moved.Groups["group/a/g000"])
		if _, err := sp.Resume(moved); err == nil || !strings.Contains(err.Error(), "group/a/g000") {
			t.Errorf("%s: want a refusal naming group/a/g000, got %v", name, err)
		}
	}
}
