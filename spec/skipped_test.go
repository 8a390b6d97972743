package spec

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSkipped: below a directory, hidden files and directories and
// testdata directories are left out, and a YAML file is read only if it is
// a spec file; every file skipped is returned, never dropped in silence,
// and a spec file with mistakes is never skipped.
func TestSkipped(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{
		"repo/spec.yaml": "version: 1\ncommunities: [{handle: c, name: C}]\n",
		"repo/groups.yml": "# yaml-language-server: $schema=spec.schema.json\n" +
			"version: 1\ngroups: [{key: g, community: c, name: G}]\n",
		// Other tools' files.
		"repo/mkdocs.yml":                      "site_name: Docs\nnav: [{Home: index.md}]\n",
		"repo/docker-compose.yml":              "version: '3.8'\nservices: {db: {image: postgres}}\n",
		"repo/Chart.yaml":                      "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"repo/deploy/manifests.yaml":           "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Secret\n",
		"repo/deploy/templates/configmap.yaml": "{{- if .Values.enabled }}\nkind: ConfigMap\n{{- end }}\n",
		"repo/ansible/playbook.yml":            "- hosts: all\n  tasks: []\n",
		"repo/anchors.yaml":                    "base: &b {a: 1}\nderived: *b\n",
		"repo/scalar.yaml":                     "just text\n",
		"repo/blank.yaml":                      "# nothing yet\n",
		"repo/members/orphan.yaml":             "- user_id: b12f13af-ef5a-4906-b0a0-2995e106200d\n",
		// Left out by name, whatever they hold.
		"repo/.pre-commit-config.yaml":      "repos: []\n",
		"repo/.github/workflows/ci.yaml":    "on: push\njobs: {}\n",
		"repo/.hidden/spec.yaml":            "version: 1\ncommunities: [{handle: c, name: C}]\n",
		"repo/testdata/bad.yaml":            "version: 1\ngroups: [{nmae: x}]\n",
		"repo/sub/testdata/deeper/bad.yaml": "version: 2\n",
	})
	d, err := Load([]string{"repo"})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.GroupAddresses(); !reflect.DeepEqual(got, []string{"group/c/g"}) {
		t.Errorf("groups = %q", got)
	}
	in := func(p string) string { return filepath.Join("repo", filepath.FromSlash(p)) }
	want := []Skipped{
		{in("Chart.yaml"), "no spec key"},
		{in("anchors.yaml"), "no spec key"},
		{in("ansible/playbook.yml"), "a list no member list names"},
		{in("blank.yaml"), "empty"},
		{in("deploy/manifests.yaml"), "no spec key"},
		{in("deploy/templates/configmap.yaml"), "not YAML"},
		{in("docker-compose.yml"), "no spec key"},
		{in("members/orphan.yaml"), "a list no member list names"},
		{in("mkdocs.yml"), "no spec key"},
		{in("scalar.yaml"), "not a mapping"},
		{in("sub/testdata"), "testdata"},
		{in("testdata"), "testdata"},
	}
	if !reflect.DeepEqual(d.Skipped, want) {
		t.Errorf("skipped =\n%v\nwant\n%v", d.Skipped, want)
	}
	notes := SkippedNotes(d.Skipped)
	wantNotes := []string{
		"skipped 10 YAML files that are not spec files: " + in("Chart.yaml") + " (no spec key), " +
			in("anchors.yaml") + " (no spec key), " + in("ansible/playbook.yml") + " (a list no member list names) and 7 more; " +
			`a spec file has "version: 1" or a communities, groups, member_lists or generators key at its top level`,
		"skipped 2 testdata directories (test fixtures, by Go's convention): " + in("sub/testdata") + ", " + in("testdata"),
	}
	if !reflect.DeepEqual(notes, wantNotes) {
		t.Errorf("notes =\n%s\nwant\n%s", strings.Join(notes, "\n"), strings.Join(wantNotes, "\n"))
	}
	// One of each is worded in the singular.
	notes = SkippedNotes([]Skipped{{in("mkdocs.yml"), "no spec key"}, {in("testdata"), "testdata"}})
	wantNotes = []string{
		"skipped 1 YAML file that is not a spec file: " + in("mkdocs.yml") + " (no spec key); " +
			`a spec file has "version: 1" or a communities, groups, member_lists or generators key at its top level`,
		"skipped 1 testdata directory (test fixtures, by Go's convention): " + in("testdata"),
	}
	if !reflect.DeepEqual(notes, wantNotes) {
		t.Errorf("notes =\n%s\nwant\n%s", strings.Join(notes, "\n"), strings.Join(wantNotes, "\n"))
	}

	// A path given is read whatever its name or content.
	for _, p := range []string{"repo/testdata", "repo/.hidden", "repo/.hidden/spec.yaml"} {
		if _, err := Load([]string{p}); err == nil && p == "repo/testdata" {
			t.Errorf("Load(%s) succeeded, want its spec's errors", p)
		} else if err != nil && p != "repo/testdata" {
			t.Errorf("Load(%s): %v", p, err)
		}
	}
	if got := errorLines(t, "repo/mkdocs.yml"); !reflect.DeepEqual(got, []string{`repo/mkdocs.yml:1:1: missing required key "version"`,
		`repo/mkdocs.yml:1:1: unknown key "site_name"`, `repo/mkdocs.yml:2:1: unknown key "nav"`}) {
		t.Errorf("mkdocs.yml given: %q", got)
	}
	// A file given that is also below a directory given is a file given.
	if _, err := Load([]string{"repo", "repo/scalar.yaml"}); err == nil {
		t.Error("Load(repo, repo/scalar.yaml) succeeded, want scalar.yaml's error")
	}
	if _, err := Load([]string{"repo", "repo/members/orphan.yaml"}); err == nil {
		t.Error("Load(repo, repo/members/orphan.yaml) succeeded, want orphan.yaml's error")
	}
}

// TestSkippedNever: a file with a spec's key is a spec file, however wrong
// the rest of it, and a directory holding no spec file is an error that
// names what it skipped.
func TestSkippedNever(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"typo in a section", "version: 1\ngroup: []\n",
			[]string{`a.yaml:2:1: unknown key "group" (did you mean "groups"?)`}},
		{"no version", "communities: [{handle: c, name: C}]\n",
			[]string{`a.yaml:1:1: missing required key "version"`}},
		{"quoted version", "version: \"1\"\n",
			[]string{`a.yaml:1:10: "version" must be 1, got 1`}},
		{"wrong version with a section", "version: 2\nmember_lists: []\n",
			[]string{`a.yaml:1:10: "version" must be 1, got 2`}},
		{"not YAML, version line", "version: 1\ngroups: [\n",
			[]string{"a.yaml:2: invalid YAML: did not find expected node content"}},
		{"not YAML, section line", "generators:\n  - name: [x\n",
			[]string{"a.yaml:1: invalid YAML: did not find expected ',' or ']'"}},
		{"second document", "version: 1\n---\nversion: 1\n",
			[]string{"a.yaml:2:1: a file holds a single YAML document; split it into files instead of using ---"}},
		{"only other tools' files", "site_name: Docs\n",
			[]string{`.: no spec file found: skipped 1 YAML file: a.yaml (no spec key); a spec file has "version: 1" or a communities, groups, member_lists or generators key at its top level`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			writeFiles(t, map[string]string{"a.yaml": tt.file})
			if got := errorLines(t, "."); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
