//go:build unix

package main

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genuin/genuinctl/internal/pgtest"
	"github.com/genuin/genuinctl/internal/sandbox"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// End-to-end tests of the PostgreSQL state (--state postgres://...) that
// the crash harness and TestConcurrentApplyIsLocked (crash_test.go, which
// run with both states) do not cover. Like them, they drive the real
// binary against a sandbox over loopback and the real PostgreSQL server of
// internal/pgtest, each test with a database of its own.

// TestPgKilledHolderReleasesLock kills an apply holding the state's lock
// with SIGKILL, in the middle of its work: the next apply, waiting with
// --lock-timeout, gets the lock as soon as the server has ended the killed
// process's session, with no stale lock to clear by hand, and converges.
// The platform holds every group once, and the state pulled afterwards
// records each with the chat_id the platform has: nothing the killed run
// learnt is lost.
func TestPgKilledHolderReleasesLock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary against a slow sandbox")
	}
	dir := t.TempDir()
	groups := crashSpec(30)
	for i := range groups {
		groups[i].phone = "" // one create per group
	}
	specDir, _ := writeCrashSpec(t, dir, groups)
	state := newStateRef(t, statePostgres, specDir, "killed")
	// 30 creates two at a time, 200 ms each: three seconds of work, with
	// results recorded from the first half second on.
	srv := newSandbox(t, sandbox.Config{Faults: sandbox.Faults{Latency: 200 * time.Millisecond}})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := cli{dir: dir, endpoint: hs.URL, env: state.env()}
	apply := append([]string{"apply", "-f", specDir, "--auto-approve", "--parallelism", "2"}, state.args()...)

	first := c.start(t, apply...)
	state.waitForPgHolder(t, first.cmd.Process.Pid, 30*time.Second)
	recorded := 0
	for deadline := time.Now().Add(30 * time.Second); recorded < 3 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		// Another process reads the state meanwhile, without the lock.
		if lf, err := state.load(t, c); err == nil && lf.State() != nil {
			recorded = createdGroups(lf.State())
		}
	}
	if recorded < 3 {
		t.Fatalf("the first apply recorded %d groups within 30s, want 3", recorded)
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := first.wait(t)
	if !killed.killed {
		t.Fatalf("the first apply ended before its kill: %s", killed)
	}
	t.Logf("killed the holder (pid %d) after %s, with %d groups recorded", killed.pid, killed.took.Round(time.Millisecond), recorded)

	second := c.start(t, append(apply, "--lock-timeout", "30s")...)
	holder := state.waitForPgHolder(t, second.cmd.Process.Pid, 30*time.Second)
	gotLock := time.Since(second.start)
	t.Logf("the next apply (pid %d) held the lock %s after it started (holder: %s)", holder.PID, gotLock.Round(time.Millisecond), holder)
	// Generous: it is the time to start, connect and find the lock free,
	// plus however long the server takes to end a dead client's session.
	if gotLock > 20*time.Second {
		t.Errorf("the next apply took %s to get the lock of a killed holder", gotLock)
	}
	r := second.wait(t)
	if r.code != exitOK {
		t.Fatalf("the next apply: %s", r)
	}
	t.Logf("the next apply converged in %s", r.took.Round(time.Millisecond))
	if r := c.run(t, append([]string{"plan", "-f", specDir, "--detailed-exitcode"}, state.args()...)...); r.code != exitOK {
		t.Errorf("plan after the next apply: %s", r)
	}
	state.checkNoJournal(t, c)

	byName := map[string][]sandbox.Group{}
	for _, g := range srv.Snapshot().Groups {
		byName[g.Name] = append(byName[g.Name], g)
	}
	st := state.mustLoad(t, c).State()
	for _, want := range groups {
		found := byName[want.name]
		if len(found) != 1 {
			t.Errorf("group %q exists %d times on the server, want once", want.name, len(found))
			continue
		}
		addr := spec.GroupAddress(crashHandle, want.key)
		switch rec := st.Groups[addr]; {
		case rec == nil:
			t.Errorf("the state does not record %s (chat_id %s on the server)", addr, found[0].ChatID)
		case rec.Status != lockfile.StatusCreated || rec.ChatID != found[0].ChatID:
			t.Errorf("the state records %s as %s with chat_id %s; the server has chat_id %s", addr, rec.Status, rec.ChatID, found[0].ChatID)
		}
	}
	if len(st.Groups) != len(groups) {
		t.Errorf("the state records %d groups, want %d", len(st.Groups), len(groups))
	}
}

// createdGroups counts the groups a state records as created.
func createdGroups(st *lockfile.State) int {
	n := 0
	for _, g := range st.Groups {
		if g.Status == lockfile.StatusCreated {
			n++
		}
	}
	return n
}

// TestPgPasswordNeverShown checks that the database's password never
// reaches the output: a wrong PGPASSWORD fails naming the state but not
// the password, a --state URL carrying one is refused without echoing it,
// and one in GENUIN_STATE (the environment, where it is allowed) works
// without ever being printed.
func TestPgPasswordNeverShown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary")
	}
	pg := pgtest.Require(t)
	dir := t.TempDir()
	groups := crashSpec(3)
	specDir, _ := writeCrashSpec(t, dir, groups)
	stateURL := pg.NewDatabase(t) + "&project=secrets"
	u, err := url.Parse(stateURL)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(newSandbox(t, sandbox.Config{}))
	t.Cleanup(hs.Close)
	plan := []string{"plan", "-f", specDir}
	apply := []string{"apply", "-f", specDir, "--auto-approve"}
	pulled := filepath.Join(dir, "pulled.lock")
	pull := []string{"state", "pull", pulled}
	with := func(args []string, more ...string) []string { return append(append([]string(nil), args...), more...) }

	// noSecret fails if a run printed secret, as given or URL-escaped.
	noSecret := func(t *testing.T, what string, r result, secret string) {
		t.Helper()
		for _, s := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
				t.Errorf("%s printed the password %q: %s", what, secret, r)
			}
		}
	}

	t.Run("wrong PGPASSWORD", func(t *testing.T) {
		const wrong = "wrong-Pa55word-xyz"
		c := cli{dir: dir, endpoint: hs.URL, env: []string{"PGPASSWORD=" + wrong}}
		// How messages name the state: the URL without a password, with
		// its project.
		name := "postgres://" + u.User.Username() + "@" + u.Host + u.Path
		for _, args := range [][]string{with(plan, "--state", stateURL), with(apply, "--state", stateURL)} {
			r := c.run(t, args...)
			if r.code != exitError || !strings.Contains(r.stderr, "authentication failed") ||
				!strings.Contains(r.stderr, name) || !strings.Contains(r.stderr, "project=secrets") {
				t.Errorf("genuinctl %s: want exit %d and an authentication error naming %s (project secrets), got %s", args[0], exitError, name, r)
			}
			noSecret(t, "genuinctl "+args[0], r, wrong)
			t.Logf("genuinctl %s: %s", args[0], strings.TrimSpace(r.stderr))
		}
	})

	t.Run("password in --state", func(t *testing.T) {
		const secret = "Secret-in-url-123"
		withPassword := *u
		withPassword.User = url.UserPassword(u.User.Username(), secret)
		secretURL := withPassword.String()
		// The right password in PGPASSWORD: the refusal is not the
		// server's.
		c := cli{dir: dir, endpoint: hs.URL, env: pg.Env()}
		for _, args := range [][]string{
			with(plan, "--state", secretURL),
			with(apply, "--state="+secretURL),
			with(pull, "--state", secretURL),
		} {
			r := c.run(t, args...)
			if r.code != exitError || !strings.Contains(r.stderr, "--state carries a password") {
				t.Errorf("genuinctl %s: want exit %d refusing the password, got %s", args[0], exitError, r)
			}
			noSecret(t, "genuinctl "+args[0], r, secret)
		}
		if _, err := os.Stat(pulled); err == nil {
			t.Errorf("state pull wrote %s despite refusing its --state", pulled)
		}
	})

	t.Run("password in GENUIN_STATE", func(t *testing.T) {
		withPassword := *u
		withPassword.User = url.UserPassword(u.User.Username(), pg.Password)
		// No PGPASSWORD: the URL's is the only one.
		c := cli{dir: dir, endpoint: hs.URL, env: []string{"GENUIN_STATE=" + withPassword.String(), "PGPASSWORD="}}
		for _, args := range [][]string{plan, apply, with(plan, "--detailed-exitcode"), {"state", "list"}, pull} {
			r := c.run(t, args...)
			if r.code != exitOK {
				t.Errorf("genuinctl %s with the state's password in GENUIN_STATE: %s", strings.Join(args, " "), r)
			}
			noSecret(t, "genuinctl "+strings.Join(args, " "), r, pg.Password)
		}
		data, err := os.ReadFile(pulled)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), pg.Password) {
			t.Errorf("the pulled lockfile holds the database's password")
		}
	})
}
