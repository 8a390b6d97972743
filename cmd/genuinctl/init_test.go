package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestScaffoldMatchesExample: examples/gitops/.github holds exactly the
// workflows and scripts init writes, byte for byte.
func TestScaffoldMatchesExample(t *testing.T) {
	example := filepath.Join("..", "..", "examples", "gitops", ".github")
	embedded := map[string][]byte{}
	err := fs.WalkDir(scaffold, "scaffold/.github", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := scaffold.ReadFile(path)
		embedded[strings.TrimPrefix(path, "scaffold/.github/")] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	onDisk := map[string][]byte{}
	err = filepath.WalkDir(example, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(example, path)
		onDisk[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range embedded {
		got, ok := onDisk[name]
		switch {
		case !ok:
			t.Errorf("examples/gitops/.github/%s is missing: copy cmd/genuinctl/scaffold/.github/%[1]s there", name)
		case !bytes.Equal(got, want):
			t.Errorf("examples/gitops/.github/%s differs from cmd/genuinctl/scaffold/.github/%[1]s, which init writes: make them the same", name)
		}
	}
	for name := range onDisk {
		if _, ok := embedded[name]; !ok {
			t.Errorf("examples/gitops/.github/%s is not in cmd/genuinctl/scaffold/.github: init would not write it", name)
		}
	}
}

// TestScaffoldFilesListed: init writes every file of scaffold/, and lists
// only those.
func TestScaffoldFilesListed(t *testing.T) {
	var embedded, listed []string
	err := fs.WalkDir(scaffold, "scaffold", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			embedded = append(embedded, strings.TrimPrefix(path, "scaffold/"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range scaffoldFiles {
		listed = append(listed, f.path)
		if wantExec := strings.HasSuffix(f.path, ".sh"); wantExec != (f.mode&0o111 != 0) {
			t.Errorf("%s has mode %v", f.path, f.mode)
		}
	}
	slices.Sort(embedded)
	slices.Sort(listed)
	if !slices.Equal(embedded, listed) {
		t.Errorf("scaffold/ holds %q, scaffoldFiles lists %q", embedded, listed)
	}
}

// TestScaffoldVersion: a release build names its own version where the
// scaffold names scaffoldVersion (the install and the schema URL); any
// other build keeps scaffoldVersion.
func TestScaffoldVersion(t *testing.T) {
	for v, want := range map[string]string{
		"v1.2.3":                               "v1.2.3",
		"(devel)":                              scaffoldVersion,
		"v1.2.4-0.20250101000000-0123456789ab": scaffoldVersion,
		"v1.2.3+dirty":                         scaffoldVersion,
		"v1.3.0-rc.1":                          scaffoldVersion,
	} {
		if got, release := releaseVersion(v); got != want || release != (got == v) {
			t.Errorf("releaseVersion(%q) = %q, %v; want %q", v, got, release, want)
		}
	}
	wantNamed := map[string]string{
		"genuin.yaml":                           "$schema=https://raw.githubusercontent.com/genuin/genuinctl/v9.8.7/schema/spec.schema.json",
		".github/workflows/genuinctl-plan.yml":  "GENUINCTL_VERSION: v9.8.7\n",
		".github/workflows/genuinctl-apply.yml": "GENUINCTL_VERSION: v9.8.7\n",
	}
	for _, f := range scaffoldFiles {
		data, err := scaffoldContent(f.path, "v9.8.7")
		if err != nil {
			t.Fatal(err)
		}
		named := wantNamed[f.path]
		if n := strings.Count(string(data), "v9.8.7"); named == "" && n != 0 || named != "" && (n != 1 || !strings.Contains(string(data), named)) {
			t.Errorf("%s names the version %d times; want %q", f.path, n, named)
		}
	}
}

// TestScaffoldWorkflowsSafe: the plan workflow, which runs the code of
// pull requests from strangers, uses no secret and no pull_request_target;
// the apply workflow serialises applies and commits without looping.
func TestScaffoldWorkflowsSafe(t *testing.T) {
	read := func(path string) string {
		data, err := scaffold.ReadFile("scaffold/" + path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	plan := read(".github/workflows/genuinctl-plan.yml")
	for _, bad := range []string{"secrets.", "pull_request_target", "GENUIN_TOKEN"} {
		if strings.Contains(plan, bad) {
			t.Errorf("the plan workflow contains %q", bad)
		}
	}
	apply := read(".github/workflows/genuinctl-apply.yml")
	for _, want := range []string{"group: genuinctl-apply\n  cancel-in-progress: false\n", "GENUIN_TOKEN: ${{ secrets.GENUIN_TOKEN }}", "--auto-approve"} {
		if !strings.Contains(apply, want) {
			t.Errorf("the apply workflow lacks %q", want)
		}
	}
	// The merge driver as lockfile merge --help and init's .gitattributes
	// name it.
	commit := read(".github/scripts/genuinctl-commit-lockfile.sh")
	for _, want := range []string{
		`git config merge.` + mergeDriverName + `.driver "genuinctl lockfile merge %O %A %B"`,
		"'genuin.lock merge=" + mergeDriverName + "'",
		"[skip ci]",
	} {
		if !strings.Contains(commit, want) {
			t.Errorf("the commit script lacks %q", want)
		}
	}
}

// TestGitFileStep: init adds the lines git's files lack at their end, on a
// line of their own, and leaves the rest as it was.
func TestGitFileStep(t *testing.T) {
	f := gitFile{path: ".gitignore", lines: []string{"a.lck", "a.journal"}}
	for _, tt := range []struct {
		have, want string
		action     initAction
		added      int
	}{
		{"", "a.lck\na.journal\n", initAppend, 2},
		{"node_modules", "node_modules\na.lck\na.journal\n", initAppend, 2},
		{"a.journal\r\n", "a.journal\r\na.lck\n", initAppend, 1},
		{"  a.lck \na.journal\n", "  a.lck \na.journal\n", initUnchanged, 0},
	} {
		s := gitFileStep(f, []byte(tt.have))
		if string(s.content) != tt.want || s.action != tt.action || s.added != tt.added {
			t.Errorf("from %q: %q, action %d, %d added; want %q, %d, %d", tt.have, s.content, s.action, s.added, tt.want, tt.action, tt.added)
		}
	}
}
