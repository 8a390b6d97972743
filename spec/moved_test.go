package spec

import (
	"reflect"
	"strings"
	"testing"
)

// TestMoved: moved blocks are decoded in file order with their positions,
// chains are allowed, and a block that cannot hold whatever the lockfile
// says is an error at its position.
func TestMoved(t *testing.T) {
	const head = "version: 1\ncommunities: [{handle: c, name: C}]\ngroups: [{key: new, community: c, name: N}, {key: kept, community: c, name: K}]\n"
	t.Run("chain", func(t *testing.T) {
		t.Chdir(t.TempDir())
		writeFiles(t, map[string]string{"a.yaml": head + "moved:\n  - {from: group/c/old, to: group/c/mid}\n  - {from: group/c/mid, to: group/c/new}\n"})
		d, err := Load([]string{"."})
		if err != nil {
			t.Fatal(err)
		}
		want := []Move{{From: "group/c/old", To: "group/c/mid", Pos: Pos{File: "a.yaml", Line: 5, Col: 5}},
			{From: "group/c/mid", To: "group/c/new", Pos: Pos{File: "a.yaml", Line: 6, Col: 5}}}
		if !reflect.DeepEqual(d.Moved, want) {
			t.Errorf("moved %+v, want %+v", d.Moved, want)
		}
	})
	for name, c := range map[string]struct {
		moved string
		want  []string
	}{
		"from still declared": {"[{from: group/c/kept, to: group/c/new}]",
			[]string{"a.yaml:4:9: group/c/kept: moved, but still declared at a.yaml:3:45: a moved block's from is the group's old address, no longer in the spec"}},
		"to not declared": {"[{from: group/c/old, to: group/c/nowhere}]",
			[]string{"a.yaml:4:9: group/c/old: moved to group/c/nowhere, which the spec does not declare: declare the group at its new address"}},
		"moved twice": {"[{from: group/c/old, to: group/c/new}, {from: group/c/old, to: group/c/kept2}]",
			[]string{"a.yaml:4:47: group/c/old: moved twice (also at a.yaml:4:9)"}},
		"two onto one": {"[{from: group/c/old, to: group/c/new}, {from: group/c/older, to: group/c/new}]",
			[]string{"a.yaml:4:47: group/c/new: two groups are moved to this address (also at a.yaml:4:9): one address holds one group"}},
		"cycle": {"[{from: group/c/a, to: group/c/b}, {from: group/c/b, to: group/c/a}]",
			[]string{"a.yaml:4:9: group/c/a: moved blocks form a cycle through this address", "a.yaml:4:43: group/c/b: moved blocks form a cycle through this address"}},
		"a community": {"[{from: community/c, to: community/d}]",
			[]string{`a.yaml:4:16: "from" must match ^group/[^/]+/[^/]+$, got "community/c"`, `a.yaml:4:33: "to" must match ^group/[^/]+/[^/]+$, got "community/d"`}},
		"same address": {"[{from: group/c/new, to: group/c/new}]",
			[]string{"a.yaml:4:9: group/c/new: moved: from and to are the same address"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			writeFiles(t, map[string]string{"a.yaml": head + "moved: " + c.moved + "\n"})
			if got := errorLines(t, "."); !reflect.DeepEqual(got, c.want) {
				t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
