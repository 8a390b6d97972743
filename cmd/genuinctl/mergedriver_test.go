//go:build unix

package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genuin/genuinctl/internal/sandbox"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// gitRepo is a temporary git repository whose genuin.lock merges with the
// genuinctl under test.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	r.git("config", "user.email", "ci@example.com")
	r.git("config", "user.name", "CI")
	// The README's two install lines.
	r.write(".gitattributes", "genuin.lock merge="+mergeDriverName+"\n")
	r.git("config", "merge."+mergeDriverName+".driver", filepath.Join(binDir, "genuinctl")+" lockfile merge %O %A %B")
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	out, err := r.gitErr(args...)
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (r *gitRepo) gitErr(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+r.dir, "GIT_EDITOR=true")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (r *gitRepo) write(name, content string) {
	r.t.Helper()
	path := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// groupFile is a spec file of groups in the sandbox's seeded community.
func groupFile(keys ...string) string {
	var b strings.Builder
	b.WriteString("version: 1\ngroups:\n")
	for i, k := range keys {
		fmt.Fprintf(&b, "  - key: %s\n    community_id: %s\n    name: %q\n    members:\n      - user_id: %s\n", k, runnerCommunity, "Group "+k, crashUsers[i%len(crashUsers)])
	}
	return b.String()
}

// applyAndCommit applies the spec in the repository and commits the
// lockfile, as a CI job does.
func (r *gitRepo) applyAndCommit(endpoint, msg string) {
	r.t.Helper()
	res := cli{dir: r.dir, endpoint: endpoint}.run(r.t, "apply", "-f", "spec", "--auto-approve")
	if res.code != 0 {
		r.t.Fatalf("apply: %s", res)
	}
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

// TestLockfileMergeDriverGit: two branches each add a spec file and apply
// it; git merge, and git rebase, of the two branches merge genuin.lock
// with the driver, and the merged lockfile records both branches' groups:
// the next plan is empty. Two chat_ids for one address are a conflict git
// reports, with the driver's message.
func TestLockfileMergeDriverGit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git and the real binary")
	}
	srv := newSandbox(t, sandbox.Config{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	r := newGitRepo(t)
	r.write("spec/base.yaml", groupFile("base"))
	r.applyAndCommit(hs.URL, "base")
	r.git("branch", "b")
	r.write("spec/a.yaml", groupFile("a1", "a2"))
	r.applyAndCommit(hs.URL, "apply a")
	r.git("checkout", "-q", "b")
	r.write("spec/b.yaml", groupFile("b1"))
	r.applyAndCommit(hs.URL, "apply b")
	r.git("branch", "b-rebase")
	r.git("checkout", "-q", "main")
	r.git("branch", "main-before")

	check := func(how string) {
		t.Helper()
		lf, err := lockfile.Load(filepath.Join(r.dir, "spec", "genuin.lock"))
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		st := lf.State()
		if len(st.Groups) != 4 || st.Serial < 3 {
			t.Errorf("%s: merged lockfile has %v at serial %d", how, st.Addresses(), st.Serial)
		}
		res := cli{dir: r.dir, endpoint: hs.URL}.run(t, "plan", "-f", "spec", "--detailed-exitcode")
		if res.code != 0 {
			t.Errorf("%s: the plan after the merge is not empty: %s", how, res)
		}
	}
	r.git("merge", "-q", "--no-edit", "b")
	check("git merge")

	r.git("checkout", "-q", "b-rebase")
	r.git("rebase", "-q", "main-before")
	check("git rebase")

	// A real conflict: the same address with two chat_ids.
	r.git("checkout", "-q", "-b", "x", "main-before")
	r.write("spec/c.yaml", groupFile("c"))
	r.applyAndCommit(hs.URL, "apply c")
	r.git("checkout", "-q", "-b", "y", "main-before")
	r.write("spec/c.yaml", groupFile("c")+"    chat_id: 0a0a0a0a-0000-4000-8000-000000000001\n")
	r.applyAndCommit(hs.URL, "apply c elsewhere")
	out, err := r.gitErr("merge", "--no-edit", "x")
	if err == nil {
		t.Fatalf("a merge of two chat_ids for one address succeeded:\n%s", out)
	}
	if !strings.Contains(out, "chat_id (two groups for one address)") || !strings.Contains(out, "CONFLICT") {
		t.Errorf("the conflict is not explained:\n%s", out)
	}
}

// TestLockfileMergeExitCodes: the merge command's exit codes.
func TestLockfileMergeExitCodes(t *testing.T) {
	dir := t.TempDir()
	st := lockfile.New("https://api.example")
	data, err := lockfile.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs, empty := filepath.Join(dir, "ours"), filepath.Join(dir, "theirs"), filepath.Join(dir, "base")
	for name, content := range map[string][]byte{ours: data, theirs: data, empty: nil} {
		if err := os.WriteFile(name, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) int {
		return run(append([]string{"lockfile", "merge"}, args...), strings.NewReader(""), &strings.Builder{}, &strings.Builder{}, func(string) string { return "" })
	}
	if code := run(empty, ours, theirs); code != exitOK {
		t.Errorf("merge exited %d", code)
	}
	other := lockfile.New("https://other.example")
	data, _ = lockfile.Marshal(other)
	if err := os.WriteFile(theirs, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run(empty, ours, theirs); code != exitMergeConflict {
		t.Errorf("a conflict exited %d, want %d", code, exitMergeConflict)
	}
	if code := run(empty, ours, filepath.Join(dir, "missing")); code != exitError {
		t.Errorf("a missing file exited %d, want %d", code, exitError)
	}
}
