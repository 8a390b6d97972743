package reconcile

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// sequentialIDs returns a chat id generator giving chat-1, chat-2, ...
func sequentialIDs() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("chat-%d", n) }
}

func testDesired() *spec.Desired {
	yes := true
	return &spec.Desired{
		Communities: map[string]*spec.Community{
			"c1": {Handle: "c1", Name: "Community One", Tags: []string{"a", "b"}, Pos: spec.Pos{File: "c.yaml", Line: 3, Col: 5}},
		},
		Groups: map[string]*spec.Group{
			"group/c1/g1": {
				Key: "g1", Community: "c1", Name: "Group One", Description: "first", Tags: []string{"t"},
				Topics: []int{1}, Discoverable: &yes, Type: 4,
				Members: []spec.Member{{UserID: "u1"}, {Phone: "919876543210"}},
				Pos:     spec.Pos{File: "g.yaml", Line: 4, Col: 5},
			},
		},
	}
}

// appliedState is the state a successful apply of testDesired leaves.
func appliedState(t testing.TB) *lockfile.State {
	t.Helper()
	d := testDesired()
	st := lockfile.New("sandbox")
	st.Communities["community/c1"] = &lockfile.Community{
		Handle: "c1", Status: lockfile.StatusCreated, CommunityID: "cid-1",
		Fields: communityFields.values(d.Communities["c1"]),
	}
	st.Groups["group/c1/g1"] = &lockfile.Group{
		Community: "community/c1", CommunityID: "cid-1", Status: lockfile.StatusCreated, ChatID: "chat-9",
		Fields:  groupFields.values(d.Groups["group/c1/g1"]),
		Members: map[string]string{"user:u1": "u1", "phone:919876543210": "m-phone"},
	}
	return st
}

func TestDiffFromNothingCreatesEverything(t *testing.T) {
	p := Diff(testDesired(), nil, Options{NewChatID: sequentialIDs()})
	if got := summaryOf(p); got != "community/c1:create group/c1/g1:create" {
		t.Fatalf("changes = %s", got)
	}
	g := p.Changes[1]
	if g.ChatID != "chat-1" || g.Community != "community/c1" || g.Source != "g.yaml:4:5" {
		t.Errorf("group change = %+v", g)
	}
	wantMembers := []Member{{Identity: "user:u1", UserID: "u1"}, {Identity: "phone:919876543210", Phone: "919876543210"}}
	if !reflect.DeepEqual(g.MembersAdded, wantMembers) {
		t.Errorf("members = %+v", g.MembersAdded)
	}
	// The create carries u1; the phone follows in one update_conversation.
	if g.Calls != 2 || p.Summary.Calls != 3 || p.Summary.Create != 2 {
		t.Errorf("calls = %d, summary = %+v", g.Calls, p.Summary)
	}
}

func TestDiffAfterApplyIsEmpty(t *testing.T) {
	p := Diff(testDesired(), appliedState(t), Options{})
	if p.HasChanges() || len(p.Changes) != 0 {
		t.Fatalf("want no changes, got %s", summaryOf(p))
	}
}

func TestDiffGroupUpdates(t *testing.T) {
	tests := []struct {
		name        string
		edit        func(g *spec.Group)
		wantFields  []string
		wantAdded   []string
		wantRemoved []string
		wantCalls   int
	}{
		{"rename", func(g *spec.Group) { g.Name = "Renamed" }, []string{"name"}, nil, nil, 1},
		{"clear description", func(g *spec.Group) { g.Description = "" }, []string{"description"}, nil, nil, 1},
		{"tags and topics", func(g *spec.Group) { g.Tags = []string{"x", "y"}; g.Topics = []int{2, 3} }, []string{"tags", "topics"}, nil, nil, 1},
		{"discoverable", func(g *spec.Group) { no := false; g.Discoverable = &no }, []string{"settings.discoverable"}, nil, nil, 1},
		{"discoverable left out is unmanaged", func(g *spec.Group) { g.Discoverable = nil }, nil, nil, nil, 0},
		{"add a member", func(g *spec.Group) { g.Members = append(g.Members, spec.Member{UserID: "u2"}) }, nil, []string{"user:u2"}, nil, 1},
		{"remove a member", func(g *spec.Group) { g.Members = g.Members[1:] }, nil, nil, []string{"user:u1=u1"}, 1},
		{"remove a phone member by its member id", func(g *spec.Group) { g.Members = g.Members[:1] }, nil, nil, []string{"phone:919876543210=m-phone"}, 1},
		{"swap members and rename in one request", func(g *spec.Group) {
			g.Name = "New"
			g.Members = []spec.Member{{UserID: "u3"}, {Phone: "919876543210"}}
		}, []string{"name"}, []string{"user:u3"}, []string{"user:u1=u1"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDesired()
			tt.edit(d.Groups["group/c1/g1"])
			p := Diff(d, appliedState(t), Options{})
			if tt.wantCalls == 0 {
				if len(p.Changes) != 0 {
					t.Fatalf("want no change, got %s", summaryOf(p))
				}
				return
			}
			if len(p.Changes) != 1 || p.Changes[0].Action != ActionUpdate {
				t.Fatalf("want one update, got %s", summaryOf(p))
			}
			c := p.Changes[0]
			if got := fieldNames(c.Fields); !reflect.DeepEqual(got, tt.wantFields) {
				t.Errorf("fields = %v, want %v", got, tt.wantFields)
			}
			if got := identities(c.MembersAdded); !reflect.DeepEqual(got, tt.wantAdded) {
				t.Errorf("added = %v, want %v", got, tt.wantAdded)
			}
			if got := identities(c.MembersRemoved); !reflect.DeepEqual(got, tt.wantRemoved) {
				t.Errorf("removed = %v, want %v", got, tt.wantRemoved)
			}
			if c.ChatID != "chat-9" || c.Calls != tt.wantCalls {
				t.Errorf("chat_id %s calls %d", c.ChatID, c.Calls)
			}
		})
	}
}

func TestDiffBlockedChanges(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(d *spec.Desired, st *lockfile.State)
		want       string
		wantFields []string
	}{
		{"community field", func(d *spec.Desired, _ *lockfile.State) { d.Communities["c1"].Name = "Other" },
			"community/c1:blocked", []string{"name"}},
		{"group type", func(d *spec.Desired, _ *lockfile.State) { d.Groups["group/c1/g1"].Type = 3 },
			"group/c1/g1:blocked", []string{"type"}},
		{"group template", func(d *spec.Desired, _ *lockfile.State) { two := 2; d.Groups["group/c1/g1"].TemplateID = &two },
			"group/c1/g1:blocked", []string{"template_id"}},
		{"group removed from spec", func(d *spec.Desired, _ *lockfile.State) { delete(d.Groups, "group/c1/g1") },
			"group/c1/g1:blocked", nil},
		{"community removed from spec", func(d *spec.Desired, _ *lockfile.State) {
			delete(d.Communities, "c1")
			d.Groups = map[string]*spec.Group{}
		}, "community/c1:blocked group/c1/g1:blocked", nil},
		{"member without a known id", func(d *spec.Desired, st *lockfile.State) {
			st.Groups["group/c1/g1"].Members["phone:919876543210"] = ""
			d.Groups["group/c1/g1"].Members = d.Groups["group/c1/g1"].Members[:1]
		}, "group/c1/g1:blocked", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, st := testDesired(), appliedState(t)
			tt.edit(d, st)
			p := Diff(d, st, Options{})
			if got := summaryOf(p); got != tt.want {
				t.Fatalf("changes = %s, want %s", got, tt.want)
			}
			if p.HasChanges() {
				t.Errorf("blocked changes must not count as changes: %+v", p.Summary)
			}
			c := p.Changes[0]
			if c.Reason == "" || c.Hint == "" {
				t.Errorf("blocked change without reason or hint: %+v", c)
			}
			if got := fieldNames(c.Fields); tt.wantFields != nil && !reflect.DeepEqual(got, tt.wantFields) {
				t.Errorf("fields = %v, want %v", got, tt.wantFields)
			}
		})
	}
}

func TestDiffGroupUpdateAndBlockedTogether(t *testing.T) {
	d, st := testDesired(), appliedState(t)
	g := d.Groups["group/c1/g1"]
	g.Name, g.Type = "New", 3
	p := Diff(d, st, Options{})
	if got := summaryOf(p); got != "group/c1/g1:update group/c1/g1:blocked" {
		t.Fatalf("changes = %s", got)
	}
}

func TestDiffPendingCreateKeepsChatID(t *testing.T) {
	st := appliedState(t)
	st.Groups["group/c1/g1"].Status = lockfile.StatusPending
	st.Communities["community/c1"].Status = lockfile.StatusCreated
	p := Diff(testDesired(), st, Options{NewChatID: sequentialIDs()})
	if got := summaryOf(p); got != "group/c1/g1:pending" {
		t.Fatalf("changes = %s", got)
	}
	if p.Changes[0].ChatID != "chat-9" {
		t.Errorf("a pending create must re-send its recorded chat_id, got %s", p.Changes[0].ChatID)
	}
}

func TestDiffChunksMemberDeltas(t *testing.T) {
	d, st := testDesired(), appliedState(t)
	g := d.Groups["group/c1/g1"]
	for i := range 250 {
		g.Members = append(g.Members, spec.Member{UserID: fmt.Sprintf("x%03d", i)})
	}
	p := Diff(d, st, Options{ChunkSize: 100})
	if p.Changes[0].Calls != 3 {
		t.Errorf("250 additions in chunks of 100 take 3 calls, got %d", p.Changes[0].Calls)
	}
	delete(st.Groups, "group/c1/g1")
	p = Diff(d, st, Options{ChunkSize: 100})
	// 100 users in the create; 151 users and 1 phone in two updates.
	if p.Changes[0].Calls != 3 {
		t.Errorf("create with 252 members takes 3 calls, got %d", p.Changes[0].Calls)
	}
}

func summaryOf(p *Plan) string {
	s := ""
	for i, c := range p.Changes {
		if i > 0 {
			s += " "
		}
		s += c.Address + ":" + string(c.Action)
	}
	return s
}

func fieldNames(fs []FieldChange) []string {
	var names []string
	for _, f := range fs {
		names = append(names, f.Name)
	}
	return names
}

func identities(ms []Member) []string {
	var out []string
	for _, m := range ms {
		s := m.Identity
		if m.MemberID != "" {
			s += "=" + m.MemberID
		}
		out = append(out, s)
	}
	return out
}

// TestDerivedChatIDsOfSharedCommunities: a group in a community of the
// spec derives its chat_id from its address alone (the handle is the
// spec's); a group in an existing community also from its name, so that
// two specs that each put a "general" group in one shared community do
// not name (and confirm, and rename) each other's group.
func TestDerivedChatIDsOfSharedCommunities(t *testing.T) {
	plan := func(name string) map[string]string {
		d := &spec.Desired{
			Communities: map[string]*spec.Community{"c1": {Handle: "c1", Name: "C"}},
			Groups: map[string]*spec.Group{
				"group/c1/general":     {Key: "general", Community: "c1", Name: name, Type: 4},
				"group/shared/general": {Key: "general", CommunityID: "shared", Name: name, Type: 4},
			},
		}
		ids := map[string]string{}
		for _, c := range Diff(d, nil, Options{Namespace: "lineage-1"}).Changes {
			if c.Kind == KindGroup {
				ids[c.Address] = c.ChatID
			}
		}
		return ids
	}
	team, other, again := plan("Team X general"), plan("Team Y general"), plan("Team X general")
	if team["group/c1/general"] != other["group/c1/general"] {
		t.Error("a group of a spec's own community must derive from its address alone")
	}
	if team["group/shared/general"] == other["group/shared/general"] {
		t.Error("two groups named differently at one address of a shared community got one chat_id")
	}
	if team["group/shared/general"] != again["group/shared/general"] {
		t.Error("two plans of one spec must derive the same chat_id")
	}
}

// TestDiffGroupsInAddressOrder diffs enough groups for several workers,
// of every kind of change, and checks that the changes come as diffing
// them one by one in address order gives them.
func TestDiffGroupsInAddressOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	d := &spec.Desired{Communities: map[string]*spec.Community{}, Groups: map[string]*spec.Group{}}
	st := lockfile.New("sandbox")
	for i := range 4*groupsPerWorker + 7 {
		g := &spec.Group{Key: fmt.Sprintf("g%d", i), Community: "c1", Name: "Group", Type: 4,
			Members: []spec.Member{{UserID: fmt.Sprintf("u%d", i)}}, Pos: spec.Pos{File: "g.yaml", Line: i + 1}}
		d.Groups[g.Address()] = g
		if i%5 == 0 {
			continue // to create
		}
		rec := &lockfile.Group{Community: "community/c1", CommunityID: "cid-1", Status: lockfile.StatusCreated,
			ChatID: fmt.Sprintf("chat-%d", i), Fields: groupFields.values(g),
			Members: map[string]string{"user:" + g.Members[0].UserID: g.Members[0].UserID}}
		switch i % 5 {
		case 2: // renamed: an update
			rec.Fields["name"] = json.RawMessage(`"Old"`)
		case 3: // another type: blocked, and a member to remove
			rec.Fields["type"] = json.RawMessage(`3`)
			rec.Members["user:gone"] = "gone"
		case 4:
			rec.Status, rec.CreateMembers = lockfile.StatusPending, []string{"user:" + g.Members[0].UserID}
		}
		st.Groups[g.Address()] = rec
	}
	var want []*Change
	for _, addr := range d.GroupAddresses() {
		want = append(want, diffGroup(d.Groups[addr], st.Groups[addr], map[string]string{}, Options{}.withDefaults())...)
	}
	got := diffGroups(d, st, map[string]string{}, Options{}.withDefaults())
	if len(got) != len(want) || len(got) < 4*groupsPerWorker {
		t.Fatalf("%d changes, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("change %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
