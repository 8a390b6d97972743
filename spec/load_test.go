package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"
)

// writeFiles writes files (path → content) below the current directory.
func writeFiles(t *testing.T, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// made returns members as Load makes them: with their identities.
func made(members ...Member) []Member {
	for i, m := range members {
		members[i].identity = m.Identity()
	}
	return members
}

// TestMemberIdentity: a member's identity is the one Load made with it,
// and still right for a Member made or changed elsewhere.
func TestMemberIdentity(t *testing.T) {
	const id = "b12f13af-ef5a-4906-b0a0-2995e106200d"
	user, err := userMember(strings.ToUpper(id), Pos{})
	if err != nil {
		t.Fatal(err)
	}
	phone, err := phoneMember("+91 98765 43210", Pos{})
	if err != nil {
		t.Fatal(err)
	}
	changed := phone
	changed.Phone = "14155550100"
	swapped := user
	swapped.UserID, swapped.Phone = "", "919876543210"
	for _, tt := range []struct {
		m    Member
		want string
	}{
		{user, "user:" + id},
		{phone, "phone:919876543210"},
		{Member{UserID: "u1"}, "user:u1"},
		{Member{Phone: "919876543210"}, "phone:919876543210"},
		{changed, "phone:14155550100"},
		{swapped, "phone:919876543210"},
	} {
		if got := tt.m.Identity(); got != tt.want {
			t.Errorf("%+v.Identity() = %q, want %q", tt.m, got, tt.want)
		}
	}
	var got string
	if allocs := testing.AllocsPerRun(100, func() { got = user.Identity() }); allocs != 0 || got != "user:"+id {
		t.Errorf("Identity of a member Load made = %q, allocating %v times", got, allocs)
	}
}

// errorLines loads paths and returns the diagnostics as printed.
func errorLines(t *testing.T, paths ...string) []string {
	t.Helper()
	d, err := Load(paths)
	if err == nil {
		t.Fatalf("Load(%q) succeeded, want an error", paths)
	}
	if d != nil {
		t.Errorf("Load returned a Desired along with an error")
	}
	return strings.Split(err.Error(), "\n")
}

func TestLoadGood(t *testing.T) {
	d, err := Load([]string{"testdata/good"})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.CommunityHandles(); !reflect.DeepEqual(got, []string{"genuin-community"}) {
		t.Errorf("communities = %q", got)
	}
	if got := d.GroupAddresses(); !reflect.DeepEqual(got, []string{"group/genuin-community/off-topic", "group/genuin-community/tech-talk"}) {
		t.Errorf("groups = %q", got)
	}
	c := d.Communities["genuin-community"]
	one, no, yes := 1, false, true
	wantC := &Community{
		Handle: "genuin-community", Name: "Genuin Community",
		Description: "some community description #genuin",
		Tags:        []string{"genuinCommunity", "genuinAmdCommunity"},
		DP:          "1.png", Banner: "1.png",
		Categories:      Categories{Existing: []int{1, 2}, New: []string{"abc"}},
		IsAIGeneratedDP: true, IsAIGeneratedBanner: true,
		Users:   []string{"b12f13af-ef5a-4906-b0a0-2995e106200d"},
		Type:    &one,
		Actions: []Action{{ActionID: 3, AccessTypeID: 5}},
		Pos:     Pos{File: filepath.Join("testdata", "good", "communities.yaml"), Line: 4, Col: 5},
	}
	if !reflect.DeepEqual(c, wantC) {
		t.Errorf("community =\n%+v\nwant\n%+v", c, wantC)
	}

	file := filepath.Join("testdata", "good", "groups.yaml")
	g := d.Groups["group/genuin-community/tech-talk"]
	two := 2
	wantG := &Group{
		Key: "tech-talk", Community: "genuin-community", Name: "Tech Conversations",
		Description:  "A platform for discussing the latest in technology and innovation.",
		Tags:         []string{"technology", "innovation"},
		DP:           "group_dp.png",
		Topics:       []int{1, 2},
		Discoverable: &no,
		Type:         4,
		TemplateID:   &two,
		Actions:      []Action{{3, 5}, {5, 9}},
		Video: &Video{
			MessageID:              "789e1234-f12d-4c67-a256-126314214555",
			VideoName:              "abcd1234-5678-90ef-1112-234567890111_video.mp4",
			ThumbnailName:          "abcd1234-5678-90ef-1112-234567890111_thumb.jpg",
			VideoPath:              "trends_videos/2024/5/6/creative",
			ThumbnailPath:          "trends_thumbnail/2024/5/6/creative",
			IsAIGeneratedVideo:     yes,
			IsAIGeneratedThumbnail: yes,
			Size:                   "5MB",
			Duration:               5,
			AspectRatio:            "720x1280",
			Resolution:             "1080p",
			DescriptionText:        "Hello, this is @user and I love community XYZ",
			DescriptionData:        `["Hello",{"user_id":"345e1234-5678-90ef-2345-678912341234"},"and I love community"]`,
			Topic:                  "Open Discussion",
		},
		Members: made(
			Member{UserID: "abcd1234-5678-90ef-1112-234567890111", Pos: Pos{file, 35, 9}},
			Member{Phone: "919876543210", Pos: Pos{file, 36, 9}},
		),
		Pos: Pos{file, 4, 5},
	}
	if !reflect.DeepEqual(g, wantG) {
		t.Errorf("group =\n%+v\nwant\n%+v", g, wantG)
	}
	if off := d.Groups["group/genuin-community/off-topic"]; off.Type != 5 || off.Discoverable != nil || off.Members != nil {
		t.Errorf("off-topic = %+v", off)
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{"spec.yaml": `version: 1
communities: [{handle: c, name: C}]
groups: [{key: g, community: c, name: G}]
`})
	d, err := Load([]string{"spec.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if g := d.Groups["group/c/g"]; g.Type != 4 || g.TemplateID != nil || g.Video != nil {
		t.Errorf("group = %+v, want type 4 and nothing else set", g)
	}
	d, err = Load([]string{"spec.yaml"})
	if err != nil || d.Communities == nil || d.Groups == nil {
		t.Fatalf("Load = %v, %v", d, err)
	}
	writeFiles(t, map[string]string{"empty/spec.yaml": "version: 1\n"})
	d, err = Load([]string{"empty"})
	if err != nil || d.Communities == nil || d.Groups == nil {
		t.Errorf("Load of an empty spec = %+v, %v; want empty, non-nil maps", d, err)
	}
}

func TestLoadPaths(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{
		"repo/communities/c.yaml":  "version: 1\ncommunities: [{handle: c, name: C}]\n",
		"repo/groups/b/g.yml":      "version: 1\ngroups: [{key: g, community: c, name: G}]\n",
		"repo/.hidden/broken.yaml": "not: [valid",
		"repo/README.md":           "not a spec",
		"nothing/README.md":        "not a spec",
	})
	d, err := Load([]string{"repo", "repo/communities/c.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Groups["group/c/g"].Pos.String(); got != filepath.Join("repo", "groups", "b", "g.yml")+":2:10" {
		t.Errorf("group position = %s", got)
	}
	if _, err := Load(nil); err == nil || err.Error() != "no spec files or directories given" {
		t.Errorf("Load(nil) = %v", err)
	}
	got := errorLines(t, "missing", "nothing")
	want := []string{
		"missing: no such file or directory",
		"nothing: no *.yaml or *.yml files found",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGroupInExistingCommunity: a group may name a community the spec does
// not manage by its community_id; its address uses that id.
func TestGroupInExistingCommunity(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(path, []byte("version: 1\ngroups:\n  - {key: g, community_id: F2A05ADB-93CE-4A19-B003-3523FA745667, name: G}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	g := d.Groups["group/f2a05adb-93ce-4a19-b003-3523fa745667/g"]
	if g == nil || g.Community != "" || g.CommunityID != "f2a05adb-93ce-4a19-b003-3523fa745667" {
		t.Fatalf("groups = %v", d.GroupAddresses())
	}
	out, err := Expand(d)
	if err != nil || !strings.Contains(string(out), "community_id: f2a05adb-93ce-4a19-b003-3523fa745667") {
		t.Errorf("expand = %s, %v", out, err)
	}
}

// TestLoadErrors pins each kind of mistake to its diagnostic.
func TestLoadErrors(t *testing.T) {
	const head = "version: 1\ncommunities: [{handle: c, name: C}]\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"malformed YAML", map[string]string{"a.yaml": "version: 1\ngroups: [\n"},
			[]string{"a.yaml:2: invalid YAML: did not find expected node content"}},
		{"duplicate key", map[string]string{"a.yaml": "version: 1\nversion: 1\n"},
			[]string{`a.yaml:2:1: duplicate key "version": first given at line 1 col 1`}},
		{"unknown key", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, nmae: G}]\n"},
			[]string{
				`a.yaml:3:10: group/c/g: missing required key "name"`,
				`a.yaml:3:33: group/c/g: unknown key "nmae" (did you mean "name"?)`,
			}},
		{"unknown top-level key", map[string]string{"a.yaml": "version: 1\ngroup: []\n"},
			[]string{`a.yaml:2:1: unknown key "group" (did you mean "groups"?)`}},
		{"wrong type", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, name: G, topics: x}]\n"},
			[]string{`a.yaml:3:50: group/c/g: "topics" must be a list of integers, got string`}},
		{"wrong item type", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, name: G, topics: [1, x]}]\n"},
			[]string{`a.yaml:3:54: group/c/g: "topics[1]" must be an integer, got string`}},
		{"out of range", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, name: G, type: 0}]\n"},
			[]string{`a.yaml:3:48: group/c/g: "type" must be at least 1, got 0`}},
		{"missing required", map[string]string{"a.yaml": "version: 1\ncommunities: [{name: C}]\n"},
			[]string{`a.yaml:2:15: missing required key "handle"`}},
		{"missing version", map[string]string{"a.yaml": "groups: []\n"},
			[]string{`a.yaml:1:1: missing required key "version"`}},
		{"wrong version", map[string]string{"a.yaml": "version: 2\ngroups: []\n"},
			[]string{`a.yaml:1:10: "version" must be 1, got 2`}},
		{"group in unknown community", map[string]string{"a.yaml": head + "groups: [{key: g, community: cc, name: G}]\n"},
			[]string{`a.yaml:3:30: group/cc/g: unknown community "cc" (did you mean "c"?); declare it under communities:`}},
		{"community and community_id both", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, community_id: f2a05adb-93ce-4a19-b003-3523fa745667, name: G}]\n"},
			[]string{`a.yaml:3:47: give "community" (a community of this spec) or "community_id" (an existing one), not both`}},
		{"neither community nor community_id", map[string]string{"a.yaml": head + "groups: [{key: g, name: G}]\n"},
			[]string{`a.yaml:3:10: missing required key "community" (or "community_id" for an existing community this spec does not manage)`}},
		{"invalid community_id", map[string]string{"a.yaml": head + "groups: [{key: g, community_id: nope, name: G}]\n"},
			[]string{`a.yaml:3:33: group/nope/g: "community_id" must be a UUID such as b12f13af-ef5a-4906-b0a0-2995e106200d, got "nope"`}},
		{"same address twice", map[string]string{
			"a.yaml": head + "groups: [{key: g, community: c, name: G}]\n",
			"b.yaml": "version: 1\ngroups:\n  - {key: g, community: c, name: G2}\n",
		}, []string{`b.yaml:3:5: group/c/g: defined twice: also at a.yaml:3:10`}},
		{"same community twice", map[string]string{"a.yaml": head, "b.yaml": head},
			[]string{`b.yaml:2:15: community/c: defined twice: also at a.yaml:2:15`}},
		{"invalid phone", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, name: G, members: [{phone: '0987654321'}]}]\n"},
			[]string{`a.yaml:3:60: group/c/g: phone "09••••••21" starts with 0, a national number: add the country code, e.g. +44 20 7946 0123`}},
		{"float phone", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, name: G, members: [{phone: 9.1e11}]}]\n"},
			[]string{`a.yaml:3:60: group/c/g: "members[0].phone" must be a string or an integer, got float: quote phone numbers`}},
		{"invalid user id", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, name: G, members: [{user_id: x}]}]\n"},
			[]string{`a.yaml:3:62: group/c/g: "members[0].user_id" must be a UUID such as b12f13af-ef5a-4906-b0a0-2995e106200d, got "x"`}},
		{"empty name", map[string]string{"a.yaml": head + "groups: [{key: g, community: c, name: ''}]\n"},
			[]string{`a.yaml:3:39: group/c/g: "name" must not be empty, got ""`}},
		{"alias", map[string]string{"a.yaml": "version: &v 1\ngroups: *v\n"},
			[]string{`a.yaml:2:9: YAML aliases (*v) are not supported; write the value out, or use a member list or generator`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			writeFiles(t, tt.files)
			if got := errorLines(t, "."); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestDiagnostics(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{"a.yaml": "version: 1\nversion: 2\ncolour: x\n"})
	_, err := Load([]string{"a.yaml"})
	var merr *multierror.Error
	if !errors.As(err, &merr) {
		t.Fatalf("error %T is not a *multierror.Error", err)
	}
	got := Diagnostics(err)
	want := []*Diagnostic{
		{Pos: Pos{"a.yaml", 2, 1}, Message: `duplicate key "version": first given at line 1 col 1`},
		{Pos: Pos{"a.yaml", 3, 1}, Message: `unknown key "colour"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diagnostics = %v, want %v", got, want)
	}
	if Diagnostics(errors.New("other")) != nil {
		t.Error("Diagnostics of a plain error is not nil")
	}
}

func TestLoadEdge(t *testing.T) {
	d, err := Load([]string{filepath.Join("testdata", "edge")})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Communities["E.dge_1-x"]
	if c.Name != "2024" || c.Description != "yes" || c.Tags != nil || c.Users != nil {
		t.Errorf("community = %+v", c)
	}
	g := d.Groups["group/E.dge_1-x/0"]
	if g.Members != nil || g.Discoverable != nil || g.Video == nil || *g.Video != (Video{}) {
		t.Errorf("group 0 = %+v, want no members, no discoverable, an empty video", g)
	}
	dupes := d.Groups["group/E.dge_1-x/dupes"]
	want := []string{"phone:919876543210", "user:abcd1234-5678-90ef-1112-234567890111"}
	var got []string
	for _, m := range dupes.Members {
		got = append(got, m.Identity())
	}
	if !reflect.DeepEqual(got, want) || dupes.Type != 16 {
		t.Errorf("dupes: members %q, type %d; want %q, type 16", got, dupes.Type, want)
	}
}
