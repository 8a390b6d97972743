package spec

import (
	"strconv"
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("abcdefgh", 8) // 64 runes
	tests := []struct{ in, want string }{
		{"user_id", `"user_id"`},
		{"", `""`},
		{long, `"` + long[:maxExcerpt] + `…"`},
		{strings.Repeat("é", maxExcerpt+8), `"` + strings.Repeat("é", maxExcerpt) + `…"`},
		{"a\x00b\x1b[31mc\n", `"a\x00b\x1b[31mc\n"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"say \"hi\"", `"say \"hi\""`},
		{"rtl\u202eoverride", `"rtl\u202eoverride"`},
	}
	for _, tt := range tests {
		if got := excerpt(tt.in); got != tt.want {
			t.Errorf("excerpt(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]string{
		"group/acme/key":      "group/acme/key",
		"group/a\nb/" + long:  "group/a\\nb/" + long[:maxExcerpt] + "…",
		"member_list/" + long: "member_list/" + long[:maxExcerpt] + "…",
	} {
		if got := clipAddress(in); got != want {
			t.Errorf("clipAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSanitise(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct{ in, want string }{
		{"did not find expected key", "did not find expected key"},
		{"unknown anchor '" + long + "' referenced", "unknown anchor '" + long[:maxExcerpt] + "…' referenced"},
		{`function "` + long + `" not defined`, `function "` + long[:maxExcerpt] + `…" not defined`},
		{"bad \x1b[2J \xff", `bad \x1b[2J \xff`},
	}
	for _, tt := range tests {
		if got := sanitise(tt.in); got != tt.want {
			t.Errorf("sanitise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestQuotesAreShort: whatever a spec holds, each diagnostic quotes at most
// maxExcerpt runes of it, escaped.
func TestQuotesAreShort(t *testing.T) {
	t.Chdir(t.TempDir())
	long := "S3CR3T" + strings.Repeat("x", 200)
	writeFiles(t, map[string]string{
		"list.csv": long + ",user_id\n",
		"spec.yaml": `version: 1
"` + long + `": 1
communities: [{handle: c, name: C}]
member_lists: [{name: l, csv: list.csv}, {name: m, members: [{phone: "` + long + `"}, {user_id: "` + long + `"}]}]
groups:
  - {key: "` + long + `", community: "` + long + `", name: n, member_lists: ["` + long + `"], type: "` + long + `"}
  - {key: g, community: c, name: "\x1b[2J\x1b[31m", tags: ["a,` + long + `"]}
generators:
  - name: gen
    matrix: {v: [a]}
    group: {key: "{{.` + long + `}}", community: c, name: "{{ ` + long + ` }}"}
`,
	})
	out := loadQuickly(t, "spec.yaml")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, long[:maxExcerpt+1]) {
			t.Errorf("diagnostic quotes more than %d runes: %s", maxExcerpt, line)
		}
		if strings.ContainsAny(line, "\x1b\x00") {
			t.Errorf("diagnostic prints a control character: %q", line)
		}
	}
	if n := strings.Count(out, "S3CR3T"); n < 8 {
		t.Errorf("only %d diagnostics quote the long value; want every kind:\n%s", n, out)
	}
}

// TestLongLists: a list longer than maxBatch is validated item by item,
// with the same diagnostics, at the same places, as a short one.
func TestLongLists(t *testing.T) {
	t.Chdir(t.TempDir())
	const n = 3 * maxBatch
	var groups, members, file strings.Builder
	for i := range n {
		groups.WriteString("  - {key: g" + strconv.Itoa(i) + ", community: c, name: n}\n")
		members.WriteString("      - {user_id: b12f13af-ef5a-4906-b0a0-2995e106200d}\n")
		file.WriteString("- {user_id: b12f13af-ef5a-4906-b0a0-2995e106200d}\n")
	}
	writeFiles(t, map[string]string{
		"spec/a.yaml": "version: 1\ncommunities: [{handle: c, name: C}]\nmember_lists:\n  - name: inline\n    members:\n" +
			members.String() + "      - {user_id: b12f13af-ef5a-4906-b0a0-2995e106200d, colour: red}\n" +
			"  - name: file\n    file: list.yaml\ngroups:\n" + groups.String() + "  - {key: last, community: c, name: n, colour: red}\n",
		"spec/list.yaml":   file.String() + "- {phone: 12.5}\n",
		"spec/orphan.yaml": file.String(), // a list no member list names: skipped
	})
	got := errorLines(t, "spec")
	want := []string{
		`spec/a.yaml:` + strconv.Itoa(6+n) + `:9: member_list/inline: "members[` + strconv.Itoa(n) + `]" takes only one of "phone" or "user_id"`,
		`spec/a.yaml:` + strconv.Itoa(6+n) + `:57: member_list/inline: unknown key "colour"`,
		`spec/a.yaml:` + strconv.Itoa(10+2*n) + `:40: group/c/last: unknown key "colour"`,
		`spec/list.yaml:` + strconv.Itoa(n+1) + `:11: member_list/file: "[` + strconv.Itoa(n) + `].phone" must be a string or an integer, got float: quote phone numbers`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
