//go:build unix

package main

import (
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genuin/genuinctl/internal/sandbox"
	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// runnerCommunity is the sandbox's seeded community: groups in it need no
// community create, which a second runner could not confirm (see README,
// "Many runners").
const runnerCommunity = "f2a05adb-93ce-4a19-b003-3523fa745667"

// writeRunnerSpec writes n groups in the seeded community (three users
// each, a phone on every third) to dir/spec, and returns the groups.
func writeRunnerSpec(t *testing.T, dir string, n int) []crashGroup {
	t.Helper()
	groups := crashSpec(n)
	var b strings.Builder
	b.WriteString("version: 1\ngroups:\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "  - key: %s\n    community_id: %s\n    name: %q\n    members:\n", g.key, runnerCommunity, g.name)
		for _, u := range g.users {
			fmt.Fprintf(&b, "      - user_id: %s\n", u)
		}
		if g.phone != "" {
			fmt.Fprintf(&b, "      - phone: %q\n", g.phone)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "spec"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "spec", "groups.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return groups
}

// convergeRunner re-runs apply in a checkout until it exits 0, as CI
// re-runs a failed job.
func convergeRunner(t *testing.T, c cli) {
	t.Helper()
	for range 10 {
		r := c.run(t, "apply", "-f", "spec", "--auto-approve", "--parallelism", "8")
		if r.code == 0 {
			return
		}
		if r.code != exitPartial && r.code != exitInterrupted {
			t.Fatalf("apply in %s: %s", c.dir, r)
		}
	}
	t.Fatalf("apply in %s did not converge", c.dir)
}

// checkOnePerAddress checks the sandbox's own state: one group per spec
// group (by name, so that a duplicate under another chat_id is seen), with
// the chat_id derived from lineage and its address, and every member.
func checkOnePerAddress(t *testing.T, srv *sandbox.Server, groups []crashGroup, lineage string) (duplicates int) {
	t.Helper()
	snap := srv.Snapshot()
	byName := map[string][]*sandbox.Group{}
	for i := range snap.Groups {
		g := &snap.Groups[i]
		byName[g.Name] = append(byName[g.Name], g)
	}
	for _, want := range groups {
		got := byName[want.name]
		if len(got) != 1 {
			duplicates += max(len(got)-1, 0)
			t.Errorf("%s: %d groups on the platform, want exactly 1", want.key, len(got))
			continue
		}
		g := got[0]
		if id := reconcile.DerivedChatID(lineage, "group/"+runnerCommunity+"/"+want.key, runnerCommunity, want.name); g.ChatID != id {
			t.Errorf("%s: chat_id %s, want the derived %s", want.key, g.ChatID, id)
		}
		for _, u := range want.users {
			if !hasMember(g, func(m sandbox.Member) bool { return m.UserID == u }) {
				t.Errorf("%s: user %s missing", want.key, u)
			}
		}
		if want.phone != "" && !hasMember(g, func(m sandbox.Member) bool { return m.Phone == want.phone }) {
			t.Errorf("%s: phone member missing", want.key)
		}
	}
	return duplicates
}

func hasMember(g *sandbox.Group, match func(sandbox.Member) bool) bool {
	for _, m := range g.Members {
		if match(m) {
			return true
		}
	}
	return false
}

// TestManyRunnersExactlyOnce runs two applies of one spec at the same
// time, from two checkouts (separate directories, separate lockfiles, no
// shared lock) against one sandbox, in both duplicate-chat_id modes; in
// the later trials one of them (chosen at random) is killed with SIGKILL
// at a random moment and re-run, as CI re-runs a job. The platform must
// hold exactly one group per address, with every member: both runners
// derive each group's chat_id from the lineage a lockfile of the endpoint
// starts with, so the second create is confirmed, not duplicated. The two
// lockfiles then merge without a conflict.
func TestManyRunnersExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary many times")
	}
	const n, trials = 24, 4
	rng := rand.New(rand.NewPCG(20261124, 11))
	for _, mode := range []sandbox.DuplicateMode{sandbox.DuplicateIdempotent, sandbox.DuplicateError} {
		t.Run(mode.String(), func(t *testing.T) {
			duplicates, kills, repeated := 0, 0, 0
			for trial := range trials {
				srv := newSandbox(t, sandbox.Config{DuplicateChatID: mode})
				hs := httptest.NewServer(srv)
				root := t.TempDir()
				runners := []cli{{dir: filepath.Join(root, "a"), endpoint: hs.URL}, {dir: filepath.Join(root, "b"), endpoint: hs.URL}}
				var groups []crashGroup
				for _, c := range runners {
					groups = writeRunnerSpec(t, c.dir, n)
				}
				victim := -1
				if trial > 0 { // the first trial runs both to the end
					victim = rng.IntN(2)
					kills++
				}
				procs := make([]*process, 2)
				for i, c := range runners {
					procs[i] = c.start(t, "apply", "-f", "spec", "--auto-approve", "--parallelism", "8")
				}
				if victim >= 0 {
					time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
					_ = procs[victim].cmd.Process.Kill()
				}
				for i, p := range procs {
					r := p.wait(t)
					if !r.killed && r.code != 0 && r.code != exitPartial {
						t.Fatalf("runner %d: %s", i, r)
					}
				}
				for _, c := range runners {
					convergeRunner(t, c)
				}
				lineage := lockfile.LineageFor(hs.URL)
				duplicates += checkOnePerAddress(t, srv, groups, lineage)
				// Creates beyond one per group are the second runner's,
				// each confirmed as the first's group.
				repeated += srv.Snapshot().Counters["group_create"].Requests - n
				var states []*lockfile.State
				for _, c := range runners {
					lf, err := lockfile.Load(filepath.Join(c.dir, "spec", "genuin.lock"))
					if err != nil {
						t.Fatal(err)
					}
					states = append(states, lf.State())
				}
				if _, err := lockfile.Merge(nil, states[0], states[1]); err != nil {
					t.Errorf("the two runners' lockfiles do not merge: %v", err)
				}
				hs.Close()
			}
			t.Logf("mode %s: %d trials of 2 concurrent runners × %d groups, %d with a kill -9: %d creates sent again for a group that existed, %d duplicate groups", mode, trials, n, kills, repeated, duplicates)
			if repeated == 0 {
				t.Error("no create was repeated: the runners did not overlap, and the test proves nothing")
			}
		})
	}
}

// TestManyRunnersLostLockfileUpdate: a job applied new groups and died
// before committing its lockfile back; the next job plans from the older
// lockfile and applies the same spec. The chat_ids come from the older
// lockfile's lineage, the same the lost run used: each group the lost run
// created is confirmed, not created again.
func TestManyRunnersLostLockfileUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary")
	}
	for _, mode := range []sandbox.DuplicateMode{sandbox.DuplicateIdempotent, sandbox.DuplicateError} {
		t.Run(mode.String(), func(t *testing.T) {
			srv := newSandbox(t, sandbox.Config{DuplicateChatID: mode})
			hs := httptest.NewServer(srv)
			defer hs.Close()
			first := cli{dir: filepath.Join(t.TempDir(), "first"), endpoint: hs.URL}
			writeRunnerSpec(t, first.dir, 4)
			convergeRunner(t, first)
			committed, err := os.ReadFile(filepath.Join(first.dir, "spec", "genuin.lock"))
			if err != nil {
				t.Fatal(err)
			}
			// The lost run: more groups, then its lockfile is gone.
			groups := writeRunnerSpec(t, first.dir, 12)
			convergeRunner(t, first)
			next := cli{dir: filepath.Join(t.TempDir(), "next"), endpoint: hs.URL}
			writeRunnerSpec(t, next.dir, 12)
			if err := os.WriteFile(filepath.Join(next.dir, "spec", "genuin.lock"), committed, 0o644); err != nil {
				t.Fatal(err)
			}
			r := next.run(t, "plan", "-f", "spec")
			if !strings.Contains(r.stdout, "8 objects to create") {
				t.Fatalf("the next job plans from the older lockfile: %s", r)
			}
			convergeRunner(t, next)
			if d := checkOnePerAddress(t, srv, groups, lockfile.LineageFor(hs.URL)); d != 0 {
				t.Errorf("%d duplicates", d)
			}
			// Both lockfiles name every group alike, and merge.
			a, err := lockfile.Load(filepath.Join(first.dir, "spec", "genuin.lock"))
			if err != nil {
				t.Fatal(err)
			}
			b, err := lockfile.Load(filepath.Join(next.dir, "spec", "genuin.lock"))
			if err != nil {
				t.Fatal(err)
			}
			base, err := lockfile.Parse("committed", committed)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lockfile.Merge(base, a.State(), b.State()); err != nil {
				t.Errorf("merge: %v", err)
			}
		})
	}
}
