package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/spec"
)

// campaignDesired has communities a and b of the spec, each with n groups
// (one user member, sent in the create), and n groups in an existing
// community the spec does not manage.
func campaignDesired(n int) *spec.Desired {
	d := &spec.Desired{Communities: map[string]*spec.Community{}, Groups: map[string]*spec.Group{}}
	for _, h := range []string{"a", "b"} {
		d.Communities[h] = &spec.Community{Handle: h, Name: "Community " + h}
		for i := range n {
			g := &spec.Group{Key: fmt.Sprintf("g%03d", i), Community: h, Name: fmt.Sprintf("Group %s%d", h, i), Type: 4,
				Members: []spec.Member{{UserID: "u1"}}}
			d.Groups[g.Address()] = g
		}
	}
	for i := range n {
		g := &spec.Group{Key: fmt.Sprintf("x%03d", i), CommunityID: "existing", Name: fmt.Sprintf("Existing %d", i), Type: 4,
			Members: []spec.Member{{UserID: "u1"}}}
		d.Groups[g.Address()] = g
	}
	return d
}

// TestScheduleOneWorkerKeepsPlanOrder: with one worker, tasks come in plan
// order, one per address, the blocked changes making none.
func TestScheduleOneWorkerKeepsPlanOrder(t *testing.T) {
	p := Diff(campaignDesired(3), nil, Options{NewChatID: sequentialIDs()})
	p.Changes = append(p.Changes, &Change{Address: "group/a/g000", Kind: KindGroup, Action: ActionBlocked})
	s := newSchedule(p)
	var got []string
	for tk := s.take(); tk != nil; tk = s.take() {
		got = append(got, tk.address)
		s.finish(tk, true)
	}
	var want []string
	for _, c := range p.Changes {
		if c.Action != ActionBlocked {
			want = append(want, c.Address)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("order:\n got %v\nwant %v", got, want)
	}
}

// TestScheduleDependencies is a table of what a worker may take while a
// community's create is in flight, and after it ends.
func TestScheduleDependencies(t *testing.T) {
	tests := []struct {
		name          string
		communityOK   bool
		wantAfter     []string // taken after the community task finished
		wantHeldBackA int
	}{
		{"community created: its groups run", true, []string{"group/a/g000", "group/a/g001"}, 0},
		{"community failed: its groups are held back, never taken", false, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := campaignDesired(2)
			delete(d.Communities, "b")
			for addr, g := range d.Groups {
				if g.Community == "b" {
					delete(d.Groups, addr)
				}
			}
			s := newSchedule(Diff(d, nil, Options{NewChatID: sequentialIDs()}))
			community := s.take()
			if community.address != "community/a" {
				t.Fatalf("first task %s, want community/a", community.address)
			}
			// While the community is in flight, only the independent
			// groups are handed out.
			var during []string
			for range 2 {
				tk := s.take()
				during = append(during, tk.address)
				s.finish(tk, true)
			}
			if !slices.Equal(during, []string{"group/existing/x000", "group/existing/x001"}) {
				t.Fatalf("taken while the community is in flight: %v", during)
			}
			s.finish(community, tt.communityOK)
			var after []string
			for tk := s.take(); tk != nil; tk = s.take() {
				after = append(after, tk.address)
				s.finish(tk, true)
			}
			if !slices.Equal(after, tt.wantAfter) {
				t.Errorf("taken after the community: %v, want %v", after, tt.wantAfter)
			}
			if s.heldBack["community/a"] != tt.wantHeldBackA {
				t.Errorf("held back %d, want %d", s.heldBack["community/a"], tt.wantHeldBackA)
			}
		})
	}
}

// gatedAPI is a fakeAPI whose community creates wait for a gate and which
// tracks how many requests run at once.
type gatedAPI struct {
	fakeAPI
	gate      chan struct{}
	inFlight  atomic.Int32
	most      atomic.Int32
	mu        sync.Mutex
	community map[string]time.Time // when each community create returned
	groupSent map[string]time.Time // when each group create was sent, by community id
}

func (g *gatedAPI) track() func() {
	n := g.inFlight.Add(1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(time.Millisecond)
	return func() { g.inFlight.Add(-1) }
}

func (g *gatedAPI) CreateCommunity(ctx context.Context, req *genuin.CreateCommunityRequest) (*genuin.CreateCommunityResponse, error) {
	defer g.track()()
	<-g.gate
	resp, err := g.fakeAPI.CreateCommunity(ctx, req)
	g.mu.Lock()
	g.community["cid-"+req.Handle] = time.Now()
	g.mu.Unlock()
	return resp, err
}

func (g *gatedAPI) CreateGroup(ctx context.Context, req *genuin.CreateGroupRequest) (*genuin.CreateGroupResponse, error) {
	defer g.track()()
	g.mu.Lock()
	if _, ok := g.groupSent[req.CommunityID]; !ok {
		g.groupSent[req.CommunityID] = time.Now()
	}
	g.mu.Unlock()
	return g.fakeAPI.CreateGroup(ctx, req)
}

func (g *gatedAPI) UpdateConversation(ctx context.Context, chatID string, req *genuin.UpdateConversationRequest) (*genuin.UpdateConversationResponse, error) {
	defer g.track()()
	return g.fakeAPI.UpdateConversation(ctx, chatID, req)
}

// TestApplyParallelRespectsDependencies: with 8 workers, groups of an
// existing community run while the communities' creates are held; every
// group of a spec community is sent after its community's create returned;
// at most 8 requests run at once, and 8 do.
func TestApplyParallelRespectsDependencies(t *testing.T) {
	lf := newLockfile(t)
	api := &gatedAPI{gate: make(chan struct{}), community: map[string]time.Time{}, groupSent: map[string]time.Time{}}
	p := Diff(campaignDesired(40), lf.State(), Options{})
	done := make(chan error)
	go func() { done <- Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{Parallelism: 8}) }()
	// The 40 groups of the existing community finish while both
	// communities wait.
	for deadline := time.Now().Add(10 * time.Second); ; {
		api.fakeAPI.mu.Lock()
		n := 0
		for _, c := range api.calls {
			if strings.HasSuffix(c, " in existing") {
				n++
			}
		}
		api.fakeAPI.mu.Unlock()
		if n == 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("independent groups did not run while the communities were in flight (%d of 40)", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(api.gate)
	must(t, <-done)
	for _, cid := range []string{"cid-a", "cid-b"} {
		if !api.groupSent[cid].After(api.community[cid]) {
			t.Errorf("a group of %s was sent before its community's create returned", cid)
		}
	}
	if got := api.most.Load(); got != 8 {
		t.Errorf("at most %d requests at once, want 8", got)
	}
	if got := len(api.calls); got != 2+3*40 {
		t.Errorf("%d requests, want %d", got, 2+3*40)
	}
}

// TestApplyParallelFailedCommunityReportedOnce: a community whose create
// fails is one error naming the groups it held back; none of them is
// attempted, and the other community's groups all succeed.
func TestApplyParallelFailedCommunityReportedOnce(t *testing.T) {
	lf := newLockfile(t)
	api := &fakeAPI{fail: func(op string) error {
		if op == "community/create a" {
			return &genuin.APIError{Op: "community/create", Status: 400, Code: "400", Kind: genuin.KindInvalid}
		}
		return nil
	}}
	err := Apply(context.Background(), Diff(campaignDesired(30), lf.State(), Options{}), lf, api, nopHooks{}, ApplyOptions{Parallelism: 16})
	failures := Failures(err)
	if len(failures) != 1 || failures[0].Address != "community/a" || failures[0].HeldBack != 30 {
		t.Fatalf("want one failure, community/a holding back 30 groups; got %v", err)
	}
	for _, c := range api.calls {
		if strings.Contains(c, " in cid-a") {
			t.Fatalf("a group of the failed community was attempted: %s", c)
		}
	}
	if got := len(api.calls); got != 2+2*30 {
		t.Errorf("%d requests, want %d", got, 2+2*30)
	}
}

// TestApplyOneAddressInOrder: a pending create and the update the spec
// asks beyond it run in order, on one worker, however many there are.
func TestApplyOneAddressInOrder(t *testing.T) {
	for _, parallelism := range []int{1, 32} {
		lf := newLockfile(t)
		d := testDesired()
		api := &fakeAPI{fail: func(op string) error {
			if strings.HasPrefix(op, "group/create") {
				return &genuin.APIError{Status: 504, Kind: genuin.KindTransient, OutcomeUnknown: true}
			}
			return nil
		}}
		_ = Apply(context.Background(), Diff(d, lf.State(), Options{NewChatID: sequentialIDs()}), lf, api, nopHooks{}, ApplyOptions{Parallelism: parallelism})
		// The group's create is pending; the spec now renames the group.
		d.Groups["group/c1/g1"].Name = "Renamed"
		api = &fakeAPI{}
		p := Diff(d, lf.State(), Options{})
		must(t, Apply(context.Background(), p, lf, api, nopHooks{}, ApplyOptions{Parallelism: parallelism}))
		var order []string
		for _, c := range api.calls {
			order = append(order, strings.Fields(c)[0])
		}
		want := []string{"group/create", "update"} // then its phone member and the rename
		if !slices.Equal(order, want) {
			t.Errorf("parallelism %d: requests %v, want %v", parallelism, order, want)
		}
	}
}

// TestApplyStopsWhenTheBreakerOpens: once the client's circuit breaker
// refuses requests, every worker stops: the refused changes are stopped,
// not failed, no new change starts, and the error says why.
func TestApplyStopsWhenTheBreakerOpens(t *testing.T) {
	lf := newLockfile(t)
	var groupCalls atomic.Int32
	open := &genuin.CircuitOpenError{Failed: 21, Of: 21, MaxRate: 0.2}
	api := &fakeAPI{fail: func(op string) error {
		if !strings.HasPrefix(op, "group/create") {
			return nil
		}
		if groupCalls.Add(1) <= 21 {
			return &genuin.APIError{Op: "group/create", Status: 503, Kind: genuin.KindTransient}
		}
		return fmt.Errorf("group/create: %w", open) // refused, as the client does
	}}
	err := Apply(context.Background(), Diff(campaignDesired(150), lf.State(), Options{}), lf, api, nopHooks{},
		ApplyOptions{Parallelism: 8})
	if !errors.Is(err, ErrBreakerOpen) || !strings.Contains(err.Error(), "21 of the last 21 requests failed") {
		t.Fatalf("want ErrBreakerOpen with the breaker's figures, got %v", err)
	}
	if got := groupCalls.Load(); got > 21+8 {
		t.Errorf("%d group creates tried, want the 21 failures and at most the 8 refused in flight", got)
	}
	if got := len(Failures(err)); got != 21 {
		t.Errorf("%d failed addresses, want the 21 the API refused (refused by the breaker, a change only stops)", got)
	}
}

// TestScheduleCommunitiesOneAtATime: a community create waits for the one
// in flight (a lost answer to one needs an import by hand: at most one is
// exposed), while groups that wait for nothing go ahead.
func TestScheduleCommunitiesOneAtATime(t *testing.T) {
	s := newSchedule(Diff(campaignDesired(1), nil, Options{NewChatID: sequentialIDs()}))
	a := s.take()
	if a.address != "community/a" {
		t.Fatalf("first task %s", a.address)
	}
	if next := s.take(); next.address != "group/existing/x000" {
		t.Fatalf("while community/a is in flight, took %s; want the group that waits for nothing", next.address)
	} else {
		s.finish(next, true)
	}
	s.finish(a, true)
	var got []string
	for tk := s.take(); tk != nil; tk = s.take() {
		got = append(got, tk.address)
		s.finish(tk, true)
	}
	want := []string{"community/b", "group/a/g000", "group/b/g000"}
	if !slices.Equal(got, want) {
		t.Fatalf("then %v, want %v", got, want)
	}
}
