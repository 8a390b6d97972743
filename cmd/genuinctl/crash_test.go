//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/genuin/genuinctl/internal/pgtest"
	"github.com/genuin/genuinctl/internal/sandbox"
	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// The crash harness: the proof that an apply killed at any moment, against
// an API that drops answers and fails requests, converges on a re-run with
// every object created exactly once and every result the platform holds
// known to the lockfile. Sizes come from the environment so that a person
// can run it big:
//
//	GENUINCTL_CRASH_GROUPS=500 GENUINCTL_CRASH_KILLS=100 go test ./cmd/genuinctl -run Crash -v -timeout 1h
//
// It runs once for each state of GENUINCTL_CRASH_STATE, a comma-separated
// list of "file" (genuin.lock beside the spec) and "postgres" (a project in
// a database of its own on the test PostgreSQL server of internal/pgtest,
// given to every run as --state URL with PGPASSWORD in its environment;
// skipped where there is no server, a failure under CI=true); unset, both.
// The harness reads a lockfile directly, and a PostgreSQL state as a user
// would: "genuinctl state pull" of it into a file, checked the same way.
//
// For each state it runs once for each N of GENUINCTL_CRASH_PARALLELISM, a
// comma-separated list, passing --parallelism N to every apply ("default"
// passes no flag: the binary's default). Unset, it is "1,32" for the file
// state, so the default run kills both a sequential apply and one with 32
// requests in flight, and "32" only for the PostgreSQL state, to keep CI
// time down: 32 in flight is what exercises the database's group commit
// under kills, and a sequential apply adds little there that the file
// state does not cover. GENUINCTL_CRASH_GROUPS defaults to 40, or four
// creates per worker when that is more (128 at 32: each killed run has a
// full first wave of requests in flight):
//
//	GENUINCTL_CRASH_PARALLELISM=default GENUINCTL_CRASH_GROUPS=1000 GENUINCTL_CRASH_KILLS=150 go test ./cmd/genuinctl -run Crash -v -timeout 1h
//	GENUINCTL_CRASH_STATE=postgres GENUINCTL_CRASH_PARALLELISM=32 GENUINCTL_CRASH_GROUPS=1000 GENUINCTL_CRASH_KILLS=150 go test ./cmd/genuinctl -run Crash -v -timeout 1h
//
// Kill points alternate: at a random moment (startup, planning, between
// requests, while the journal is written) and right after the sandbox
// served a random one of the next requests, with the requests in flight
// cut off wherever they are. The second kind exists because startup does
// not shrink with parallelism while the work does: at 32 in flight a
// random moment mostly falls before the first request.

const (
	crashHandle = "crash-test"
	// crashSeed fixes the kill points and the sandbox's faults: the n-th
	// request the sandbox admits always draws the same fault, so only a
	// sequential apply meets the same faults on the same requests every
	// time; in parallel, arrival order varies from run to run.
	crashSeed = 20261123
	// crashRunTimeout bounds any single genuinctl run.
	crashRunTimeout = 10 * time.Minute
	// crashMaxFinalRuns bounds the un-killed runs that must converge.
	crashMaxFinalRuns = 30
	// crashCallsPerKill bounds how many calls' time a run may live before
	// its kill: small, so that each kill point falls inside real work.
	// A call's time is the wall time per call at the apply's throughput,
	// about a W-th of a request's latency with W in flight: a run makes
	// about as much progress before its kill whatever its parallelism, so
	// kill points spread over the whole work, not only its first runs.
	crashCallsPerKill = 20
	// crashParallelismEnv lists the --parallelism values to run.
	crashParallelismEnv = "GENUINCTL_CRASH_PARALLELISM"
	// crashStateEnv lists the states to run with.
	crashStateEnv = "GENUINCTL_CRASH_STATE"
)

// crashUsers are seeded, non-avatar users other than the brand system user
// (who owns every group and so cannot be added as a member).
var crashUsers = []string{
	"b12f13af-ef5a-4906-b0a0-2995e106200d",
	"abcd1234-5678-90ef-1112-234567890111",
	"345e1234-5678-90ef-2345-678912341234",
	"11111111-1111-4111-8111-111111111111",
	"22222222-2222-4222-8222-222222222222",
	"33333333-3333-4333-8333-333333333333",
	"44444444-4444-4444-8444-444444444444",
	"55555555-5555-4555-8555-555555555555",
}

// crashGroup is one group of the generated spec.
type crashGroup struct {
	key, name string
	users     []string
	phone     string // "" for a group without a phone member
}

// crashSpec generates n groups in one community: three seeded users each,
// and a phone member (a new avatar user) on every third group.
func crashSpec(n int) []crashGroup {
	groups := make([]crashGroup, n)
	for i := range groups {
		g := crashGroup{key: fmt.Sprintf("g%05d", i), name: fmt.Sprintf("Crash group %05d", i)}
		for _, off := range []int{0, 3, 5} {
			g.users = append(g.users, crashUsers[(i+off)%len(crashUsers)])
		}
		if i%3 == 0 {
			g.phone = fmt.Sprintf("9199%08d", i)
		}
		groups[i] = g
	}
	return groups
}

// writeCrashSpec writes the community and the groups as two files of one
// spec directory and returns the directory and the community file.
func writeCrashSpec(t *testing.T, dir string, groups []crashGroup) (specDir, communityFile string) {
	t.Helper()
	specDir = filepath.Join(dir, "spec")
	if err := os.MkdirAll(specDir, 0o755); err != nil {
		t.Fatal(err)
	}
	communityFile = filepath.Join(specDir, "community.yaml")
	community := "version: 1\ncommunities:\n  - handle: " + crashHandle + "\n    name: Crash Test\n"
	var b strings.Builder
	b.WriteString("version: 1\ngroups:\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "  - key: %s\n    community: %s\n    name: %q\n    members:\n", g.key, crashHandle, g.name)
		for _, u := range g.users {
			fmt.Fprintf(&b, "      - user_id: %s\n", u)
		}
		if g.phone != "" {
			fmt.Fprintf(&b, "      - phone: %q\n", g.phone)
		}
	}
	for name, content := range map[string]string{communityFile: community, filepath.Join(specDir, "groups.yaml"): b.String()} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return specDir, communityFile
}

// switchable serves whichever sandbox it holds, so that a sandbox
// restarted with other settings keeps the endpoint a lockfile belongs to
// (closing a listener and binding its port again can lose a race).
type switchable struct {
	srv atomic.Pointer[sandbox.Server]
	// served, when set, is called after each API request the sandbox
	// served (inspection requests are not counted).
	served atomic.Pointer[func()]
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.srv.Load().ServeHTTP(w, r)
	if f := s.served.Load(); f != nil && !strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		(*f)()
	}
}

// newSandbox builds a sandbox or fails the test.
func newSandbox(t *testing.T, cfg sandbox.Config) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// cli runs the genuinctl binary in dir against one endpoint, with env
// added to its environment (PGPASSWORD for a PostgreSQL state, say).
type cli struct {
	dir      string
	endpoint string
	env      []string
}

// result is the outcome of one genuinctl run.
type result struct {
	code           int
	killed         bool
	stdout, stderr string
	took           time.Duration
	pid            int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d (killed %v) after %s\nstdout:\n%s\nstderr:\n%s", r.code, r.killed, r.took, tail(r.stdout, 3000), tail(r.stderr, 3000))
}

// tail keeps the last n bytes of s, for failure messages of long runs.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// process is a started genuinctl.
type process struct {
	cmd            *exec.Cmd
	cancel         context.CancelFunc
	stdout, stderr bytes.Buffer
	start          time.Time
}

func (c cli) start(t *testing.T, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), crashRunTimeout)
	p := &process{cancel: cancel}
	p.cmd = exec.CommandContext(ctx, filepath.Join(binDir, "genuinctl"), args...)
	p.cmd.Dir = c.dir
	p.cmd.Env = append(os.Environ(), "GENUIN_ENDPOINT="+c.endpoint, "GENUIN_TOKEN="+sandbox.DefaultToken, "NO_COLOR=1")
	p.cmd.Env = append(p.cmd.Env, c.env...) // the last of a name wins
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	return p
}

// wait waits for the process and describes how it ended.
func (p *process) wait(t *testing.T) result {
	t.Helper()
	defer p.cancel()
	err := p.cmd.Wait()
	r := result{stdout: p.stdout.String(), stderr: p.stderr.String(), took: time.Since(p.start), pid: p.cmd.Process.Pid}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.killed = true
		}
	default:
		t.Fatalf("genuinctl %v: %v", p.cmd.Args[1:], err)
	}
	return r
}

// run runs genuinctl to completion.
func (c cli) run(t *testing.T, args ...string) result {
	t.Helper()
	return c.start(t, args...).wait(t)
}

// runKilled runs genuinctl and sends it SIGKILL after delay, unless it
// finished first.
func (c cli) runKilled(t *testing.T, delay time.Duration, args ...string) result {
	t.Helper()
	p := c.start(t, args...)
	timer := time.AfterFunc(delay, func() { _ = p.cmd.Process.Kill() })
	r := p.wait(t)
	timer.Stop()
	return r
}

// runKilledAtRequest runs genuinctl and sends it SIGKILL as soon as the
// sandbox behind sw has served its n-th request of this run (answered,
// failed or lost it), unless it finished first. With several requests in
// flight, the others are cut off at whatever point they reached.
func (c cli) runKilledAtRequest(t *testing.T, sw *switchable, n int, args ...string) result {
	t.Helper()
	p := c.start(t, args...)
	var served atomic.Int64
	kill := func() {
		if served.Add(1) == int64(n) {
			_ = p.cmd.Process.Kill()
		}
	}
	sw.served.Store(&kill)
	r := p.wait(t)
	sw.served.Store(nil)
	return r
}

// envInt reads a positive size from the environment.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// TestCrashConvergence kills genuinctl apply at random moments against a
// sandbox that loses answers and fails requests, then re-runs it until it
// converges, and checks the platform's own state: every group exactly once,
// every member present, nothing the state does not know.
func TestCrashConvergence(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and re-runs the real binary many times")
	}
	kills := envInt(t, "GENUINCTL_CRASH_KILLS", 8)
	for _, kind := range crashStates(t) {
		for _, par := range crashParallelisms(t, kind) {
			// By default, enough creates for a full first wave in every
			// killed run, with more left for the runs after.
			groups := envInt(t, "GENUINCTL_CRASH_GROUPS", max(40, 4*par.workers()))
			for _, mode := range []sandbox.DuplicateMode{sandbox.DuplicateIdempotent, sandbox.DuplicateError} {
				t.Run(string(kind)+"/"+par.String()+"/"+mode.String(), func(t *testing.T) {
					t.Parallel()
					crashConvergence(t, kind, mode, par, groups, kills)
				})
			}
		}
	}
}

// crashStates reads GENUINCTL_CRASH_STATE: a comma-separated list of
// "file" and "postgres"; unset or empty, both.
func crashStates(t *testing.T) []stateKind {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(crashStateEnv))
	if v == "" {
		return []stateKind{stateFile, statePostgres}
	}
	var out []stateKind
	for _, f := range strings.Split(v, ",") {
		switch k := stateKind(strings.TrimSpace(f)); k {
		case stateFile, statePostgres:
			out = append(out, k)
		default:
			t.Fatalf("%s=%q: want a comma-separated list of %q and %q", crashStateEnv, v, stateFile, statePostgres)
		}
	}
	return out
}

// parallelism is a --parallelism value to pass to apply; 0 passes no
// flag, leaving the binary's default.
type parallelism int

// String names the subtest: "parallelism=N" or "parallelism=default".
func (p parallelism) String() string {
	if p == 0 {
		return "parallelism=default"
	}
	return "parallelism=" + strconv.Itoa(int(p))
}

// args are the apply flags that select it.
func (p parallelism) args() []string {
	if p == 0 {
		return nil
	}
	return []string{"--parallelism", strconv.Itoa(int(p))}
}

// workers is how many requests an apply with this setting has in flight
// at most.
func (p parallelism) workers() int {
	if p == 0 {
		return reconcile.DefaultParallelism
	}
	return int(p)
}

// crashParallelisms reads GENUINCTL_CRASH_PARALLELISM: a comma-separated
// list of positive integers or "default"; unset or empty, 1 and 32 for the
// file state, 32 for the PostgreSQL state.
func crashParallelisms(t *testing.T, kind stateKind) []parallelism {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(crashParallelismEnv))
	if v == "" && kind == statePostgres {
		return []parallelism{32}
	}
	if v == "" {
		return []parallelism{1, 32}
	}
	var out []parallelism
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "default" {
			out = append(out, 0)
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a comma-separated list of positive integers or \"default\"", crashParallelismEnv, v)
		}
		out = append(out, parallelism(n))
	}
	return out
}

// crashStats are the figures a crash run reports.
type crashStats struct {
	kills, killsInWork int // runs killed; of those, with work left when started
	// killsInRequests are the killed runs the sandbox had served at least
	// one request of: a kill in startup or planning does not count.
	killsInRequests          int
	selfExits, runs          int
	requests, lost, failed   int
	duplicates, unknownPhone int
}

func crashConvergence(t *testing.T, kind stateKind, mode sandbox.DuplicateMode, par parallelism, n, kills int) {
	began := time.Now()
	dir := t.TempDir()
	groups := crashSpec(n)
	specDir, communityFile := writeCrashSpec(t, dir, groups)
	state := newStateRef(t, kind, specDir, "crash")
	dataFile := filepath.Join(dir, "sandbox.json")

	// Phase 0: create the community on a sandbox without faults.
	var sw switchable
	srv0 := newSandbox(t, sandbox.Config{DataFile: dataFile})
	sw.srv.Store(srv0)
	hs := httptest.NewServer(&sw)
	t.Cleanup(hs.Close)
	c := cli{dir: dir, endpoint: hs.URL, env: state.env()}
	if r := c.run(t, append([]string{"apply", "-f", communityFile, "--auto-approve"}, state.applyArgs()...)...); r.code != 0 {
		t.Fatalf("phase 0 apply: %s", r)
	}
	if err := srv0.Save(); err != nil {
		t.Fatal(err)
	}

	// Phase 1: the same data and endpoint, with faults on.
	const latency = 2 * time.Millisecond
	srv := newSandbox(t, sandbox.Config{
		DataFile:        dataFile,
		DuplicateChatID: mode,
		Faults:          sandbox.Faults{LoseRate: 0.1, FailRate: 0.1, Latency: latency, Seed: crashSeed},
	})
	sw.srv.Store(srv)
	apply := append([]string{"apply", "-f", specDir, "--auto-approve", "--max-creates", "0"}, par.args()...)
	apply = append(apply, state.applyArgs()...)

	var stats crashStats
	rng := rand.New(rand.NewPCG(crashSeed, uint64(mode)))
	startup := c.run(t, "validate", "-f", specDir).took // process start and spec load
	// perCall is the wall time per call, not a call's own duration: with
	// W requests in flight, about a W-th of it. Refined from the runs below.
	perCall := (latency + 10*time.Millisecond) / time.Duration(par.workers())
	lf := state.mustLoad(t, c)
	for i := range kills {
		// Kill somewhere within the next few calls of the remaining work,
		// so that most kill points land in work, not after convergence.
		calls := remainingCalls(t, specDir, lf.State())
		window := min(calls, crashCallsPerKill)
		before := totalRequests(srv.Snapshot())
		var r result
		var when string
		if i%2 == 0 {
			// At a random moment: in startup, planning, between requests,
			// while the journal is written.
			span := startup + time.Duration(window)*perCall
			delay := time.Duration(rng.Int64N(int64(span) + 1))
			when = "after " + delay.String()
			r = c.runKilled(t, delay, apply...)
		} else {
			// Right after one of the next requests was served.
			k := 1 + rng.IntN(max(window, 1))
			when = fmt.Sprintf("at its request %d", k)
			r = c.runKilledAtRequest(t, &sw, k, apply...)
		}
		stats.runs++
		made := totalRequests(srv.Snapshot()) - before
		if made > 10 && r.took > startup {
			perCall = (perCall + (r.took-startup)/time.Duration(made)) / 2
		}
		switch {
		case r.killed:
			stats.kills++
			if calls > 0 {
				stats.killsInWork++
			}
			if made > 0 {
				stats.killsInRequests++
			}
		case r.code == exitOK || r.code == exitPartial:
			stats.selfExits++
		default:
			t.Fatalf("apply (to be killed %s): %s", when, r)
		}
		// A killed run never leaves a state or journal that does not load.
		var err error
		if lf, err = state.load(t, c); err != nil {
			t.Fatalf("after a run killed %s: %v", when, err)
		}
	}

	converged := false
	var last result
	for attempt := 0; attempt < crashMaxFinalRuns && !converged; attempt++ {
		last = c.run(t, apply...)
		stats.runs++
		switch last.code {
		case exitOK:
			last = c.run(t, append([]string{"plan", "-f", specDir, "--detailed-exitcode"}, state.args()...)...)
			converged = last.code == exitOK
		case exitPartial: // some requests failed for good under faults: run again
		default:
			t.Fatalf("apply: %s", last)
		}
	}
	if !converged {
		t.Fatalf("no convergence after %d runs; last: %s", crashMaxFinalRuns, last)
	}
	state.checkNoJournal(t, c)

	snap := srv.Snapshot()
	for _, cnt := range snap.Counters {
		stats.requests += cnt.Requests
		stats.lost += cnt.Lost
		stats.failed += cnt.Statuses["503"]
	}
	checkServerState(t, snap, srv.Requests(), state.mustLoad(t, c).State(), groups, &stats)
	memberships := 0
	for _, g := range groups {
		memberships += len(g.users)
		if g.phone != "" {
			memberships++
		}
	}
	t.Logf("%s state, %s, duplicate_chat_id=%s: %d groups, %d memberships; %d kill points (%d runs killed, %d of them with work left, %d after the sandbox served one of its requests; %d finished first), %d apply runs in all; "+
		"%d API requests (%d answers lost, %d failed with 503); %d duplicate creates; %d phone members with an unknown id; startup %s, wall time per call %s; wall time %s",
		kind, par, mode, len(groups), memberships, kills, stats.kills, stats.killsInWork, stats.killsInRequests, stats.selfExits, stats.runs,
		stats.requests, stats.lost, stats.failed, stats.duplicates, stats.unknownPhone,
		startup.Round(time.Millisecond), perCall.Round(10*time.Microsecond), time.Since(began).Round(time.Millisecond))
}

// checkNoJournal fails if a journal is left beside the lockfile, showing
// what it holds: a clean run must fold in or remove whatever a killed run
// left, even a journal with nothing in it.
func checkNoJournal(t *testing.T, lockPath string) {
	t.Helper()
	jpath := lockfile.JournalPath(lockPath)
	data, err := os.ReadFile(jpath)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	serial := int64(-1)
	if lf, lerr := lockfile.Load(lockPath); lerr == nil && lf.State() != nil {
		serial = lf.State().Serial
	}
	t.Errorf("a clean run left %s behind (%d bytes, err %v; the lockfile is at serial %d); it begins %q",
		filepath.Base(jpath), len(data), err, serial, tail(string(data[:min(len(data), 200)]), 200))
}

// remainingCalls is the number of API calls the plan still needs.
func remainingCalls(t *testing.T, specDir string, st *lockfile.State) int {
	t.Helper()
	d, err := spec.Load([]string{specDir})
	if err != nil {
		t.Fatal(err)
	}
	return reconcile.Diff(d, st, reconcile.Options{}).Summary.Calls
}

func totalRequests(snap sandbox.Snapshot) int {
	n := 0
	for _, c := range snap.Counters {
		n += c.Requests
	}
	return n
}

// checkServerState compares what the platform holds with the spec and the
// state: every spec group exactly once with every spec member; every
// group of the community recorded as created; every recorded member id
// true on the platform.
func checkServerState(t *testing.T, snap sandbox.Snapshot, log []sandbox.RequestRecord, st *lockfile.State, groups []crashGroup, stats *crashStats) {
	community := st.Communities[spec.CommunityAddress(crashHandle)]
	if community == nil || community.Status != lockfile.StatusCreated || community.CommunityID == "" {
		t.Fatalf("community record = %+v", community)
	}
	recorded := map[string]string{} // chat_id -> address of a created group
	for addr, g := range st.Groups {
		if g.Status != lockfile.StatusCreated {
			t.Errorf("%s is %s after convergence", addr, g.Status)
			continue
		}
		recorded[g.ChatID] = addr
	}

	byName := map[string][]*sandbox.Group{}
	byChat := map[string]*sandbox.Group{}
	for i := range snap.Groups {
		g := &snap.Groups[i]
		if g.CommunityID != community.CommunityID {
			continue
		}
		byName[g.Name] = append(byName[g.Name], g)
		byChat[g.ChatID] = g
		if recorded[g.ChatID] == "" {
			t.Errorf("the server holds group %q (chat_id %s) that the lockfile does not record as created", g.Name, g.ChatID)
		}
	}

	for _, want := range groups {
		found := byName[want.name]
		if len(found) != 1 {
			stats.duplicates += max(len(found)-1, 0)
			t.Errorf("group %q exists %d times on the server, want once", want.name, len(found))
			if len(found) == 0 {
				continue
			}
		}
		g := found[0]
		for _, f := range found { // of duplicates, check the one the lockfile manages
			if recorded[f.ChatID] != "" {
				g = f
			}
		}
		for _, u := range want.users {
			if memberByUser(g, u) == nil {
				t.Errorf("group %q lacks member user %s", want.name, u)
			}
		}
		if want.phone != "" && memberByPhone(g, want.phone) == nil {
			t.Errorf("group %q lacks member phone %s", want.name, want.phone)
		}
	}

	sends, lost := updateOutcomes(log)
	for addr, rec := range st.Groups {
		g := byChat[rec.ChatID]
		if g == nil {
			t.Errorf("%s: recorded chat_id %s does not exist on the server", addr, rec.ChatID)
			continue
		}
		for identity, id := range rec.Members {
			if user, ok := strings.CutPrefix(identity, "user:"); ok {
				if id != user || memberByUser(g, user) == nil {
					t.Errorf("%s: lockfile records %s as member id %q, which the server does not hold", addr, identity, id)
				}
				continue
			}
			phone := strings.TrimPrefix(identity, "phone:")
			if id == "" {
				stats.unknownPhone++
				// Known limitation: the id is unknown only if an add was
				// applied without its answer reaching the lockfile (answer
				// lost, or the run killed), so the re-sent add was a no-op.
				if len(log) < 10000 && sends[rec.ChatID] < 2 && lost[rec.ChatID] == 0 {
					t.Errorf("%s: %s has no recorded id, yet its group saw one update and no lost answer", addr, identity)
				}
				continue
			}
			if m := memberByID(g, id); m == nil || m.Phone != phone {
				t.Errorf("%s: lockfile records %s as member id %s; the server's member is %+v", addr, identity, id, m)
			}
		}
	}
}

// updateOutcomes counts, per chat_id, the update_conversation requests
// the server applied (status 200, answer lost or not) and those whose
// answer it dropped.
func updateOutcomes(log []sandbox.RequestRecord) (applied, lost map[string]int) {
	applied, lost = map[string]int{}, map[string]int{}
	for _, r := range log {
		chat, ok := strings.CutPrefix(r.Path, "/api/thirdparty/update_conversation/")
		if !ok || r.Status != 200 {
			continue
		}
		applied[chat]++
		if r.Fault == "lose" {
			lost[chat]++
		}
	}
	return applied, lost
}

func memberByUser(g *sandbox.Group, userID string) *sandbox.Member {
	for i := range g.Members {
		if g.Members[i].UserID == userID {
			return &g.Members[i]
		}
	}
	return nil
}

func memberByPhone(g *sandbox.Group, phone string) *sandbox.Member {
	for i := range g.Members {
		if g.Members[i].Phone == phone {
			return &g.Members[i]
		}
	}
	return nil
}

func memberByID(g *sandbox.Group, id string) *sandbox.Member {
	for i := range g.Members {
		if g.Members[i].MemberID == id {
			return &g.Members[i]
		}
	}
	return nil
}

// TestConcurrentApplyIsLocked runs a second and a third apply while a first
// one holds the state's lock: the second fails at once naming the holder,
// the third waits with --lock-timeout and then finds nothing left to do.
// The platform holds every group exactly once. With the file state, all
// three run in one directory and share its lockfile; with the PostgreSQL
// state, the first runs in one directory and the others in another, each
// with its own copy of the spec and the same --state URL, as runners on
// two machines would.
func TestConcurrentApplyIsLocked(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary against a slow sandbox")
	}
	for _, kind := range []stateKind{stateFile, statePostgres} {
		t.Run(string(kind), func(t *testing.T) { concurrentApplyIsLocked(t, kind) })
	}
}

func concurrentApplyIsLocked(t *testing.T, kind stateKind) {
	groups := crashSpec(20)
	for i := range groups {
		groups[i].phone = "" // one create per group: a predictable, slow run
	}
	dir := t.TempDir()
	specDir, _ := writeCrashSpec(t, dir, groups)
	state := newStateRef(t, kind, specDir, "concurrent")
	// About a second at the binary's default parallelism (20 creates in
	// waves of DefaultParallelism), as 50 ms a create gave a sequential
	// apply: time for the second and third applies to find the lock held.
	latency := 50 * time.Millisecond * time.Duration(reconcile.DefaultParallelism)
	srv := newSandbox(t, sandbox.Config{Faults: sandbox.Faults{Latency: latency}})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := cli{dir: dir, endpoint: hs.URL, env: state.env()}
	apply := append([]string{"apply", "-f", specDir, "--auto-approve"}, state.args()...)
	// The others' runner: the same directory and spec with a lockfile, a
	// copy of the spec in a directory of its own with a database.
	other, otherApply := c, apply
	if kind == statePostgres {
		other.dir = t.TempDir()
		otherSpec, _ := writeCrashSpec(t, other.dir, groups)
		otherApply = append([]string{"apply", "-f", otherSpec, "--auto-approve"}, state.args()...)
	}

	first := c.start(t, apply...)
	holder := state.waitForHolder(t)
	if holder.PID != first.cmd.Process.Pid {
		t.Fatalf("lock holder pid %d, want the first apply's %d", holder.PID, first.cmd.Process.Pid)
	}
	second := other.run(t, otherApply...)
	waiter := other.start(t, append(otherApply, "--lock-timeout", "2m")...)
	// The state names its holder until the holder lets go.
	stillHeld := state.heldBy(t, holder.PID)
	firstResult := first.wait(t)
	third := waiter.wait(t)

	if firstResult.code != exitOK {
		t.Fatalf("first apply: %s", firstResult)
	}
	wantHolder := fmt.Sprintf("is locked by pid %d", firstResult.pid)
	if second.code != exitError || !strings.Contains(second.stderr, wantHolder) {
		t.Errorf("second apply: want exit %d and %q on stderr, got %s", exitError, wantHolder, second)
	}
	t.Logf("second apply, after %s: %s", second.took.Round(time.Millisecond), strings.TrimSpace(second.stderr))
	if second.took > 5*time.Second {
		t.Errorf("second apply took %s to fail; it must fail at once", second.took)
	}
	if third.code != exitOK || !(strings.Contains(third.stdout, "No changes") || strings.Contains(third.stdout, "Apply complete")) {
		t.Errorf("waiting apply: %s", third)
	}
	if !stillHeld {
		t.Log("note: the first apply may have finished before the waiting one started, so it did not have to wait")
	}

	counts := map[string]int{}
	for _, g := range srv.Snapshot().Groups {
		counts[g.Name]++
	}
	for _, g := range groups {
		if counts[g.name] != 1 {
			t.Errorf("group %q exists %d times on the server, want once", g.name, counts[g.name])
		}
	}
}

// waitForHolder waits until someone holds the lock at path and returns the
// holder details it wrote there.
func waitForHolder(t *testing.T, path string) lockfile.Holder {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(path)
		var h lockfile.Holder
		if err == nil && json.Unmarshal(data, &h) == nil && h.PID != 0 {
			return h
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("nobody took the lock %s within 30s", path)
	return lockfile.Holder{}
}

// stateKind is where the state of a test's runs lives.
type stateKind string

const (
	stateFile     stateKind = "file"     // genuin.lock beside the spec
	statePostgres stateKind = "postgres" // a project in a PostgreSQL database
)

// stateRef is the state a test's runs share, and how the test reads it:
// a lockfile directly, a PostgreSQL state through the real binary
// ("genuinctl state pull" into a file), as a user would.
type stateRef struct {
	kind stateKind
	// lockPath is the lockfile of a file state; for a PostgreSQL state,
	// the file the last pull wrote.
	lockPath string
	// For a PostgreSQL state: the server, the --state URL (with its
	// project, without a password) and the project.
	pg      *pgtest.Server
	url     string
	project string
}

// newStateRef makes a state of the kind for a spec: its lockfile beside
// the spec, or the project in a new database of the test server (the
// test is skipped where there is none, and fails under CI=true).
func newStateRef(t *testing.T, kind stateKind, specDir, project string) stateRef {
	t.Helper()
	if kind == stateFile {
		return stateRef{kind: kind, lockPath: filepath.Join(specDir, "genuin.lock")}
	}
	srv := pgtest.Require(t)
	return stateRef{
		kind:     kind,
		lockPath: filepath.Join(t.TempDir(), "pulled.lock"),
		pg:       srv,
		url:      srv.NewDatabase(t) + "&project=" + project,
		project:  project,
	}
}

// args select the state on the command line of plan, apply and state:
// none for a lockfile, found beside the spec.
func (s stateRef) args() []string {
	if s.kind == stateFile {
		return nil
	}
	return []string{"--state", s.url}
}

// applyArgs are args for an apply run right after a killed one. A killed
// holder's flock is gone once it is reaped, but its advisory lock lives
// until the database's session notices the connection closed, a moment
// later: an apply started at once may find it held, so it waits a while.
func (s stateRef) applyArgs() []string {
	if s.kind == stateFile {
		return nil
	}
	return append(s.args(), "--lock-timeout", "1m")
}

// env is what a run needs in its environment: PGPASSWORD for a
// PostgreSQL state.
func (s stateRef) env() []string {
	if s.kind == stateFile {
		return nil
	}
	return s.pg.Env()
}

// pull writes a PostgreSQL state to lockPath with "genuinctl state pull".
func (s stateRef) pull(t *testing.T, c cli) result {
	t.Helper()
	return c.run(t, append([]string{"state", "pull", s.lockPath}, s.args()...)...)
}

// load reads the state as the runs left it, with any journal they left.
func (s stateRef) load(t *testing.T, c cli) (*lockfile.File, error) {
	t.Helper()
	if s.kind == statePostgres {
		if r := s.pull(t, c); r.code != exitOK {
			return nil, fmt.Errorf("genuinctl state pull: %s", r)
		}
	}
	return lockfile.Load(s.lockPath)
}

// mustLoad is load, failing the test on an error.
func (s stateRef) mustLoad(t *testing.T, c cli) *lockfile.File {
	t.Helper()
	lf, err := s.load(t, c)
	if err != nil {
		t.Fatal(err)
	}
	return lf
}

// checkNoJournal fails if a clean run left a journal behind: beside the
// lockfile, or in the database, where "state pull" would fold it in with a
// note and rows beyond the header (seq 0) would remain.
func (s stateRef) checkNoJournal(t *testing.T, c cli) {
	t.Helper()
	if s.kind == stateFile {
		checkNoJournal(t, s.lockPath)
		return
	}
	if r := s.pull(t, c); r.code != exitOK || strings.Contains(r.stderr, "did not finish") {
		t.Errorf("state pull after a clean run: %s", r)
	}
	var rows int
	s.query(t, func(ctx context.Context, conn *pgx.Conn) {
		err := conn.QueryRow(ctx, `SELECT count(*) FROM genuinctl.journal WHERE project = $1 AND seq > 0`, s.project).Scan(&rows)
		if err != nil {
			t.Fatal(err)
		}
	})
	if rows != 0 {
		t.Errorf("a clean run left %d journal rows beyond the header in the database", rows)
	}
}

// waitForHolder waits until someone holds the state's lock and returns
// the holder details the lock names.
func (s stateRef) waitForHolder(t *testing.T) lockfile.Holder {
	t.Helper()
	if s.kind == stateFile {
		return waitForHolder(t, lockfile.LockPath(s.lockPath))
	}
	return s.waitForPgHolder(t, 0, 30*time.Second)
}

// heldBy says whether the state's lock is held by pid now.
func (s stateRef) heldBy(t *testing.T, pid int) bool {
	t.Helper()
	if s.kind == stateFile {
		data, err := os.ReadFile(lockfile.LockPath(s.lockPath))
		return err == nil && strings.Contains(string(data), fmt.Sprintf(`"pid":%d,`, pid))
	}
	h, ok := s.pgHolder(t)
	return ok && h.PID == pid
}

// pgHolder reads the holders row of a session holding an advisory lock
// (the one of the project, the only one taken in the state's database).
func (s stateRef) pgHolder(t *testing.T) (h lockfile.Holder, ok bool) {
	t.Helper()
	s.query(t, func(ctx context.Context, conn *pgx.Conn) { h, ok = queryPgHolder(ctx, conn, s.project) })
	return h, ok
}

// waitForPgHolder waits until pid (anyone for 0) holds the lock of a
// PostgreSQL state, as the holders row names it, and returns the row.
func (s stateRef) waitForPgHolder(t *testing.T, pid int, timeout time.Duration) lockfile.Holder {
	t.Helper()
	var h lockfile.Holder
	found := false
	s.query(t, func(ctx context.Context, conn *pgx.Conn) {
		for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if h, found = queryPgHolder(ctx, conn, s.project); found && (pid == 0 || h.PID == pid) {
				return
			}
		}
		found = false
	})
	if !found {
		t.Fatalf("no holder (pid %d; 0 for anyone) of the lock of %s within %s; last seen: %+v", pid, s.url, timeout, h)
	}
	return h
}

// queryPgHolder reads the project's holders row, if a session holding an
// advisory lock wrote it: a killed holder's row stays behind, its session
// gone. It is not found before the first run made the schema.
func queryPgHolder(ctx context.Context, conn *pgx.Conn, project string) (h lockfile.Holder, ok bool) {
	err := conn.QueryRow(ctx, `SELECT h.pid, h.host, h.command, h.started_at FROM genuinctl.holders h
		WHERE h.project = $1 AND EXISTS (SELECT 1 FROM pg_locks l
			WHERE l.locktype = 'advisory' AND l.granted AND l.pid = h.backend_pid)`, project).Scan(&h.PID, &h.Host, &h.Command, &h.Started)
	return h, err == nil
}

// query runs fn on a connection to the state's database as the server's
// superuser (pgtest's AdminConn, which connects to database postgres,
// pointed at the state's database instead).
func (s stateRef) query(t *testing.T, fn func(ctx context.Context, conn *pgx.Conn)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := s.pg.AdminConn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := admin.Config() // a copy, with the superuser's password
	admin.Close(ctx)
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = strings.TrimPrefix(u.Path, "/")
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connecting to the state's database: %v", err)
	}
	defer conn.Close(ctx)
	fn(ctx, conn)
}
