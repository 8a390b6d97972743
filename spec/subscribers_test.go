package spec

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSubscribersRemoved: a group's subscribers_removed is its inline
// users, then each member list's, de-duplicated by user id with the first
// kept, each at its position; chat_id is kept in lower case.
func TestSubscribersRemoved(t *testing.T) {
	d, err := Load([]string{filepath.Join("testdata", "subscribers")})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("testdata", "subscribers", "spec.yaml")
	g := d.Groups["group/genuin-community/moderated"]
	want := []Subscriber{
		{UserID: "11111111-1111-4111-8111-111111111111", Pos: Pos{file, 21, 9}},
		{UserID: "22222222-2222-4222-8222-222222222222", AlsoMember: true, Pos: Pos{file, 22, 9}},
		{UserID: "33333333-3333-4333-8333-333333333333", Pos: Pos{file, 9, 9}},
	}
	if !reflect.DeepEqual(g.SubscribersRemoved, want) {
		t.Errorf("subscribers removed =\n%+v\nwant\n%+v", g.SubscribersRemoved, want)
	}
	if g.ChatID != "456e7890-b12c-4c23-89ef-126314214567" || !g.PhonesInCreate {
		t.Errorf("chat_id %q, phones_in_create %v", g.ChatID, g.PhonesInCreate)
	}
	good, err := Load([]string{filepath.Join("testdata", "good")})
	if err != nil {
		t.Fatal(err)
	}
	if other := good.Groups["group/genuin-community/tech-talk"]; other.SubscribersRemoved != nil || other.ChatID != "" || other.PhonesInCreate {
		t.Errorf("a group without them: %+v", other)
	}
}

// TestGeneratedSubscribers: a generator's group template copies
// subscribers_removed to every group, and chat_id is a template; a
// conflict with the template's members is reported once, for the
// generator.
func TestGeneratedSubscribers(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{"spec.yaml": `version: 1
communities: [{handle: c, name: C}]
member_lists: [{name: banned, members: [{user_id: 22222222-2222-4222-8222-222222222222}]}]
generators:
  - name: gen
    matrix:
      n: ["1", "2"]
    group:
      key: "g{{.n}}"
      community: c
      chat_id: "456e7890-b12c-4c23-89ef-12631421456{{.n}}"
      name: "G{{.n}}"
      subscribers_removed:
        - member_list: banned
`})
	d, err := Load([]string{"spec.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1", "2"} {
		g := d.Groups["group/c/g"+n]
		if g.ChatID != "456e7890-b12c-4c23-89ef-12631421456"+n || len(g.SubscribersRemoved) != 1 {
			t.Errorf("g%s = %+v", n, g)
		}
	}

	writeFiles(t, map[string]string{"spec.yaml": `version: 1
communities: [{handle: c, name: C}]
member_lists: [{name: banned, members: [{user_id: 22222222-2222-4222-8222-222222222222}]}]
generators:
  - name: gen
    matrix:
      n: ["1", "2"]
    group:
      key: "g{{.n}}"
      community: c
      chat_id: 456e7890-b12c-4c23-89ef-126314214567
      name: "G{{.n}}"
      member_lists: [banned]
      subscribers_removed:
        - member_list: banned
`})
	_, err = Load([]string{"spec.yaml"})
	var msgs []string
	for _, d := range Diagnostics(err) {
		msgs = append(msgs, d.Error())
	}
	got := strings.Join(msgs, "\n")
	if strings.Count(got, "is also a member of the group") != 1 || strings.Count(got, "is also the chat_id of group/c/g1") != 1 {
		t.Errorf("errors:\n%s", got)
	}
}
