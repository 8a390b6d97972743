package reconcile

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// fakeAPI records requests and fails the ones its fail func picks. It is
// safe for concurrent use; fail is called with no lock held.
type fakeAPI struct {
	mu    sync.Mutex
	calls []string
	fail  func(op string) error
	// countOnly counts the requests in requests instead of recording them.
	countOnly bool
	requests  int
}

func (f *fakeAPI) do(op string) error {
	f.mu.Lock()
	f.requests++
	if !f.countOnly {
		f.calls = append(f.calls, op)
	}
	f.mu.Unlock()
	if f.fail != nil {
		return f.fail(op)
	}
	return nil
}

func (f *fakeAPI) CreateCommunity(_ context.Context, req *genuin.CreateCommunityRequest) (*genuin.CreateCommunityResponse, error) {
	if err := f.do("community/create " + req.Handle); err != nil {
		return nil, err
	}
	return &genuin.CreateCommunityResponse{CommunityID: "cid-" + req.Handle, ShareURL: "https://x/" + req.Handle}, nil
}

func (f *fakeAPI) CreateGroup(_ context.Context, req *genuin.CreateGroupRequest) (*genuin.CreateGroupResponse, error) {
	if err := f.do("group/create " + req.ChatID + " in " + req.CommunityID); err != nil {
		return nil, err
	}
	resp := &genuin.CreateGroupResponse{ChatID: req.ChatID, Group: genuin.GroupInfo{GroupID: "gid-" + req.ChatID}}
	for _, m := range req.Group.Members { // as the docs' example: users by their id
		if m.UserID != "" {
			resp.Group.Members = append(resp.Group.Members, genuin.Member{MemberID: m.UserID})
		}
	}
	return resp, nil
}

func (f *fakeAPI) UpdateConversation(_ context.Context, chatID string, req *genuin.UpdateConversationRequest) (*genuin.UpdateConversationResponse, error) {
	if err := f.do("update " + chatID); err != nil {
		return nil, err
	}
	resp := &genuin.UpdateConversationResponse{}
	for _, m := range req.MembersAdded {
		if m.UserID != "" {
			resp.MembersAdded = append(resp.MembersAdded, genuin.Member{MemberID: m.UserID})
		} else {
			resp.MembersAdded = append(resp.MembersAdded, genuin.Member{MemberID: "avatar-" + m.PhoneNumber, Phone: m.PhoneNumber})
		}
	}
	return resp, nil
}

type nopHooks struct{}

func (nopHooks) ChangeStarted(*Change)           {}
func (nopHooks) ChangeFinished(*Change, Outcome) {}

func newLockfile(t *testing.T) *lockfile.File {
	t.Helper()
	lf, err := lockfile.Open(filepath.Join(t.TempDir(), "genuin.lock"), 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lf.Close() })
	lf.Init("sandbox")
	return lf
}

func TestApplyRecordsEverythingAndConverges(t *testing.T) {
	lf := newLockfile(t)
	api := &fakeAPI{}
	p := Diff(testDesired(), lf.State(), Options{NewChatID: sequentialIDs()})
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "community/create c1|group/create chat-1 in cid-c1|update chat-1"
	if got := strings.Join(api.calls, "|"); got != want {
		t.Errorf("calls = %s\nwant    %s", got, want)
	}
	if err := lf.Close(); err != nil {
		t.Fatal(err)
	}
	reloaded, err := lockfile.Load(lf.Path())
	if err != nil {
		t.Fatal(err)
	}
	g := reloaded.State().Groups["group/c1/g1"]
	if g.Status != lockfile.StatusCreated || g.GroupID != "gid-chat-1" || g.Members["phone:919876543210"] != "avatar-919876543210" || g.Members["user:u1"] != "u1" {
		t.Errorf("recorded group = %+v", g)
	}
	if again := Diff(testDesired(), reloaded.State(), Options{}); again.HasChanges() {
		t.Errorf("second plan not empty: %s", summaryOf(again))
	}
}

func TestApplyFailureStopsOnlyItsAddressAndDependents(t *testing.T) {
	d := testDesired()
	d.Communities["c2"] = &spec2Community
	lf := newLockfile(t)
	api := &fakeAPI{fail: func(op string) error {
		if strings.HasPrefix(op, "community/create c1") {
			return &genuin.APIError{Op: "community/create", Status: 500, Code: genuin.CodeHandleExists, Kind: genuin.KindConflict}
		}
		return nil
	}}
	p := Diff(d, lf.State(), Options{NewChatID: sequentialIDs()})
	err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{})
	// One failure per address: the community's, counting the group it held
	// back; the group is not reported (or attempted) on its own.
	failures := Failures(err)
	// The API error names its operation: no "create community:" before it.
	msg := err.Error()
	if len(failures) != 1 || failures[0].Address != "community/c1" || failures[0].HeldBack != 1 ||
		!strings.HasPrefix(msg, "community/c1: community/create: HTTP 500") || !strings.HasSuffix(msg, "; 1 group held back") || strings.Contains(msg, "\n") {
		t.Fatalf("err = %v", err)
	}
	st := lf.State()
	if _, ok := st.Communities["community/c1"]; ok {
		t.Error("a create the API rejected must leave no record")
	}
	if st.Communities["community/c2"].Status != lockfile.StatusCreated {
		t.Error("an independent community must still be created")
	}
}

func TestApplyUnknownOutcomeLeavesPendingIntent(t *testing.T) {
	lf := newLockfile(t)
	api := &fakeAPI{fail: func(op string) error {
		if strings.HasPrefix(op, "group/create") {
			return &genuin.APIError{Op: "group/create", Kind: genuin.KindTransient, Message: "connection reset", OutcomeUnknown: true}
		}
		return nil
	}}
	p := Diff(testDesired(), lf.State(), Options{NewChatID: sequentialIDs()})
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err == nil {
		t.Fatal("want an error")
	}
	g := lf.State().Groups["group/c1/g1"]
	if g == nil || g.Status != lockfile.StatusPending || g.ChatID != "chat-1" || !slices.Equal(g.CreateMembers, []string{"user:u1"}) {
		t.Fatalf("want a pending record with the generated chat_id and the members the create sent, got %+v", g)
	}
	// The next plan re-sends the same create; the phone member, which
	// follows a create, is an update.
	api.fail = nil
	p = Diff(testDesired(), lf.State(), Options{NewChatID: sequentialIDs()})
	if got := summaryOf(p); got != "group/c1/g1:pending group/c1/g1:update" || p.Changes[0].ChatID != "chat-1" {
		t.Fatalf("plan = %s", got)
	}
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if lf.State().Groups["group/c1/g1"].Status != lockfile.StatusCreated {
		t.Error("re-sent create not recorded")
	}
}

func TestApplyInterruptedStartsNothing(t *testing.T) {
	lf := newLockfile(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	api := &fakeAPI{}
	p := Diff(testDesired(), lf.State(), Options{})
	err := Apply(ctx, p, lf, api, nopHooks{}, ApplyOptions{})
	if !errors.Is(err, ErrInterrupted) || len(api.calls) != 0 {
		t.Fatalf("err = %v, calls = %v", err, api.calls)
	}
}

var spec2Community = spec.Community{Handle: "c2", Name: "Two"}

// TestPendingCreateConfirmedByProbe covers a server that answers a re-sent
// chat_id with an error: apply confirms the chat exists with a harmless
// update_conversation and records the create, instead of failing forever.
func TestPendingCreateConfirmedByProbe(t *testing.T) {
	for _, exists := range []bool{true, false} {
		t.Run(fmt.Sprintf("exists=%v", exists), func(t *testing.T) {
			lf := newLockfile(t)
			api := &fakeAPI{fail: func(op string) error {
				if strings.HasPrefix(op, "group/create") {
					return &genuin.APIError{Op: "group/create", Status: 400, Code: genuin.CodeBadRequest, Kind: genuin.KindInvalid}
				}
				if strings.HasPrefix(op, "update") && !exists {
					return &genuin.APIError{Op: "update_conversation", Status: 500, Code: genuin.CodeUpdateFailed, Kind: genuin.KindServer}
				}
				return nil
			}}
			must(t, lf.Record(lockfile.Entry{Op: lockfile.OpPut, Address: "community/c1",
				Community: &lockfile.Community{Handle: "c1", Status: lockfile.StatusCreated, CommunityID: "cid-c1",
					Fields: communityFields.values(testDesired().Communities["c1"])}}))
			must(t, lf.Record(lockfile.Entry{Op: lockfile.OpPut, Address: "group/c1/g1",
				Group: &lockfile.Group{Community: "community/c1", Status: lockfile.StatusPending, ChatID: "chat-7",
					Fields: groupFields.values(testDesired().Groups["group/c1/g1"]), CreateMembers: []string{"user:u1"}}}))
			p := Diff(testDesired(), lf.State(), Options{})
			err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{})
			g := lf.State().Groups["group/c1/g1"]
			if exists {
				if err != nil || g.Status != lockfile.StatusCreated || g.Members["user:u1"] != "u1" {
					t.Fatalf("err %v, record %+v", err, g)
				}
				return
			}
			if err == nil || g.Status != lockfile.StatusPending || g.ChatID != "chat-7" {
				t.Fatalf("a pending create that cannot be confirmed must stay pending: err %v, record %+v", err, g)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPendingCommunityHandleExistsPointsAtImport: without a read API a
// re-sent community create answered "handle exists" cannot learn its id.
func TestPendingCommunityHandleExistsPointsAtImport(t *testing.T) {
	lf := newLockfile(t)
	must(t, lf.Record(lockfile.Entry{Op: lockfile.OpPut, Address: "community/c1",
		Community: &lockfile.Community{Handle: "c1", Status: lockfile.StatusPending}}))
	api := &fakeAPI{fail: func(op string) error {
		return &genuin.APIError{Op: "community/create", Status: 500, Code: genuin.CodeHandleExists, Kind: genuin.KindConflict}
	}}
	p := Diff(testDesired(), lf.State(), Options{})
	err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), `genuinctl import community/c1 COMMUNITY_ID`) {
		t.Fatalf("want a pointer at import, got %v", err)
	}
	if lf.State().Communities["community/c1"].Status != lockfile.StatusPending {
		t.Error("the pending record must stay until imported")
	}
}

// recordingAPI is a fakeAPI that keeps the bodies of the requests sent.
type recordingAPI struct {
	fakeAPI
	creates []*genuin.CreateGroupRequest
	updates []*genuin.UpdateConversationRequest
}

func (r *recordingAPI) CreateGroup(ctx context.Context, req *genuin.CreateGroupRequest) (*genuin.CreateGroupResponse, error) {
	r.creates = append(r.creates, req)
	return r.fakeAPI.CreateGroup(ctx, req)
}

func (r *recordingAPI) UpdateConversation(ctx context.Context, chatID string, req *genuin.UpdateConversationRequest) (*genuin.UpdateConversationResponse, error) {
	r.updates = append(r.updates, req)
	return r.fakeAPI.UpdateConversation(ctx, chatID, req)
}

// TestPendingCreateResentAsJournalled: a create interrupted in flight is
// re-sent exactly as its intent, even after the spec changed; the edits
// follow as an update, so what is recorded is what the API was sent.
func TestPendingCreateResentAsJournalled(t *testing.T) {
	lf := newLockfile(t)
	before := testDesired()
	before.Groups["group/c1/g1"].Members = []spec.Member{{UserID: "u1"}}
	api := &recordingAPI{}
	api.fail = func(op string) error {
		if strings.HasPrefix(op, "group/create") {
			return &genuin.APIError{Op: "group/create", Kind: genuin.KindTransient, OutcomeUnknown: true}
		}
		return nil
	}
	p := Diff(before, lf.State(), Options{NewChatID: sequentialIDs()})
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err == nil {
		t.Fatal("want the lost create to fail")
	}

	after := testDesired()
	g := after.Groups["group/c1/g1"]
	g.Description, g.Members = "edited", []spec.Member{{UserID: "u2"}}
	api.fail, api.creates = nil, nil
	p = Diff(after, lf.State(), Options{})
	if got := summaryOf(p); got != "group/c1/g1:pending group/c1/g1:update" {
		t.Fatalf("plan = %s", got)
	}
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	resent := api.creates[0]
	if resent.ChatID != "chat-1" || resent.Group.Description != "first" || len(resent.Group.Members) != 1 || resent.Group.Members[0].UserID != "u1" {
		t.Fatalf("the re-send must repeat the journalled create, got %+v", resent)
	}
	update := api.updates[len(api.updates)-1]
	if update.Description == nil || *update.Description != "edited" || len(update.MembersAdded) != 1 || update.MembersAdded[0].UserID != "u2" ||
		!slices.Equal(update.MembersRemoved, []string{"u1"}) {
		t.Fatalf("the edits must follow as an update, got %+v", update)
	}
	rec := lf.State().Groups["group/c1/g1"]
	if string(rec.Fields["description"]) != `"edited"` || len(rec.Members) != 1 || rec.Members["user:u2"] != "u2" || rec.CreateMembers != nil {
		t.Fatalf("recorded %+v", rec)
	}
	if again := Diff(after, lf.State(), Options{}); again.HasChanges() {
		t.Errorf("second plan not empty: %s", summaryOf(again))
	}
}

// TestPendingCreateFailureSkipsItsUpdate: the update that follows a
// pending create waits for the create's confirmation.
func TestPendingCreateFailureSkipsItsUpdate(t *testing.T) {
	lf := newLockfile(t)
	api := &fakeAPI{fail: func(op string) error {
		if strings.HasPrefix(op, "group/create") {
			return &genuin.APIError{Op: "group/create", Kind: genuin.KindTransient, OutcomeUnknown: true}
		}
		return nil
	}}
	p := Diff(testDesired(), lf.State(), Options{NewChatID: sequentialIDs()})
	_ = Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{})
	api.calls = nil
	p = Diff(testDesired(), lf.State(), Options{})
	err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{})
	if err == nil || strings.Count(err.Error(), "group/c1/g1") != 1 || slices.ContainsFunc(api.calls, func(c string) bool { return strings.HasPrefix(c, "update") }) {
		t.Fatalf("want one error and no update after the failed create: err %v, calls %v", err, api.calls)
	}
}

// TestCreateAnsweredWithAnotherChatID: a create answered for another
// chat_id than the one sent is refused and recorded as nothing but pending.
func TestCreateAnsweredWithAnotherChatID(t *testing.T) {
	lf := newLockfile(t)
	api := &otherChatAPI{}
	p := Diff(testDesired(), lf.State(), Options{NewChatID: sequentialIDs()})
	err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "answered with chat_id someone-else for the chat_id chat-1 sent") {
		t.Fatalf("err = %v", err)
	}
	if g := lf.State().Groups["group/c1/g1"]; g.Status != lockfile.StatusPending || g.GroupID != "" {
		t.Fatalf("recorded %+v", g)
	}
}

type otherChatAPI struct{ fakeAPI }

func (o *otherChatAPI) CreateGroup(ctx context.Context, req *genuin.CreateGroupRequest) (*genuin.CreateGroupResponse, error) {
	resp, err := o.fakeAPI.CreateGroup(ctx, req)
	if resp != nil {
		resp.ChatID = "someone-else"
	}
	return resp, err
}

// TestCreateRefusedAfterLostAnswerIsProbedAtOnce: in the API's
// duplicate-error behaviour, a retry of a create whose first answer was
// lost is refused; apply asks whether the chat exists and records it in
// the same run.
func TestCreateRefusedAfterLostAnswerIsProbedAtOnce(t *testing.T) {
	lf := newLockfile(t)
	api := &fakeAPI{fail: func(op string) error {
		if strings.HasPrefix(op, "group/create") {
			return &genuin.APIError{Op: "group/create", Status: 400, Code: genuin.CodeBadRequest, Kind: genuin.KindInvalid, OutcomeUnknown: true}
		}
		return nil
	}}
	p := Diff(testDesired(), lf.State(), Options{NewChatID: sequentialIDs()})
	if err := Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if g := lf.State().Groups["group/c1/g1"]; g.Status != lockfile.StatusCreated || g.Members["user:u1"] != "u1" {
		t.Fatalf("recorded %+v", g)
	}
}

// TestUpdateWithUnknownOutcome: an update whose answer was lost may have
// been applied. Its fields are recorded as unknown and its users as
// uncertain, so that whatever the spec says next is sent: reverting the
// spec sends the old values back, and a member dropped from the spec is
// removed rather than left behind unowned.
func TestUpdateWithUnknownOutcome(t *testing.T) {
	lf := newLockfile(t)
	api := &recordingAPI{}
	p := Diff(testDesired(), lf.State(), Options{NewChatID: sequentialIDs()})
	must(t, Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}))

	edited := testDesired()
	g := edited.Groups["group/c1/g1"]
	g.Description = "TEMP"
	g.Members = append(g.Members, spec.Member{UserID: "u2"})
	api.fail = func(op string) error {
		return &genuin.APIError{Op: "update_conversation", Kind: genuin.KindTransient, OutcomeUnknown: true}
	}
	if err := Apply(context.Background(), Diff(edited, lf.State(), Options{}), lf, api, nopHooks{}, ApplyOptions{}); err == nil {
		t.Fatal("want the lost update to fail")
	}

	// The spec goes back to what it was: the old description is sent again
	// and the user the lost update added is removed.
	api.fail, api.updates = nil, nil
	p = Diff(testDesired(), lf.State(), Options{})
	if got := summaryOf(p); got != "group/c1/g1:update" {
		t.Fatalf("plan = %s", got)
	}
	must(t, Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{}))
	sent := api.updates[0]
	if sent.Description == nil || *sent.Description != "first" || !slices.Equal(sent.MembersRemoved, []string{"u2"}) {
		t.Fatalf("sent %+v", sent)
	}
	if again := Diff(testDesired(), lf.State(), Options{}); again.HasChanges() {
		t.Errorf("second plan not empty: %s", summaryOf(again))
	}
}
