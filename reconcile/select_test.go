package reconcile

import (
	"reflect"
	"testing"
)

func TestParseAddress(t *testing.T) {
	for _, s := range []string{"community/acme", "group/acme/launch", "group/6004b33c-9a16-4e7c-a1f6-257bb3f6d26e/g"} {
		a, err := ParseAddress(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if a.String() != s {
			t.Errorf("%s prints as %s", s, a)
		}
	}
	for _, s := range []string{"", "community", "community/", "community/a/b", "group/acme", "group/acme/", "group//k", "group/a/b/c", "member_list/x"} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
}

// selectionPlan: acme is to be created with two groups; beta exists, with
// an update and a create; a group in an unmanaged community.
func selectionPlan() *Plan {
	p := &Plan{FormatVersion: PlanFormatVersion, Changes: []*Change{
		{Address: "community/acme", Kind: KindCommunity, Action: ActionCreate, Calls: 1},
		{Address: "group/acme/launch-food", Kind: KindGroup, Action: ActionCreate, Community: "community/acme", Calls: 1},
		{Address: "group/acme/launch-news", Kind: KindGroup, Action: ActionCreate, Community: "community/acme", Calls: 1},
		{Address: "group/beta/food", Kind: KindGroup, Action: ActionUpdate, Community: "community/beta", Calls: 1},
		{Address: "group/beta/launch-food", Kind: KindGroup, Action: ActionCreate, Community: "community/beta", Calls: 1},
		{Address: "group/6004b33c-9a16-4e7c-a1f6-257bb3f6d26e/food", Kind: KindGroup, Action: ActionCreate, CommunityID: "6004b33c-9a16-4e7c-a1f6-257bb3f6d26e", Calls: 1},
	}}
	p.finish()
	return p
}

func addresses(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Address)
	}
	return out
}

func TestSelect(t *testing.T) {
	for _, c := range []struct {
		name      string
		sel       Selection
		want      []string
		pulled    []string
		heldBack  []string
		leftOut   int
		wantCalls int
	}{
		{name: "a glob within one part", sel: Selection{Targets: []string{"group/*/*-food"}},
			want:   []string{"community/acme", "group/acme/launch-food", "group/beta/launch-food"},
			pulled: []string{"community/acme"}, leftOut: 3, wantCalls: 3},
		{name: "every part", sel: Selection{Targets: []string{"group/*/*food"}},
			want:   []string{"community/acme", "group/6004b33c-9a16-4e7c-a1f6-257bb3f6d26e/food", "group/acme/launch-food", "group/beta/food", "group/beta/launch-food"},
			pulled: []string{"community/acme"}, leftOut: 1, wantCalls: 5},
		{name: "one community's groups", sel: Selection{Targets: []string{"group/beta/*"}},
			want: []string{"group/beta/food", "group/beta/launch-food"}, leftOut: 4, wantCalls: 2},
		{name: "the star does not cross a slash", sel: Selection{Targets: []string{"group/*"}}, leftOut: 6},
		{name: "exclude wins", sel: Selection{Targets: []string{"group/acme/*"}, Excludes: []string{"group/acme/launch-news"}},
			want: []string{"community/acme", "group/acme/launch-food"}, pulled: []string{"community/acme"}, leftOut: 4, wantCalls: 2},
		{name: "an excluded community holds its new groups back", sel: Selection{Excludes: []string{"community/acme"}},
			want:     []string{"group/6004b33c-9a16-4e7c-a1f6-257bb3f6d26e/food", "group/beta/food", "group/beta/launch-food"},
			heldBack: []string{"group/acme/launch-food", "group/acme/launch-news"}, leftOut: 3, wantCalls: 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, s := Select(selectionPlan(), c.sel)
			if got := addresses(q); !reflect.DeepEqual(got, c.want) {
				t.Errorf("selected %v, want %v", got, c.want)
			}
			if !reflect.DeepEqual(s.PulledIn, c.pulled) || !reflect.DeepEqual(s.HeldBack, c.heldBack) {
				t.Errorf("pulled in %v, held back %v; want %v, %v", s.PulledIn, s.HeldBack, c.pulled, c.heldBack)
			}
			if s.LeftOut != c.leftOut || q.LeftOut != c.leftOut || q.Summary.Calls != c.wantCalls {
				t.Errorf("left out %d (plan says %d), %d calls; want %d, %d", s.LeftOut, q.LeftOut, q.Summary.Calls, c.leftOut, c.wantCalls)
			}
			if q.Selection == nil || !reflect.DeepEqual(*q.Selection, c.sel) {
				t.Errorf("the plan records the selection %v", q.Selection)
			}
		})
	}
	if p := selectionPlan(); func() *Plan { q, _ := Select(p, Selection{}); return q }() != p {
		t.Error("no selection must leave the plan as it is")
	}
}

func TestSelectionCheck(t *testing.T) {
	for _, ok := range []Selection{{Targets: []string{"group/acme/*", "community/acme", "*/acme"}}, {Excludes: []string{"grou?/*/x"}}} {
		if err := ok.Check(); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, bad := range []Selection{{Targets: []string{"group/[acme/*"}}, {Excludes: []string{"acme/*"}}, {Targets: []string{"member_list/x"}}} {
		if err := bad.Check(); err == nil {
			t.Errorf("%v passed", bad)
		}
	}
	if got := (Selection{Targets: []string{"group/acme/*", "group/nope/*"}}).Unmatched([]string{"group/acme/a"}); !reflect.DeepEqual(got, []string{"group/nope/*"}) {
		t.Errorf("unmatched %v", got)
	}
}
