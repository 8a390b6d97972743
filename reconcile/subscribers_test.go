package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

func subscribers(ids ...string) []spec.Subscriber {
	var out []spec.Subscriber
	for _, id := range ids {
		out = append(out, spec.Subscriber{UserID: id})
	}
	return out
}

// appliedLockfile is a lockfile holding appliedState.
func appliedLockfile(t *testing.T) *lockfile.File {
	t.Helper()
	lf := newLockfile(t)
	st := appliedState(t)
	for addr, c := range st.Communities {
		must(t, lf.Record(lockfile.Entry{Op: lockfile.OpPut, Address: addr, Community: c}))
	}
	for addr, g := range st.Groups {
		must(t, lf.Record(lockfile.Entry{Op: lockfile.OpPut, Address: addr, Group: g}))
	}
	return lf
}

// TestSubscribersRemovedOnce: the plan removes the subscribers the spec
// names, apply sends them in subscribers_removed and records each, and
// the next plan sends none of them again.
func TestSubscribersRemovedOnce(t *testing.T) {
	lf := appliedLockfile(t)
	d := testDesired()
	d.Groups["group/c1/g1"].SubscribersRemoved = subscribers("s2", "s1")
	p := Diff(d, lf.State(), Options{})
	if got := summaryOf(p); got != "group/c1/g1:update" {
		t.Fatalf("plan = %s", got)
	}
	c := p.Changes[0]
	if got := identities(c.SubscribersRemoved); !slices.Equal(got, []string{"user:s2", "user:s1"}) || c.Calls != 1 {
		t.Fatalf("subscribers removed %v in %d calls", got, c.Calls)
	}
	api := &recordingAPI{}
	must(t, Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}))
	if len(api.updates) != 1 || !slices.Equal(api.updates[0].SubscribersRemoved, []string{"s2", "s1"}) || api.updates[0].MembersRemoved != nil {
		t.Fatalf("sent %+v", api.updates)
	}
	if got := lf.State().Groups["group/c1/g1"].SubscribersRemoved; !slices.Equal(got, []string{"user:s1", "user:s2"}) {
		t.Errorf("recorded %v", got)
	}
	if again := Diff(d, lf.State(), Options{}); again.HasChanges() {
		t.Errorf("second plan not empty: %s", summaryOf(again))
	}
	// A saved plan made before cannot send them twice.
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err == nil || !strings.Contains(err.Error(), "records already") {
		t.Errorf("a removal sent twice: %v", err)
	}
}

// TestSubscribersForgottenSendNothing: a user taken off the list is
// forgotten by an update that makes no API call, and the lockfile no
// longer has them; listed again, they are removed again.
func TestSubscribersForgottenSendNothing(t *testing.T) {
	lf := appliedLockfile(t)
	must(t, lf.Record(lockfile.Entry{Op: lockfile.OpMembers, Address: "group/c1/g1", SubscribersRemoved: []string{"user:s1", "user:s2"}}))
	d := testDesired()
	d.Groups["group/c1/g1"].SubscribersRemoved = subscribers("s2")
	p := Diff(d, lf.State(), Options{})
	c := p.Changes[0]
	if got := summaryOf(p); got != "group/c1/g1:update" || c.Calls != 0 || len(c.SubscribersRemoved) != 0 ||
		!slices.Equal(identities(c.SubscribersForgotten), []string{"user:s1"}) {
		t.Fatalf("plan = %s %+v", got, c)
	}
	if !p.HasChanges() || p.Summary.Calls != 0 {
		t.Errorf("a plan that only forgets has changes (for the lockfile) and no call: %+v", p.Summary)
	}
	api := &fakeAPI{}
	must(t, Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}))
	if len(api.calls) != 0 {
		t.Errorf("calls %v", api.calls)
	}
	if got := lf.State().Groups["group/c1/g1"].SubscribersRemoved; !slices.Equal(got, []string{"user:s2"}) {
		t.Errorf("recorded %v", got)
	}
	if again := Diff(d, lf.State(), Options{}); again.HasChanges() {
		t.Errorf("second plan not empty: %s", summaryOf(again))
	}
	d.Groups["group/c1/g1"].SubscribersRemoved = subscribers("s2", "s1")
	if got := identities(Diff(d, lf.State(), Options{}).Changes[0].SubscribersRemoved); !slices.Equal(got, []string{"user:s1"}) {
		t.Errorf("listed again: removes %v", got)
	}
}

// TestSubscribersChunked: subscriber removals are chunked like member
// deltas, and each batch is recorded as it is answered.
func TestSubscribersChunked(t *testing.T) {
	lf := appliedLockfile(t)
	d := testDesired()
	var ids []string
	for i := range 250 {
		ids = append(ids, fmt.Sprintf("s%03d", i))
	}
	d.Groups["group/c1/g1"].SubscribersRemoved = subscribers(ids...)
	d.Groups["group/c1/g1"].Name = "Renamed"
	p := Diff(d, lf.State(), Options{})
	if c := p.Changes[0]; c.Calls != 3 {
		t.Fatalf("%d calls, want 3", c.Calls)
	}
	api := &recordingAPI{}
	// The third batch fails: the first two stay recorded.
	n := 0
	api.fail = func(string) error {
		if n++; n == 3 {
			return &genuin.APIError{Op: "update_conversation", Status: 500, Code: genuin.CodeUpdateFailed, Kind: genuin.KindServer}
		}
		return nil
	}
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err == nil {
		t.Fatal("want the third batch to fail")
	}
	for i, want := range []int{100, 100, 50} {
		if got := len(api.updates[i].SubscribersRemoved); got != want {
			t.Errorf("batch %d removes %d subscribers, want %d", i, got, want)
		}
	}
	if api.updates[0].Name == nil || api.updates[1].Name != nil {
		t.Error("fields ride in the first batch only")
	}
	if got := len(lf.State().Groups["group/c1/g1"].SubscribersRemoved); got != 200 {
		t.Errorf("%d recorded, want the 200 answered", got)
	}
	if c := Diff(d, lf.State(), Options{}).Changes[0]; len(c.SubscribersRemoved) != 50 || c.Calls != 1 {
		t.Errorf("the next plan removes %d in %d calls, want the 50 left in 1", len(c.SubscribersRemoved), c.Calls)
	}
}

// TestSubscribersLostAnswerNotRecorded: a removal whose answer was lost
// is not recorded; the next plan sends it again.
func TestSubscribersLostAnswerNotRecorded(t *testing.T) {
	lf := appliedLockfile(t)
	d := testDesired()
	d.Groups["group/c1/g1"].SubscribersRemoved = subscribers("s1")
	api := &fakeAPI{fail: func(string) error {
		return &genuin.APIError{Op: "update_conversation", Kind: genuin.KindTransient, OutcomeUnknown: true}
	}}
	if err := Apply(context.Background(), Diff(d, lf.State(), Options{}), lf, api, nopHooks{}, ApplyOptions{}); err == nil {
		t.Fatal("want the lost update to fail")
	}
	if got := lf.State().Groups["group/c1/g1"].SubscribersRemoved; got != nil {
		t.Errorf("recorded %v", got)
	}
	if got := identities(Diff(d, lf.State(), Options{}).Changes[0].SubscribersRemoved); !slices.Equal(got, []string{"user:s1"}) {
		t.Errorf("the next plan removes %v", got)
	}
}

// TestSubscribersOfANewGroup: a group created with subscribers_removed is
// created, then updated once to send them.
func TestSubscribersOfANewGroup(t *testing.T) {
	lf := newLockfile(t)
	d := testDesired()
	d.Groups["group/c1/g1"].SubscribersRemoved = subscribers("s1")
	p := Diff(d, lf.State(), Options{NewChatID: sequentialIDs()})
	if got := summaryOf(p); got != "community/c1:create group/c1/g1:create group/c1/g1:update" {
		t.Fatalf("plan = %s", got)
	}
	if up := p.Changes[2]; up.ChatID != "chat-1" || len(up.SubscribersRemoved) != 1 || up.Calls != 1 {
		t.Fatalf("update %+v", up)
	}
	api := &recordingAPI{}
	must(t, Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{Parallelism: 1}))
	last := api.updates[len(api.updates)-1]
	if !slices.Equal(last.SubscribersRemoved, []string{"s1"}) {
		t.Errorf("sent %+v", last)
	}
	if again := Diff(d, lf.State(), Options{}); again.HasChanges() {
		t.Errorf("second plan not empty: %s", summaryOf(again))
	}
}

// TestSubscriberRemovalsCountTowardMaxRemovals: --max-removals counts
// members and subscribers; --max-removal-delta members only.
func TestSubscriberRemovalsCountTowardMaxRemovals(t *testing.T) {
	p := &Plan{Changes: []*Change{{Address: "group/c/g", Action: ActionUpdate,
		MembersRemoved: make([]Member, 2), SubscribersRemoved: make([]Member, 3), SubscribersForgotten: make([]Member, 9)}}}
	recorded := func(string) int { return 4 }
	if v := p.Violations(Limits{MaxRemovals: 5}, recorded); len(v) != 0 {
		t.Errorf("5 removals within 5: %v", v)
	}
	v := p.Violations(Limits{MaxRemovals: 4}, recorded)
	if len(v) != 1 || v[0] != "5 removals (2 members, 3 subscribers) exceed --max-removals 4" {
		t.Errorf("violations %v", v)
	}
	p.Changes[0].MembersRemoved = nil
	if v := p.Violations(Limits{MaxRemovals: 4, MaxRemovalDelta: 0.1}, func(string) int { return 10 }); len(v) != 0 {
		t.Errorf("subscribers are not members: %v", v)
	}
}

// TestSpecChatID: a chat_id the spec gives is the one created, a change
// of it after the create is blocked, and one another group has recorded
// is blocked before any create.
func TestSpecChatID(t *testing.T) {
	d := testDesired()
	d.Groups["group/c1/g1"].ChatID = "456e7890-b12c-4c23-89ef-126314214567"
	p := Diff(d, nil, Options{NewChatID: sequentialIDs()})
	if g := p.Changes[1]; g.Action != ActionCreate || g.ChatID != "456e7890-b12c-4c23-89ef-126314214567" {
		t.Fatalf("create %+v", g)
	}

	st := appliedState(t) // chat-9
	p = Diff(d, st, Options{})
	if got := summaryOf(p); got != "group/c1/g1:blocked" {
		t.Fatalf("plan = %s", got)
	}
	if f := p.Changes[0].Fields; len(f) != 1 || f[0].Name != "chat_id" || string(f[0].Before) != `"chat-9"` {
		t.Errorf("fields %+v", f)
	}

	d.Groups["group/c1/g2"] = &spec.Group{Key: "g2", Community: "c1", Name: "Two", Type: 4, ChatID: "chat-9"}
	d.Groups["group/c1/g1"].ChatID = ""
	p = Diff(d, st, Options{})
	if got := summaryOf(p); got != "group/c1/g2:blocked" || !strings.Contains(p.Changes[0].Reason, "group/c1/g1") {
		t.Fatalf("plan = %s %+v", got, p.Changes)
	}
}

// TestPhonesInCreate: with phones_in_create a phone member rides in the
// create (one request), is journalled with the intent and, confirmed,
// recorded with no member id; a re-send of that create sends it again.
func TestPhonesInCreate(t *testing.T) {
	lf := newLockfile(t)
	d := testDesired()
	d.Groups["group/c1/g1"].PhonesInCreate = true
	p := Diff(d, lf.State(), Options{NewChatID: sequentialIDs()})
	g := p.Changes[1]
	if g.Calls != 1 || !g.MembersAdded[1].InCreate || g.MembersAdded[0].InCreate {
		t.Fatalf("create %+v", g)
	}
	api := &recordingAPI{}
	api.fail = func(op string) error {
		if strings.HasPrefix(op, "group/create") {
			return &genuin.APIError{Op: "group/create", Kind: genuin.KindTransient, OutcomeUnknown: true}
		}
		return nil
	}
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err == nil {
		t.Fatal("want the lost create to fail")
	}
	if got := lf.State().Groups["group/c1/g1"].CreateMembers; !slices.Equal(got, []string{"user:u1", "phone:919876543210"}) {
		t.Fatalf("intent members %v", got)
	}
	api.fail = nil
	p = Diff(d, lf.State(), Options{})
	if got := summaryOf(p); got != "group/c1/g1:pending" {
		t.Fatalf("plan = %s", got)
	}
	must(t, Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}))
	resent := api.creates[len(api.creates)-1]
	want := []genuin.MemberRef{{UserID: "u1"}, {PhoneNumber: "919876543210"}}
	if !slices.Equal(resent.Group.Members, want) || len(api.updates) != 0 {
		t.Fatalf("re-sent members %+v, updates %d", resent.Group.Members, len(api.updates))
	}
	rec := lf.State().Groups["group/c1/g1"]
	if id, ok := rec.Members["phone:919876543210"]; !ok || id != "" || rec.Members["user:u1"] != "u1" {
		t.Errorf("members %v", rec.Members)
	}
	if again := Diff(d, lf.State(), Options{}); again.HasChanges() {
		t.Errorf("second plan not empty: %s", summaryOf(again))
	}
}

// TestSavedPlanCarriesSubscribers: a saved plan keeps its subscriber
// removals and forgets through its digest, and a removal the lockfile
// records since makes it stale.
func TestSavedPlanCarriesSubscribers(t *testing.T) {
	st := appliedState(t)
	st.Groups["group/c1/g1"].SubscribersRemoved = []string{"user:s0"}
	d := testDesired()
	d.Groups["group/c1/g1"].SubscribersRemoved = subscribers("s1")
	data, err := Save(Diff(d, st, Options{}), st).Marshal()
	must(t, err)
	sp, err := ParseSavedPlan(data)
	must(t, err)
	c := sp.Plan.Changes[0]
	if !slices.Equal(identities(c.SubscribersRemoved), []string{"user:s1"}) || !slices.Equal(identities(c.SubscribersForgotten), []string{"user:s0"}) {
		t.Fatalf("change %+v", c)
	}
	edited := strings.Replace(string(data), `"user_id": "s1"`, `"user_id": "s2"`, 1)
	if _, err := ParseSavedPlan([]byte(edited)); err == nil {
		t.Error("an edited subscriber must be refused")
	}
	// Run halfway: s1's removal is recorded, s0's is not forgotten yet.
	st.Groups["group/c1/g1"].SubscribersRemoved = []string{"user:s0", "user:s1"}
	r, err := sp.Resume(st)
	must(t, err)
	if len(r.Plan.Changes) != 1 || len(r.Plan.Changes[0].SubscribersRemoved) != 0 || !slices.Equal(identities(r.Plan.Changes[0].SubscribersForgotten), []string{"user:s0"}) {
		t.Errorf("resumed plan %+v", r.Plan.Changes)
	}
}

// TestUpdateRequestSubscribers: subscribers_removed takes member ids, a
// user's being their user id.
func TestUpdateRequestSubscribers(t *testing.T) {
	req, err := updateRequest(updateBatch{subscribers: []Member{{Identity: "user:s1", UserID: "s1"}}})
	must(t, err)
	if body, _ := json.Marshal(req); string(body) != `{"subscribers_removed":["s1"]}` {
		t.Errorf("body %s", body)
	}
}

// TestImportWithSpecChatID: a group whose spec gives its chat_id is
// imported with that one only, recorded as the spec writes it, with no
// subscriber removed yet.
func TestImportWithSpecChatID(t *testing.T) {
	d := testDesired()
	g := d.Groups["group/c1/g1"]
	g.ChatID = "456e7890-b12c-4c23-89ef-126314214567"
	g.SubscribersRemoved = subscribers("s1")
	st := appliedState(t)
	delete(st.Groups, "group/c1/g1")
	if _, err := ImportEntry(d, st, "group/c1/g1", "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d"); err == nil || !strings.Contains(err.Error(), "the spec gives this group chat_id") {
		t.Errorf("another id: %v", err)
	}
	e, err := ImportEntry(d, st, "group/c1/g1", "456E7890-B12C-4C23-89EF-126314214567")
	must(t, err)
	if e.Group.ChatID != g.ChatID || e.Group.SubscribersRemoved != nil {
		t.Errorf("imported %+v", e.Group)
	}
	st.Groups["group/c1/g1"] = e.Group
	p := Diff(d, st, Options{})
	if got := summaryOf(p); got != "group/c1/g1:update" || len(p.Changes[0].SubscribersRemoved) != 1 {
		t.Errorf("after import: %s", got)
	}
}

// TestSubscriberWhoIsAPhoneMember: the spec cannot see that a member added
// by phone is the user it removes as a subscriber; the lockfile can (the
// phone's member id is that user's id). That removal is blocked, not sent,
// unless the subscriber is marked also_member.
func TestSubscriberWhoIsAPhoneMember(t *testing.T) {
	st := appliedState(t)
	userOfPhone := st.Groups["group/c1/g1"].Members["phone:919876543210"]
	if userOfPhone == "" {
		t.Fatal("the applied state records no member id for the phone member")
	}
	for _, alsoMember := range []bool{false, true} {
		d := testDesired()
		d.Groups["group/c1/g1"].SubscribersRemoved = []spec.Subscriber{{UserID: userOfPhone, AlsoMember: alsoMember}, {UserID: "s1"}}
		p := Diff(d, st, Options{})
		var sent, blocked []string
		for _, c := range p.Changes {
			switch c.Action {
			case ActionUpdate:
				sent = identities(c.SubscribersRemoved)
			case ActionBlocked:
				blocked = identities(c.SubscribersRemoved)
			}
		}
		wantSent, wantBlocked := []string{"user:s1"}, []string{"user:" + userOfPhone}
		if alsoMember {
			wantSent, wantBlocked = []string{"user:" + userOfPhone, "user:s1"}, nil
		}
		if !slices.Equal(sent, wantSent) || !slices.Equal(blocked, wantBlocked) {
			t.Errorf("also_member %v: sent %v, blocked %v; want %v and %v", alsoMember, sent, blocked, wantSent, wantBlocked)
		}
	}
}
