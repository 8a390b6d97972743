package reconcile

import (
	"context"
	"strings"
	"testing"

	"github.com/genuin/genuinctl/reconcile/lockfile"
)

func TestSavedPlanFirstPlanAppliesOnce(t *testing.T) {
	lf := newLockfile(t)
	sp := Save(Diff(testDesired(), nil, Options{}), testDesired(), nil)
	if err := sp.Check(nil); err != nil {
		t.Fatalf("a first plan must apply while there is no lockfile: %v", err)
	}
	if err := Apply(context.Background(), sp.Plan, lf, &fakeAPI{}, nopHooks{}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	err := sp.Check(lf.State())
	if err == nil || !strings.Contains(err.Error(), "before the lockfile existed") {
		t.Fatalf("a first plan must not apply twice: %v", err)
	}
}

func TestSavedPlanStaleRecords(t *testing.T) {
	st := appliedState(t)
	d := testDesired()
	d.Groups["group/c1/g1"].Name = "Renamed"
	sp := Save(Diff(d, st, Options{}), d, st)
	if err := sp.Check(st); err != nil {
		t.Fatalf("unchanged lockfile: %v", err)
	}
	// A record the plan does not touch may change.
	st.Serial++
	if err := sp.Check(st); err != nil {
		t.Fatalf("only the serial moved: %v", err)
	}
	// The record it touches may not.
	st.Groups["group/c1/g1"].Members["user:u9"] = "u9"
	err := sp.Check(st)
	if err == nil || !strings.Contains(err.Error(), "these records changed: group/c1/g1") {
		t.Fatalf("want a stale-plan error naming the record, got %v", err)
	}
	other := lockfile.New("sandbox")
	if err := sp.Check(other); err == nil || !strings.Contains(err.Error(), "another lockfile") {
		t.Fatalf("want a lineage error, got %v", err)
	}
}
