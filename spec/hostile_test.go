package spec

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The secret that hostile specs try to print.
const secret = "tok-secret-123-do-not-print"

// loadQuickly loads paths, failing the test if Load takes more than ten
// seconds (a FIFO or a device read without end), and returns the
// diagnostics as printed.
func loadQuickly(t *testing.T, paths ...string) string {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Load(paths)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("Load(%q) succeeded, want an error", paths)
		}
		return err.Error()
	case <-time.After(10 * time.Second):
		t.Fatalf("Load(%q) is still running after 10s", paths)
		return ""
	}
}

// symlink makes link point to target, or skips the test where symlinks
// cannot be made.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
}

// wantLines checks that each want is a substring of a line of got, and
// that got never shows the secret.
func wantLines(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("no diagnostic has %q; got:\n%s", w, got)
		}
	}
	if strings.Contains(got, secret) || strings.Contains(got, secret[:20]) {
		t.Errorf("the secret is printed:\n%s", got)
	}
}

func TestRootsOf(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	writeFiles(t, map[string]string{"a/x/s.yaml": "", "a/y/s.yaml": "", "b/s.yaml": ""})
	symlink(t, filepath.Join(dir, "a", "x"), "link")
	symlink(t, filepath.Join("..", "x", "s.yaml"), filepath.Join("a", "y", "l.yaml"))
	tests := []struct {
		paths []string
		want  []string
	}{
		{[]string{"a/x"}, []string{"a/x"}},
		{[]string{"a/x/s.yaml"}, []string{"a/x"}},
		{[]string{"a/x", "a/y/s.yaml"}, []string{"a/x", "a/y"}},
		{[]string{"a", "a/y/s.yaml"}, []string{"a"}},
		{[]string{"a/x", "b"}, []string{"a/x", "b"}},
		{[]string{"link"}, []string{"a/x"}},
		{[]string{"link/s.yaml", "missing", "a/x/s.yaml"}, []string{"a/x"}},
		{[]string{"missing"}, nil},
		// A symlinked file stands for the directory of the link.
		{[]string{"a/y/l.yaml"}, []string{"a/y"}},
	}
	for _, tt := range tests {
		var want specRoots
		for _, w := range tt.want {
			want = append(want, filepath.Join(dir, w))
		}
		if got := rootsOf(tt.paths); !slices.Equal(got, want) {
			t.Errorf("rootsOf(%q) = %q, want %q", tt.paths, got, want)
		}
	}
	// Two unrelated paths do not make their common ancestor a root.
	if rootsOf([]string{"a/x", "b"}).contains(filepath.Join(dir, "a", "y", "s.yaml")) {
		t.Error("a/y is inside neither a/x nor b")
	}
}

// TestPathsOutsideRoot: files named by a spec must be inside the spec
// root, however they get out of it, and their content is never printed.
func TestPathsOutsideRoot(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, map[string]string{
		"tokfile":        secret + "\n",
		"tok.yaml":       secret + "\n",
		"tok.csv":        secret + "\n",
		"matrix.csv":     secret + "\n",
		"spec/list.yaml": "- user_id: b12f13af-ef5a-4906-b0a0-2995e106200d\n",
		"spec/a.yaml": `version: 1
member_lists:
  - name: up
    csv: ../tokfile
  - name: yaml
    file: ../tok.yaml
  - name: absolute
    csv: ` + filepath.Join(dir, "tok.csv") + `
  - name: through-link
    csv: members/link.csv
  - name: through-dir-link
    csv: dirlink/tok.csv
  - name: missing
    csv: ../missing.csv
  - name: inside
    file: list.yaml
generators:
  - name: matrix
    matrix: {city: {csv: ../matrix.csv}}
    group: {key: "{{.city.x}}", community: c, name: n}
`,
	})
	for link, target := range map[string]string{
		"spec/members/link.csv": filepath.Join("..", "..", "tokfile"),
		"spec/dirlink":          "..",
		"spec/evil.yaml":        filepath.Join("..", "tok.yaml"),
	} {
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		symlink(t, target, link)
	}
	root, err := filepath.EvalSymlinks(filepath.Join(dir, "spec"))
	if err != nil {
		t.Fatal(err)
	}
	outside := "is outside the spec root " + root + ": only files inside the directories given are read"
	got := loadQuickly(t, "spec")
	wantLines(t, got,
		`spec/a.yaml:4:10: member_list/up: path "../tokfile" `+outside,
		`spec/a.yaml:6:11: member_list/yaml: path "../tok.yaml" `+outside,
		`spec/a.yaml:8:10: member_list/absolute: path "`,
		`spec/a.yaml:10:10: member_list/through-link: path "members/link.csv" `+outside,
		`spec/a.yaml:12:10: member_list/through-dir-link: path "dirlink/tok.csv" `+outside,
		`spec/a.yaml:14:10: member_list/missing: path "../missing.csv" `+outside,
		`spec/a.yaml:19:26: generator/matrix: path "../matrix.csv" `+outside,
		"spec/evil.yaml: outside the spec root "+root,
	)
	if strings.Contains(got, "member_list/inside") {
		t.Errorf("a list inside the root is refused:\n%s", got)
	}
}

// TestExplicitSymlink: a file given to Load may be anywhere, but a symlink
// given (as a shell glob such as spec/*.yaml passes one committed there)
// must lead inside the spec roots, like one found below a directory.
func TestExplicitSymlink(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const valid = "version: 1\ncommunities: [{handle: c, name: C}]\n"
	writeFiles(t, map[string]string{
		"out/creds":       "version: " + secret + "\n",
		"spec/real.yaml":  valid,
		"other/more.yaml": "version: 1\ncommunities: [{handle: d, name: D}]\n",
		"other/two.yaml":  "version: 1\ncommunities: [{handle: e, name: E}]\n",
	})
	symlink(t, filepath.Join("..", "out", "creds"), filepath.Join("spec", "creds.yaml"))
	symlink(t, filepath.Join(dir, "out", "creds"), filepath.Join("spec", "abs.yaml"))
	symlink(t, "real.yaml", filepath.Join("spec", "inside.yaml"))
	symlink(t, filepath.Join("..", "other", "more.yaml"), filepath.Join("spec", "other.yaml"))
	root, err := filepath.EvalSymlinks(filepath.Join(dir, "spec"))
	if err != nil {
		t.Fatal(err)
	}
	outside := ": outside the spec root " + root + ": only files inside the directories given are read"
	got := loadQuickly(t, "spec/real.yaml", "spec/creds.yaml", "spec/abs.yaml")
	wantLines(t, got, "spec/creds.yaml"+outside, "spec/abs.yaml"+outside)
	if strings.Contains(got, "spec/real.yaml") {
		t.Errorf("a file given inside the root is refused:\n%s", got)
	}
	// A symlink inside its root, or leading into another root given, is
	// read; so is a regular file given, wherever it is.
	for _, paths := range [][]string{
		{"spec/inside.yaml"},
		{"spec/other.yaml", "other/two.yaml"},
		{"spec/real.yaml", "out/../other/more.yaml"},
		{filepath.Join(dir, "other", "more.yaml")},
	} {
		if _, err := Load(paths); err != nil {
			t.Errorf("Load(%q): %v", paths, err)
		}
	}
	if _, err := Load([]string{"spec/other.yaml"}); err == nil || !strings.Contains(err.Error(), "outside the spec root") {
		t.Errorf("Load(spec/other.yaml) = %v, want it outside the spec root", err)
	}
}

// TestPathsInsideRoot: a file named by a spec may be anywhere below the
// common ancestor of the paths given, through symlinks that stay inside.
func TestPathsInsideRoot(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{
		"lists/staff.csv": "user_id\nb12f13af-ef5a-4906-b0a0-2995e106200d\n",
		"lists/more.yaml": "version: 1\n",
		"spec/a.yaml": `version: 1
communities: [{handle: c, name: C}]
member_lists: [{name: staff, csv: ../lists/staff.csv}, {name: linked, csv: link.csv}]
groups: [{key: g, community: c, name: G, member_lists: [staff, linked]}]
`,
	})
	symlink(t, filepath.Join("..", "lists", "staff.csv"), filepath.Join("spec", "link.csv"))
	if _, err := Load([]string{"spec"}); err == nil || !strings.Contains(err.Error(), "outside the spec root") {
		t.Fatalf("Load(spec) = %v, want lists/ outside the root", err)
	}
	if _, err := Load([]string{"spec", "lists/more.yaml"}); err != nil {
		t.Fatalf("Load(spec, lists/more.yaml), the root above both: %v", err)
	}
	if _, err := Load([]string{"."}); err != nil {
		t.Fatalf("Load(.): %v", err)
	}
}

// TestProcEnviron is the reported exploit: a member list reading the
// process's environment, which holds GENUIN_TOKEN.
func TestProcEnviron(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/self/environ is Linux's")
	}
	t.Setenv("GENUIN_TOKEN", secret)
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{"spec/a.yaml": "version: 1\nmember_lists:\n  - name: staff\n    csv: /proc/self/environ\n"})
	wantLines(t, loadQuickly(t, "spec"), `path "/proc/self/environ" is outside the spec root`)
	// Given on the command line, it is the user's own choice; still, it is
	// read capped and quoted short.
	got := loadQuickly(t, "/proc/self/environ")
	if strings.Contains(got, secret) {
		t.Errorf("the secret is printed:\n%s", got)
	}
}

// TestNotRegularFiles: only regular files are read; a directory or a
// device is refused before it is opened.
func TestNotRegularFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{
		"spec/dir.csv/x": "",
		"spec/a.yaml":    "version: 1\nmember_lists:\n  - name: staff\n    csv: dir.csv\n",
	})
	wantLines(t, loadQuickly(t, "spec"), `spec/a.yaml:4:10: member_list/staff: path "dir.csv" is a directory, not a regular file`)
	if runtime.GOOS == "windows" {
		return
	}
	// A device given, named by a spec whose root holds it, or linked from
	// below a directory given.
	wantLines(t, loadQuickly(t, "/dev/zero"), "/dev/zero: a device, not a regular file")
	writeFiles(t, map[string]string{"dev/a.yaml": "version: 1\nmember_lists:\n  - name: zero\n    csv: /dev/zero\n"})
	wantLines(t, loadQuickly(t, "dev", "/dev/null"), `member_list/zero: path "/dev/zero" is a device, not a regular file`)
	symlink(t, "/dev/zero", filepath.Join("spec", "zero.yaml"))
	wantLines(t, loadQuickly(t, "spec"), "spec/zero.yaml: outside the spec root")
}

// TestFileSizeCap: a file larger than MaxFileSize is refused, whether its
// size says so or it only grows while read (as /dev/zero would).
func TestFileSizeCap(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{
		"spec/a.yaml": "version: 1\nmember_lists:\n  - name: big\n    csv: big.csv\n",
	})
	f, err := os.Create(filepath.Join("spec", "big.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	wantLines(t, loadQuickly(t, "spec"), `member_list/big: path "big.csv" is larger than the 64 MiB limit`)
	// A YAML file below a directory is refused by its size, unread, before
	// anything could tell whether it is a spec file.
	if err := os.Rename(filepath.Join("spec", "big.csv"), filepath.Join("spec", "big.yaml")); err != nil {
		t.Fatal(err)
	}
	wantLines(t, loadQuickly(t, "spec"), "spec/big.yaml: larger than the 64 MiB limit")
}

// TestSymlinkedDirectoryGiven: a directory given to Load that is a
// symlink leading outside the directory holding it (as "-f spec/*" passes
// a committed spec/evil -> ../outside) is no root: a spec cannot name a
// file through it.
func TestSymlinkedDirectoryGiven(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, map[string]string{
		"outside/creds.csv": secret + "\n",
		"spec/a.yaml":       "version: 1\nmember_lists:\n  - name: l\n    csv: evil/creds.csv\n",
	})
	symlink(t, filepath.Join(dir, "outside"), "spec/evil")
	_, err := Load([]string{"spec/a.yaml", "spec/evil"})
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), `path "evil/creds.csv" is outside the spec root`) {
		t.Fatalf("want evil/creds.csv refused unread, got %v", err)
	}
}

// TestSymlinksBesideFiles: a directory is resolved once per Load, but each
// file named in it is checked on its own: a symlink leading out of the
// root is refused beside regular files already read from its directory,
// and one staying inside is read.
func TestSymlinksBesideFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const staff = "user_id\nb12f13af-ef5a-4906-b0a0-2995e106200d\n"
	writeFiles(t, map[string]string{
		"creds.csv":            secret + "\n",
		"spec/lists/a.csv":     staff,
		"spec/lists/z.csv":     staff,
		"spec/lists/sub/b.csv": staff,
		"spec/a.yaml": `version: 1
member_lists:
  - {name: a, csv: lists/a.csv}
  - {name: out, csv: lists/out.csv}
  - {name: in, csv: lists/in.csv}
  - {name: b, csv: lists/sub/b.csv}
  - {name: up, csv: lists/sub/../../lists/z.csv}
  - {name: through, csv: linked/a.csv}
  - {name: link-dir, csv: lists/outdir/creds.csv}
`,
	})
	symlink(t, filepath.Join("..", "..", "creds.csv"), filepath.Join("spec", "lists", "out.csv"))
	symlink(t, "a.csv", filepath.Join("spec", "lists", "in.csv"))
	symlink(t, "lists", filepath.Join("spec", "linked"))
	symlink(t, dir, filepath.Join("spec", "lists", "outdir"))
	got := loadQuickly(t, "spec")
	wantLines(t, got,
		`spec/a.yaml:4:22: member_list/out: path "lists/out.csv" is outside the spec root`,
		`spec/a.yaml:9:27: member_list/link-dir: path "lists/outdir/creds.csv" is outside the spec root`,
	)
	for _, list := range []string{"member_list/a:", "member_list/in:", "member_list/b:", "member_list/up:", "member_list/through:"} {
		if strings.Contains(got, list) {
			t.Errorf("a list inside the root is refused:\n%s", got)
		}
	}
	if n := strings.Count(got, "\n") + 1; n != 2 {
		t.Errorf("%d diagnostics, want 2:\n%s", n, got)
	}
}
