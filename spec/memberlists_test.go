package spec

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMemberLists(t *testing.T) {
	d, err := Load([]string{filepath.Join("testdata", "memberlists")})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "memberlists")
	spec := filepath.Join(dir, "spec.yaml")
	staff := filepath.Join(dir, "members", "staff.yaml")
	customers := filepath.Join(dir, "members", "customers.csv")
	wantCustomers := made(
		Member{UserID: "abcd1234-5678-90ef-1112-234567890111", Pos: Pos{customers, 2, 1}},
		Member{Phone: "14155550100", Pos: Pos{customers, 3, 2}},
	)
	tests := []struct {
		addr string
		want []Member
	}{
		{"group/genuin/everyone", append(made(
			Member{Phone: "919876543210", Pos: Pos{spec, 19, 9}},
			Member{UserID: "b12f13af-ef5a-4906-b0a0-2995e106200d", Pos: Pos{spec, 8, 9}},
			Member{UserID: "345e1234-5678-90ef-2345-678912341234", Pos: Pos{staff, 2, 3}},
		), wantCustomers...)},
		{"group/genuin/customers", wantCustomers},
	}
	for _, tt := range tests {
		if got := d.Groups[tt.addr].Members; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s members =\n%v\nwant\n%v", tt.addr, got, tt.want)
		}
	}
}

// TestMemberListErrors pins each kind of member list mistake.
func TestMemberListErrors(t *testing.T) {
	const head = "version: 1\ncommunities: [{handle: c, name: C}]\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"unknown list", map[string]string{"a.yaml": head +
			"member_lists: [{name: staff, members: []}]\ngroups: [{key: g, community: c, name: G, member_lists: [staf]}]\n"},
			[]string{`a.yaml:4:57: group/c/g: unknown member list "staf" (did you mean "staff"?)`}},
		{"list defined twice", map[string]string{
			"a.yaml": head + "member_lists: [{name: staff, members: []}]\n",
			"b.yaml": "version: 1\nmember_lists:\n  - {name: staff, csv: s.csv}\n",
			"s.csv":  "user_id\n",
		}, []string{`b.yaml:3:5: member_list/staff: defined twice: also at a.yaml:3:16`}},
		{"empty path", map[string]string{"a.yaml": head + "member_lists: [{name: staff, csv: ''}]\n"},
			[]string{`a.yaml:3:35: member_list/staff: "csv" must not be empty`}},
		{"missing csv", map[string]string{"a.yaml": head + "member_lists: [{name: staff, csv: s.csv}]\n"},
			[]string{`a.yaml:3:35: member_list/staff: path "s.csv": no such file or directory`}},
		{"csv bad rows", map[string]string{
			"a.yaml": head + "member_lists: [{name: staff, csv: s.csv}]\n",
			"s.csv":  "phone,user_id\n+91 98765 43210,\n0123456789,\n,x\n+91 98765 4321,\n1,2,3\n",
		}, []string{
			`s.csv:3:1: member_list/staff: phone "01••••••89" starts with 0, a national number: add the country code, e.g. +44 20 7946 0123`,
			`s.csv:4:2: member_list/staff: user id "x" is not a UUID such as b12f13af-ef5a-4906-b0a0-2995e106200d`,
			`s.csv:5:1: member_list/staff: phone "+91 ••••• ••21" is not a valid number: too short for India (+91): 9 digits after +91, not 10`,
			`s.csv:6:1: member_list/staff: invalid CSV: wrong number of fields`,
		}},
		{"csv unknown column", map[string]string{
			"a.yaml": head + "member_lists: [{name: staff, csv: s.csv}]\n",
			"s.csv":  "user_id,phone_number\n",
		}, []string{`s.csv:1:9: member_list/staff: unknown column "phone_number" (did you mean "phone"?); a member list has a user_id and/or a phone column`}},
		{"yaml list file", map[string]string{
			"a.yaml":       head + "member_lists: [{name: staff, file: lists/s.yaml}]\n",
			"lists/s.yaml": "- {user_id: x}\n",
		}, []string{`lists/s.yaml:1:13: member_list/staff: "[0].user_id" must be a UUID such as b12f13af-ef5a-4906-b0a0-2995e106200d, got "x"`}},
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

// TestMemberListShared checks that a group using a single list, which
// shares the list's members, cannot write into the list by appending.
func TestMemberListShared(t *testing.T) {
	d, err := Load([]string{filepath.Join("testdata", "memberlists")})
	if err != nil {
		t.Fatal(err)
	}
	if m := d.Groups["group/genuin/customers"].Members; cap(m) != len(m) {
		t.Errorf("shared members have spare capacity: len %d, cap %d", len(m), cap(m))
	}
}

// TestPlainMembers checks that every list plainMembers lets skip the schema
// is one the schema accepts.
func TestPlainMembers(t *testing.T) {
	s, err := loadSchema()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		yaml  string
		plain bool
	}{
		{"[]", true},
		{"[{user_id: b12f13af-ef5a-4906-b0a0-2995e106200d}, {phone: '+91 98765 43210'}, {phone: 919876543210}]", true},
		{"[{user_id: B12F13AF-EF5A-4906-B0A0-2995E106200D}]", true},
		{"[{phone: 'anything: normalised later'}]", true},
		{"[{user_id: nope}]", false},
		{"[{user_id: 12}]", false},
		{"[{phone: 9.1e11}]", false},
		{"[{phone: null}]", false},
		{"[{phone: [1]}]", false},
		{"[{usr_id: b12f13af-ef5a-4906-b0a0-2995e106200d}]", false},
		{"[{user_id: b12f13af-ef5a-4906-b0a0-2995e106200d, phone: '1'}]", false},
		{"[{}]", false},
		{"[x]", false},
		{"{}", false},
	}
	for _, tt := range tests {
		var ds diagnostics
		doc := parseDocument("m.yaml", []byte(tt.yaml), &ds)
		if got := plainMembers(doc.root); got != tt.plain {
			t.Errorf("plainMembers(%s) = %v, want %v", tt.yaml, got, tt.plain)
		}
		if tt.plain && s.fullCheck(membersSchema, doc, &ds) != nil {
			t.Errorf("plainMembers(%s), but the schema rejects it: %v", tt.yaml, ds.err())
		}
	}
}

// TestMemberListRoom checks the members of groups that name one CSV list
// and have inline members besides: the first such group of a list has
// them made in the room the list was read with, the others a union: all
// in the same order, and none can write into another's.
func TestMemberListRoom(t *testing.T) {
	const (
		u1 = "b12f13af-ef5a-4906-b0a0-2995e106200d"
		u2 = "345e1234-5678-90ef-2345-678912341234"
		u3 = "abcd1234-5678-90ef-1112-234567890111"
		u4 = "00000000-5678-90ef-1112-234567890111"
	)
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{
		"a.yaml": `version: 1
communities: [{handle: c, name: C}]
member_lists:
  - {name: l, csv: l.csv}
  - {name: same-file, csv: l.csv}
  - {name: n, csv: n.csv}
groups:
  - {key: owner, community: c, name: G, members: [{user_id: ` + u1 + `}, {phone: "+91 98765 43210"}], member_lists: [l]}
  - {key: second, community: c, name: G, members: [{user_id: ` + u2 + `}], member_lists: [l]}
  - {key: shares, community: c, name: G, member_lists: [l]}
  - {key: same-file, community: c, name: G, members: [{user_id: ` + u4 + `}], member_lists: [same-file]}
  - {key: overlap, community: c, name: G, members: [{user_id: ` + u4 + `}, {user_id: ` + u3 + `}], member_lists: [n]}
`,
		"l.csv": "user_id,phone\n" + u3 + ",\n,+44 20 7946 0123\n",
		"n.csv": "user_id\n" + u3 + "\n" + u1 + "\n",
	})
	d, err := Load([]string{"."})
	if err != nil {
		t.Fatal(err)
	}
	list := []string{"user:" + u3, "phone:442079460123"}
	tests := []struct {
		key  string
		want []string
	}{
		{"owner", append([]string{"user:" + u1, "phone:919876543210"}, list...)},
		{"second", append([]string{"user:" + u2}, list...)},
		{"shares", list},
		{"same-file", append([]string{"user:" + u4}, list...)},
		{"overlap", []string{"user:" + u4, "user:" + u3, "user:" + u1}},
	}
	for _, tt := range tests {
		m := d.Groups["group/c/"+tt.key].Members
		var got []string
		for _, member := range m {
			got = append(got, member.Identity())
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: members %v, want %v", tt.key, got, tt.want)
		}
		if cap(m) != len(m) && tt.key != "overlap" {
			t.Errorf("%s: members have spare capacity: len %d, cap %d", tt.key, len(m), cap(m))
		}
	}
	if owner, shares := d.Groups["group/c/owner"].Members, d.Groups["group/c/shares"].Members; &owner[2] != &shares[0] {
		t.Errorf("the owner's members are not made in the room before the list's")
	}
}
