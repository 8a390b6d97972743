package reconcile

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// TestSavedPlanFirstPlanResumes: a plan made before any lockfile existed
// gets the chat_ids derived from the lineage apply binds; once applied,
// running it again finds every change done and makes none.
func TestSavedPlanFirstPlanResumes(t *testing.T) {
	lf := newLockfile(t)
	sp := Save(Diff(testDesired(), nil, Options{}), nil)
	if err := sp.Check(nil); err != nil {
		t.Fatalf("a first plan must apply while there is no lockfile: %v", err)
	}
	DeriveChatIDs(sp.Plan, lf.State().Lineage) // as apply does once it binds the lockfile
	if got, want := sp.Plan.Changes[1].ChatID, lockfile.ChatIDFor(lockfile.LineageFor("sandbox"), "group/c1/g1"); got != want {
		t.Fatalf("chat_id %s, want the derived %s", got, want)
	}
	if err := Apply(context.Background(), sp.Plan, lf, &fakeAPI{}, nopHooks{}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := sp.Resume(lf.State())
	if err != nil {
		t.Fatalf("an applied plan resumes with nothing to do: %v", err)
	}
	if r.Done != 2 || r.Total != 2 || r.Plan.HasChanges() {
		t.Fatalf("resumed %d of %d, left %s", r.Done, r.Total, summaryOf(r.Plan))
	}
}

func TestSavedPlanStaleRecords(t *testing.T) {
	st := appliedState(t)
	d := testDesired()
	d.Groups["group/c1/g1"].Name = "Renamed"
	sp := Save(Diff(d, st, Options{}), st)
	if err := sp.Check(st); err != nil {
		t.Fatalf("unchanged lockfile: %v", err)
	}
	// A record the plan does not touch may change.
	st.Serial++
	if err := sp.Check(st); err != nil {
		t.Fatalf("only the serial moved: %v", err)
	}
	// A value the plan changes may hold its value before or after, not a
	// third one.
	st.Groups["group/c1/g1"].Fields["name"] = []byte(`"Someone else's"`)
	err := sp.Check(st)
	if err == nil || !strings.Contains(err.Error(), "these records changed in a way this plan does not: group/c1/g1 (field name") {
		t.Fatalf("want a stale-plan error naming the record, got %v", err)
	}
	other := lockfile.New("sandbox")
	other.Lineage = lockfile.NewUUID()
	if err := sp.Check(other); err == nil || !strings.Contains(err.Error(), "another lockfile") {
		t.Fatalf("want a lineage error, got %v", err)
	}
}

// TestSavedPlanDigest: an edit anywhere in a saved plan, such as a member
// id, is refused before the plan is used.
func TestSavedPlanDigest(t *testing.T) {
	st := appliedState(t)
	d := testDesired()
	d.Groups["group/c1/g1"].Members = d.Groups["group/c1/g1"].Members[:1] // remove the phone member
	data, err := Save(Diff(d, st, Options{}), st).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ParseSavedPlan(data)
	if err != nil {
		t.Fatalf("an untouched plan must parse: %v", err)
	}
	// Marshal encodes once and splices the digest in: the file is the
	// plain indented encoding of the plan with its digest.
	if want, _ := json.MarshalIndent(sp, "", "  "); string(data) != string(want)+"\n" {
		t.Errorf("the saved plan is not the indented encoding of itself:\n%s\nwant\n%s", data, want)
	}
	if got := sp.Plan.Changes[0].MembersRemoved[0].MemberID; got != "m-phone" {
		t.Fatalf("removal of %q", got)
	}
	for name, edit := range map[string]func(string) string{
		"member id":     func(s string) string { return strings.Replace(s, `"m-phone"`, `"m-other"`, 1) },
		"trailing data": func(s string) string { return s + "{}" },
		"truncated":     func(s string) string { return s[:len(s)/2] },
		"older version": func(s string) string {
			return strings.Replace(s, `"saved_plan_version": 2`, `"saved_plan_version": 1`, 1)
		},
		"digest removed": func(s string) string { return strings.Replace(s, `"digest": "sha256:`, `"digest": "x`, 1) },
	} {
		if _, err := ParseSavedPlan([]byte(edit(string(data)))); err == nil {
			t.Errorf("%s: an edited plan must be refused", name)
		}
	}
}

// TestApplyTakesMemberIDsFromTheLockfile: a removal whose member id is not
// the recorded one is refused, whatever the plan says.
func TestApplyTakesMemberIDsFromTheLockfile(t *testing.T) {
	lf := newLockfile(t)
	for addr, c := range appliedState(t).Communities {
		must(t, lf.Record(lockfile.Entry{Op: lockfile.OpPut, Address: addr, Community: c}))
	}
	for addr, g := range appliedState(t).Groups {
		must(t, lf.Record(lockfile.Entry{Op: lockfile.OpPut, Address: addr, Group: g}))
	}
	d := testDesired()
	d.Groups["group/c1/g1"].Members = d.Groups["group/c1/g1"].Members[:1]
	p := Diff(d, lf.State(), Options{})
	p.Changes[0].MembersRemoved[0].MemberID = "m-someone-else"
	api := &fakeAPI{}
	err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "not the recorded one") || len(api.calls) != 0 {
		t.Fatalf("err %v, calls %v", err, api.calls)
	}
}

// FuzzParseSavedPlan: no saved plan file, however damaged or forged, makes
// parsing or checking it panic.
func FuzzParseSavedPlan(f *testing.F) {
	st := appliedState(f)
	d := testDesired()
	d.Groups["group/c1/g1"].Name = "Renamed"
	// Subscribers removed and forgotten, phones in a create.
	moderated := testDesired()
	moderated.Groups["group/c1/g1"].SubscribersRemoved = []spec.Subscriber{{UserID: "s1"}}
	moderated.Groups["group/c1/g1"].PhonesInCreate = true
	withRemoved := appliedState(f)
	withRemoved.Groups["group/c1/g1"].SubscribersRemoved = []string{"user:s0"}
	for _, sp := range []*SavedPlan{Save(Diff(d, st, Options{}), st), Save(Diff(testDesired(), nil, Options{}), nil),
		Save(Diff(moderated, withRemoved, Options{}), withRemoved), Save(Diff(moderated, nil, Options{}), nil)} {
		data, err := sp.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"saved_plan_version":2,"digest":"","lockfile":null,"fingerprints":{},"plan":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sp, err := ParseSavedPlan(data)
		if err != nil {
			return
		}
		_ = sp.Check(nil)
		_ = sp.Check(st)
		if again, err := sp.Marshal(); err != nil {
			t.Fatal(err)
		} else if _, err := ParseSavedPlan(again); err != nil {
			t.Fatalf("a plan that parsed must round-trip: %v", err)
		}
	})
}
