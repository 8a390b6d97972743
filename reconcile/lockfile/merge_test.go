package lockfile

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func mergeBase() *State {
	st := New("https://api.example")
	st.Serial = 3
	st.Communities["community/acme"] = &Community{Handle: "acme", Status: StatusCreated, CommunityID: "c-1",
		Fields: Fields{"name": json.RawMessage(`"Acme"`)}}
	st.Groups["group/acme/one"] = &Group{Community: "community/acme", CommunityID: "c-1", Status: StatusCreated,
		ChatID: ChatIDFor(st.Lineage, "group/acme/one"), GroupID: "g-1",
		Fields:  Fields{"name": json.RawMessage(`"One"`), "description": json.RawMessage(`"d"`)},
		Members: map[string]string{"user:u1": "u1"}}
	return st
}

func clone(t *testing.T, st *State) *State {
	t.Helper()
	data, err := Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Parse("clone", data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func group(st *State, key string) *Group {
	return &Group{Community: "community/acme", CommunityID: "c-1", Status: StatusCreated,
		ChatID: ChatIDFor(st.Lineage, "group/acme/"+key), GroupID: "g-" + key,
		Fields: Fields{"name": json.RawMessage(`"` + key + `"`)}}
}

// TestMerge: the merge driver's rules, one case each.
func TestMerge(t *testing.T) {
	tests := []struct {
		name     string
		noBase   bool
		ours     func(*State)
		theirs   func(*State)
		check    func(*testing.T, *State)
		conflict string // a substring of the conflict, or "" to merge
	}{{
		name:   "different addresses are unioned",
		ours:   func(s *State) { s.Groups["group/acme/two"] = group(s, "two") },
		theirs: func(s *State) { s.Groups["group/acme/three"] = group(s, "three") },
		check: func(t *testing.T, s *State) {
			if s.Groups["group/acme/two"] == nil || s.Groups["group/acme/three"] == nil || s.Groups["group/acme/one"] == nil {
				t.Errorf("groups %v", s.Addresses())
			}
		},
	}, {
		name:   "no base: two first applies of one endpoint",
		noBase: true,
		ours:   func(s *State) { s.Groups["group/acme/two"] = group(s, "two") },
		theirs: func(s *State) { s.Groups["group/acme/three"] = group(s, "three") },
		check: func(t *testing.T, s *State) {
			if len(s.Groups) != 3 {
				t.Errorf("groups %v", s.Addresses())
			}
		},
	}, {
		name:   "member maps of one group merge",
		ours:   func(s *State) { s.Groups["group/acme/one"].Members["user:u2"] = "u2" },
		theirs: func(s *State) { s.Groups["group/acme/one"].Members["phone:919876543210"] = "m-9" },
		check: func(t *testing.T, s *State) {
			if m := s.Groups["group/acme/one"].Members; len(m) != 3 || m["phone:919876543210"] != "m-9" {
				t.Errorf("members %v", m)
			}
		},
	}, {
		name:   "a member removed on one side is removed",
		ours:   func(s *State) { delete(s.Groups["group/acme/one"].Members, "user:u1") },
		theirs: func(s *State) { s.Groups["group/acme/one"].Members["user:u2"] = "u2" },
		check: func(t *testing.T, s *State) {
			if m := s.Groups["group/acme/one"].Members; len(m) != 1 || m["user:u2"] != "u2" {
				t.Errorf("members %v", m)
			}
		},
	}, {
		name:   "a field changed on one side is taken",
		ours:   func(s *State) { s.Groups["group/acme/one"].Fields["name"] = json.RawMessage(`"Renamed"`) },
		theirs: func(s *State) { s.Groups["group/acme/one"].Fields["description"] = json.RawMessage(`"e"`) },
		check: func(t *testing.T, s *State) {
			f := s.Groups["group/acme/one"].Fields
			if string(f["name"]) != `"Renamed"` || string(f["description"]) != `"e"` {
				t.Errorf("fields %v", f)
			}
		},
	}, {
		name:   "an unknown value wins: the next plan sends it again",
		ours:   func(s *State) { s.Groups["group/acme/one"].Fields["name"] = json.RawMessage(`null`) },
		theirs: func(s *State) { s.Groups["group/acme/one"].Fields["name"] = json.RawMessage(`"Renamed"`) },
		check: func(t *testing.T, s *State) {
			if got := string(s.Groups["group/acme/one"].Fields["name"]); got != "null" {
				t.Errorf("name %s", got)
			}
		},
	}, {
		name: "a create confirmed on one side and pending on the other is confirmed",
		ours: func(s *State) {
			g := group(s, "two")
			g.Status, g.GroupID, g.CreateMembers = StatusPending, "", []string{"user:u1"}
			s.Groups["group/acme/two"] = g
		},
		theirs: func(s *State) {
			g := group(s, "two")
			g.Members = map[string]string{"user:u1": "u1"}
			s.Groups["group/acme/two"] = g
		},
		check: func(t *testing.T, s *State) {
			g := s.Groups["group/acme/two"]
			if g.Status != StatusCreated || g.GroupID != "g-two" || g.Members["user:u1"] != "u1" || g.CreateMembers != nil {
				t.Errorf("group %+v", g)
			}
		},
	}, {
		name:   "a record removed on one side and untouched on the other is removed",
		ours:   func(s *State) { delete(s.Groups, "group/acme/one") },
		theirs: func(s *State) { s.Groups["group/acme/two"] = group(s, "two") },
		check: func(t *testing.T, s *State) {
			if s.Groups["group/acme/one"] != nil {
				t.Error("the removed record came back")
			}
		},
	}, {
		name:     "two chat_ids for one address",
		ours:     func(s *State) { s.Groups["group/acme/two"] = group(s, "two") },
		theirs:   func(s *State) { g := group(s, "two"); g.ChatID = NewUUID(); s.Groups["group/acme/two"] = g },
		conflict: "group/acme/two: chat_id (two groups for one address)",
	}, {
		name:     "the same field with two values",
		ours:     func(s *State) { s.Groups["group/acme/one"].Fields["name"] = json.RawMessage(`"A"`) },
		theirs:   func(s *State) { s.Groups["group/acme/one"].Fields["name"] = json.RawMessage(`"B"`) },
		conflict: `group/acme/one: field name: ours "A", theirs "B"`,
	}, {
		name:     "two member ids for one member",
		ours:     func(s *State) { s.Groups["group/acme/one"].Members["phone:919876543210"] = "m-1" },
		theirs:   func(s *State) { s.Groups["group/acme/one"].Members["phone:919876543210"] = "m-2" },
		conflict: "member id of phone:919876543210",
	}, {
		name:     "removed on one side, changed on the other",
		ours:     func(s *State) { delete(s.Groups, "group/acme/one") },
		theirs:   func(s *State) { s.Groups["group/acme/one"].Fields["name"] = json.RawMessage(`"B"`) },
		conflict: "group/acme/one: record (removed on one side, changed on the other)",
	}, {
		name:     "two lineages",
		ours:     func(s *State) { s.Lineage = NewUUID() },
		theirs:   func(*State) {},
		conflict: "header: lineage",
	}, {
		name:     "two endpoints",
		ours:     func(s *State) { s.Endpoint = "https://other.example" },
		theirs:   func(*State) {},
		conflict: "header: endpoint",
	}, {
		name:     "one chat_id at two addresses",
		ours:     func(s *State) { g := group(s, "two"); g.ChatID = "x"; s.Groups["group/acme/two"] = g },
		theirs:   func(s *State) { g := group(s, "three"); g.ChatID = "x"; s.Groups["group/acme/three"] = g },
		conflict: "chat_id x (held by two addresses)",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := mergeBase()
			ours, theirs := clone(t, base), clone(t, base)
			ours.Serial, theirs.Serial = 5, 7
			tt.ours(ours)
			tt.theirs(theirs)
			if tt.noBase {
				base = nil
				delete(ours.Groups, "group/acme/one")
				ours.Groups["group/acme/one"] = mergeBase().Groups["group/acme/one"]
			}
			got, err := Merge(base, ours, theirs)
			var ce *ConflictError
			switch {
			case tt.conflict != "":
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.conflict) {
					t.Fatalf("want a conflict %q, got %v", tt.conflict, err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if got.Serial != 8 || got.Lineage != ours.Lineage {
				t.Errorf("serial %d lineage %s: want the larger serial plus one and the lineage kept", got.Serial, got.Lineage)
			}
			if err := got.Validate(); err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
			// Symmetric: git rebase swaps the sides.
			back, err := Merge(base, theirs, ours)
			if err != nil || !same(back, got) {
				t.Errorf("the merge is not symmetric: %v", err)
			}
		})
	}
}

// TestChatIDFor: derived chat_ids keep the version 4 layout, depend on
// lineage and address, and never change (they name groups on the
// platform).
func TestChatIDFor(t *testing.T) {
	a := ChatIDFor("lineage-1", "group/acme/one")
	if a != ChatIDFor("lineage-1", "group/acme/one") || a == ChatIDFor("lineage-2", "group/acme/one") || a == ChatIDFor("lineage-1", "group/acme/two") {
		t.Fatal("a chat_id must depend on lineage and address only")
	}
	if a[14] != '4' || !strings.ContainsRune("89ab", rune(a[19])) || len(a) != 36 {
		t.Errorf("%s: not the version 4 layout", a)
	}
	// Pinned: a changed derivation would create every new group of an
	// existing lockfile again under another chat_id.
	if got := ChatIDFor(LineageFor("https://api.example"), "group/acme/one"); got != "e68e914f-3650-4aa7-adf8-8ef559d6a01e" {
		t.Errorf("derived chat_id changed: %s", got)
	}
	first, second := New("https://api.example"), New("https://api.example")
	if first.Lineage != second.Lineage || New("a").Lineage == New("b").Lineage {
		t.Error("a new lockfile's lineage is derived from its endpoint")
	}
}

// TestMergeAcrossFormats: the merge driver takes any mix of format 1 and
// format 2 lockfiles (a branch that last wrote before the format changed)
// and writes format 2.
func TestMergeAcrossFormats(t *testing.T) {
	base, err := Parse("base", []byte(baseLockfileV1))
	must(t, err)
	ours, err := Parse("ours", []byte(strings.Replace(baseLockfileV1, `"user:u1": "u1",`, `"user:u1": "u1",
        "user:u7": "u7",`, 1)))
	must(t, err)
	theirs, err := Parse("theirs", []byte(strings.Replace(baseLockfile, `"name": "Two"`, `"name": "Deux"`, 1)))
	must(t, err)
	merged, err := Merge(base, ours, theirs)
	must(t, err)
	data, err := Marshal(merged)
	must(t, err)
	want := strings.NewReplacer(`"serial": 3`, `"serial": 4`, `"name": "Two"`, `"name": "Deux"`, `"u1"
      ],`, `"u1",
        "u7"
      ],`).Replace(baseLockfile)
	if string(data) != want {
		t.Errorf("merged into:\n%s\nwant\n%s", data, want)
	}
}
