//go:build unix

// Apply benchmarks: the real genuinctl binary (built by TestMain) against
// the sandbox served in this process over loopback, memory-only (no data
// file, so the sandbox's own persistence is never the bottleneck). Not run
// by default; run them with
//
//	GENUINCTL_BENCH=1 go test ./cmd/genuinctl -run TestApplyBench -v -timeout 2h
//
// or one scenario, e.g. -run TestApplyBench/ratelimit. Settings:
//
//	GENUINCTL_BENCH_GROUPS  N, default 5000: scenario 1 and 2 run N groups,
//	                        2 also 4N, 3 runs N/5, 4 runs N/5 and N, 5 N
//	GENUINCTL_BENCH_RUNS    repetitions of each measurement, default 3
//	GENUINCTL_BENCH_PARALLELISM  scenario 1's, default 1,8,32,64
//
// Each scenario prints a Markdown table: the median of the runs and their
// min–max. Machines are noisy: compare ratios measured in one run, not
// figures across machines or days. The sandbox shares the machine's CPUs
// with genuinctl (and, at 0 ms latency, is a fair part of the work).
// Scenario 5 (state) also runs a PostgreSQL server (internal/pgtest) on
// them; without one it is skipped, unless CI=true.

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/genuin/genuinctl/internal/pgtest"
	"github.com/genuin/genuinctl/internal/sandbox"
	"github.com/genuin/genuinctl/reconcile"
)

const (
	benchEnv     = "GENUINCTL_BENCH"
	benchHandle  = "bench"
	benchLatency = 20 * time.Millisecond
	// benchRateLimit is the sandbox's rate limit in scenario 3, requests/s.
	benchRateLimit = 40
	// benchBurstSkip is left out of the sustained rate: the token bucket
	// starts full.
	benchBurstSkip = 2 * time.Second
	// benchRunTimeout bounds one genuinctl run.
	benchRunTimeout = time.Hour
)

// TestApplyBench measures apply's throughput against latency, its cost per
// result, its behaviour under a rate limit, and the create / no-change
// plan / edit cycle. See the top of this file.
func TestApplyBench(t *testing.T) {
	if os.Getenv(benchEnv) != "1" {
		t.Skipf("set %s=1 to run the apply benchmarks (minutes to an hour)", benchEnv)
	}
	n := envInt(t, "GENUINCTL_BENCH_GROUPS", 5000)
	b := &bench{runs: envInt(t, "GENUINCTL_BENCH_RUNS", 3), flags: applyFlags(t), parallelisms: benchParallelisms(t)}
	b.logf("genuinctl apply benchmarks: %s, %d CPUs, GOMAXPROCS %d; %d runs each; GENUINCTL_BENCH_GROUPS=%d",
		runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), b.runs, n)
	b.logf("apply flags present in this binary: %s", b.flags)
	b.logf("sandbox: in this test process, over loopback, memory-only (no data file: its persistence is not measured); " +
		"groups of 10 members each: 8 seeded users and 2 phone numbers (a new placeholder user each)")

	t.Run("throughput", func(t *testing.T) { b.throughput(t, n) })
	t.Run("overhead", func(t *testing.T) { b.overhead(t, []int{n, 4 * n}) })
	t.Run("ratelimit", func(t *testing.T) { b.rateLimit(t, max(n/5, 1)) })
	t.Run("phases", func(t *testing.T) { b.phases(t, []int{max(n/5, 1), n}) })
	t.Run("state", func(t *testing.T) { b.state(t, n) })
}

// benchParallelisms reads GENUINCTL_BENCH_PARALLELISM, a comma-separated
// list of positive integers; unset, 1,8,32,64.
func benchParallelisms(t *testing.T) []int {
	t.Helper()
	v := os.Getenv("GENUINCTL_BENCH_PARALLELISM")
	if v == "" {
		return []int{1, 8, 32, 64}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			t.Fatalf("GENUINCTL_BENCH_PARALLELISM=%q: want a comma-separated list of positive integers", v)
		}
		out = append(out, n)
	}
	return out
}

// bench holds what every scenario shares.
type bench struct {
	runs  int
	flags flagSet
	// parallelisms are scenario 1's, from GENUINCTL_BENCH_PARALLELISM.
	parallelisms []int
}

// logf prints at once, so that a long run shows its progress.
func (b *bench) logf(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
}

// flagSet records which of the parallel-apply flags `apply --help` lists.
type flagSet struct {
	parallelism, rate, maxFailureRate, progress, output bool
}

func (f flagSet) String() string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	return fmt.Sprintf("--parallelism %s, --rate %s, --max-failure-rate %s, --progress %s, -o json %s",
		yes(f.parallelism), yes(f.rate), yes(f.maxFailureRate), yes(f.progress), yes(f.output))
}

// applyFlags reads `genuinctl apply --help`.
func applyFlags(t *testing.T) flagSet {
	t.Helper()
	out, err := exec.Command(filepath.Join(binDir, "genuinctl"), "apply", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("genuinctl apply --help: %v\n%s", err, out)
	}
	help := string(out)
	return flagSet{
		parallelism:    strings.Contains(help, "--parallelism"),
		rate:           strings.Contains(help, "--rate "),
		maxFailureRate: strings.Contains(help, "--max-failure-rate"),
		progress:       strings.Contains(help, "--progress"),
		output:         strings.Contains(help, "--output"),
	}
}

// parArgs selects parallelism p and names what ran: without the flag,
// every run is at the binary's default.
func (b *bench) parArgs(p int) ([]string, string) {
	if !b.flags.parallelism {
		return nil, fmt.Sprintf("%d, the default (asked %d; no --parallelism flag)", reconcile.DefaultParallelism, p)
	}
	return []string{"--parallelism", strconv.Itoa(p)}, strconv.Itoa(p)
}

// applyArgs are the flags of every apply the benchmarks run: no caps, and
// the JSON event stream when there is one (it carries the summary).
func (b *bench) applyArgs(specDir string, extra ...string) []string {
	args := []string{"apply", "-f", specDir, "--auto-approve", "--max-creates", "0", "--max-removals", "0"}
	if b.flags.output {
		args = append(args, "-o", "json")
	}
	if b.flags.progress {
		args = append(args, "--progress", "none")
	}
	return append(args, extra...)
}

// benchSpec writes a spec of n groups in one community to dir/spec and
// returns the directory. Each group has 8 seeded users and 2 phone
// members; edited groups (every tenth, when edit is set) have their second
// phone replaced by another.
func benchSpec(t *testing.T, dir string, n int, edit bool) string {
	t.Helper()
	specDir := filepath.Join(dir, "spec")
	if err := os.MkdirAll(specDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\ncommunities:\n  - handle: %s\n    name: Bench\ngroups:\n", benchHandle)
	for i := range n {
		fmt.Fprintf(&b, "  - key: g%06d\n    community: %s\n    name: \"Bench group %06d\"\n    members:\n", i, benchHandle, i)
		for _, u := range crashUsers {
			fmt.Fprintf(&b, "      - user_id: %s\n", u)
		}
		second := fmt.Sprintf("+9198%08d", 2*i+1)
		if edit && i%10 == 0 {
			second = fmt.Sprintf("+9197%08d", i)
		}
		fmt.Fprintf(&b, "      - phone: \"+9198%08d\"\n      - phone: %q\n", 2*i, second)
	}
	if err := os.WriteFile(filepath.Join(specDir, "spec.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return specDir
}

// counting serves a sandbox and counts its API requests, by outcome, with
// the time of the first request and of each successful one.
type counting struct {
	srv *sandbox.Server

	mu                    sync.Mutex
	requests, ok, limited int
	firstAt, lastAt       time.Time   // the first request's arrival, the last one's answer
	okAt                  []time.Time // when each successful request was answered
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		c.srv.ServeHTTP(w, r)
		return
	}
	arrived := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	c.srv.ServeHTTP(sw, r)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.requests == 0 {
		c.firstAt = arrived
	}
	c.requests++
	c.lastAt = now
	switch {
	case sw.status == http.StatusOK:
		c.ok++
		c.okAt = append(c.okAt, now)
	case sw.status == http.StatusTooManyRequests:
		c.limited++
	}
}

// counts is a snapshot of a counting's figures.
type counts struct {
	requests, ok, limited int
	firstAt, lastAt       time.Time
	okAt                  []time.Time
}

func (c *counting) counts() counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return counts{c.requests, c.ok, c.limited, c.firstAt, c.lastAt, slices.Clone(c.okAt)}
}

// sustainedRate is the rate of successful answers from skip after the
// first request to the last success, leaving out a start-up burst; over
// the whole run when that is too short.
func (c counts) sustainedRate(skip time.Duration) float64 {
	if len(c.okAt) < 2 {
		return 0
	}
	from, last := c.firstAt.Add(skip), c.okAt[len(c.okAt)-1]
	if last.Sub(from) < skip {
		from = c.firstAt
	}
	n := 0
	for _, at := range c.okAt {
		if at.After(from) {
			n++
		}
	}
	return float64(n) / last.Sub(from).Seconds()
}

// world is one fresh sandbox with a directory to run genuinctl in.
type world struct {
	dir   string
	cnt   *counting
	cli   cli
	close func()
}

// newWorld starts a fresh memory-only sandbox with these faults; close
// stops it and lets its memory go (the test's cleanup does, at the latest).
func newWorld(t *testing.T, faults sandbox.Faults) *world {
	t.Helper()
	cnt := &counting{srv: newSandbox(t, sandbox.Config{Faults: faults})}
	hs := httptest.NewServer(cnt)
	dir, err := os.MkdirTemp("", "genuinctl-bench-")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{dir: dir, cnt: cnt, cli: cli{dir: dir, endpoint: hs.URL}}
	w.close = sync.OnceFunc(func() {
		hs.Close()
		cnt.srv = nil
		_ = os.RemoveAll(dir)
	})
	t.Cleanup(w.close)
	return w
}

// measured is one genuinctl run.
type measured struct {
	code    int
	took    time.Duration
	cpu     time.Duration // user + system
	hostCPU time.Duration // the test process's (the sandbox's) user + system meanwhile
	rssKiB  int64
	summary map[string]any // the last NDJSON line, when it is {"type":"summary",...}
	stdout  string         // the path of the file holding stdout
	stderr  string
}

func (m measured) String() string {
	out, _ := os.ReadFile(m.stdout)
	return fmt.Sprintf("exit %d after %s\nstdout:\n%s\nstderr:\n%s", m.code, m.took, tail(string(out), 3000), tail(m.stderr, 3000))
}

// measure runs genuinctl (under wrap, e.g. strace, when given) to
// completion, stdout to a file, and reads its peak RSS.
func (c cli) measure(t *testing.T, wrap []string, args ...string) measured {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout)
	defer cancel()
	argv := append(append(slices.Clone(wrap), filepath.Join(binDir, "genuinctl")), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "GENUIN_ENDPOINT="+c.endpoint, "GENUIN_TOKEN="+sandbox.DefaultToken, "NO_COLOR=1")
	out, err := os.CreateTemp(c.dir, "stdout-")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	hostBefore := selfCPU()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("genuinctl %v: %v", args, err)
	}
	// The child's rusage Maxrss is not its own peak alone: Go starts it
	// with a vfork-style clone sharing this process's memory, and Linux
	// carries the larger of the two peaks across exec. So the child's own
	// VmHWM is polled; Maxrss is used only when it exceeds this process's
	// peak, when it cannot be this process's.
	parentPeak := vmHWM("self")
	stopPoll, polled := make(chan struct{}), make(chan int64)
	go func() {
		peak := int64(0)
		tick := time.NewTicker(rssPoll)
		defer tick.Stop()
		for {
			peak = max(peak, vmHWM(strconv.Itoa(cmd.Process.Pid)))
			select {
			case <-stopPoll:
				polled <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err = cmd.Wait()
	m := measured{took: time.Since(start), stdout: out.Name(), stderr: stderr.String()}
	close(stopPoll)
	m.rssKiB = <-polled
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		m.code = ee.ExitCode()
	default:
		t.Fatalf("genuinctl %v: %v", args, err)
	}
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	m.hostCPU = selfCPU() - hostBefore
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && runtime.GOOS == "linux" && int64(ru.Maxrss) > parentPeak {
		m.rssKiB = int64(ru.Maxrss) // KiB on Linux
	}
	m.summary = lastSummary(out.Name())
	return m
}

// benchRSSNote says how peak RSS is measured.
const benchRSSNote = "Peak RSS is genuinctl's own: its rusage Maxrss, unless that is not above the test process's peak " +
	"(Go starts a child sharing the parent's memory until exec, and Linux then reports the larger of the two peaks), " +
	"in which case its VmHWM polled every 5 ms."

// selfCPU is the user + system time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssPoll is how often measure reads the child's peak RSS: a peak reached
// in the last rssPoll of its life can be missed when rusage cannot tell.
const rssPoll = 5 * time.Millisecond

// vmHWM is the peak resident set size, in KiB, of process pid ("self" for
// this one) as /proc reports it; 0 when unknown (an exited process, or no
// /proc).
func vmHWM(pid string) int64 {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// lastSummary decodes the last line of the file when it is a JSON object
// of type "summary".
func lastSummary(path string) map[string]any {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	var last []byte
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			last = append(last[:0], line...)
		}
	}
	var m map[string]any
	if json.Unmarshal(last, &m) != nil || m["type"] != "summary" {
		return nil
	}
	return m
}

// plannedCalls runs `plan -o json` and returns its summary's api_calls.
func (w *world) plannedCalls(t *testing.T, specDir string) int {
	t.Helper()
	m := w.cli.measure(t, nil, "plan", "-f", specDir, "-o", "json", "--max-creates", "0", "--max-removals", "0")
	if m.code != exitOK {
		t.Fatalf("plan -o json: %s", m)
	}
	data, err := os.ReadFile(m.stdout)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Summary struct {
			Calls int `json:"api_calls"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("plan -o json: %v", err)
	}
	return p.Summary.Calls
}

// mustApply runs apply and fails the test unless it exits 0 and, with
// -o json, its summary says it converged.
func (w *world) mustApply(t *testing.T, wrap []string, args []string) measured {
	t.Helper()
	m := w.cli.measure(t, wrap, args...)
	if m.code != exitOK {
		t.Fatalf("genuinctl %s: %s", strings.Join(args, " "), m)
	}
	if slices.Contains(args, "json") && m.summary["result"] != "converged" {
		t.Fatalf("genuinctl %s: the last event is not a converged summary: %v\n%s", strings.Join(args, " "), m.summary, m)
	}
	return m
}

// throughput is scenario 1: N groups at 20 ms latency, at several
// parallelisms, against the ideal requests × latency / parallelism.
func (b *bench) throughput(t *testing.T, n int) {
	type row struct {
		par           string
		p             int
		calls, served int
		walls, spans  []time.Duration // whole process; first request to last answer
		cpus, hosts   []time.Duration // user + system time of genuinctl, of the test process
	}
	var rows []row
	for _, p := range b.parallelisms {
		parArgs, label := b.parArgs(p)
		r := row{par: label, p: p}
		for i := range b.runs {
			w := newWorld(t, sandbox.Faults{Latency: benchLatency})
			specDir := benchSpec(t, w.dir, n, false)
			if i == 0 {
				r.calls = w.plannedCalls(t, specDir)
			}
			m := w.mustApply(t, nil, b.applyArgs(specDir, parArgs...))
			c := w.cnt.counts()
			w.close()
			r.served = c.requests
			r.walls, r.spans = append(r.walls, m.took), append(r.spans, c.lastAt.Sub(c.firstAt))
			r.cpus, r.hosts = append(r.cpus, m.cpu), append(r.hosts, m.hostCPU)
			b.logf("  throughput: parallelism %s, run %d: %s, %d requests in %s", label, i+1,
				m.took.Round(time.Millisecond), r.served, c.lastAt.Sub(c.firstAt).Round(time.Millisecond))
		}
		rows = append(rows, r)
		if !b.flags.parallelism {
			break // every other row would run the same default
		}
	}
	var tb strings.Builder
	fmt.Fprintf(&tb, "\n### 1. Throughput: %d groups × 10 members, %s latency per request\n\n", n, benchLatency)
	tb.WriteString("| parallelism | requests (plan / served) | ideal = requests × 20 ms / parallelism | wall, median (min–max) | ideal / wall, median (min–max) | request phase, median (min–max) | ideal / request phase, median (min–max) | CPU time: genuinctl / sandbox, median |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		p := r.p
		if !b.flags.parallelism {
			p = reconcile.DefaultParallelism
		}
		ideal := time.Duration(r.calls) * benchLatency / time.Duration(p)
		ratios, spanRatios := make([]float64, len(r.walls)), make([]float64, len(r.spans))
		for i := range r.walls {
			ratios[i] = float64(ideal) / float64(r.walls[i])
			spanRatios[i] = float64(ideal) / float64(r.spans[i])
		}
		fmt.Fprintf(&tb, "| %s | %d / %d | %s | %s | %s | %s | %s | %s |\n", r.par, r.calls, r.served, ideal.Round(time.Millisecond),
			durStats(r.walls), pctStats(ratios), durStats(r.spans), pctStats(spanRatios), medianDur(r.cpus).Round(10*time.Millisecond).String()+" / "+medianDur(r.hosts).Round(10*time.Millisecond).String())
	}
	fmt.Fprintf(&tb, "\nWall time is the whole process: start, spec load, plan, requests, final checkpoint; the request phase is what the sandbox saw, "+
		"from the first request's arrival to the last answer. CPU time is user + system: genuinctl's, and the test process's (the sandbox, mostly), which shares the same %d CPUs. "+
		"Goal: ideal/wall ≥ 85%% at parallelism 32.\n", runtime.NumCPU())
	b.logf("%s", tb.String())
}

// overhead is scenario 2: 0 ms latency at parallelism 32, with fsyncs per
// result and peak RSS.
func (b *bench) overhead(t *testing.T, sizes []int) {
	parArgs, label := b.parArgs(32)
	strace, _ := exec.LookPath("strace")
	var tb strings.Builder
	fmt.Fprintf(&tb, "\n### 2. Overhead: 0 ms latency, parallelism %s\n\n", label)
	tb.WriteString("| groups | requests (plan / served) | wall, median (min–max) | requests/s, median | fsyncs per result | peak RSS MiB, median (min–max) |\n|---|---|---|---|---|---|\n")
	for _, n := range sizes {
		var walls []time.Duration
		var rss []int64
		var calls, served int
		syncs := "n/a"
		for i := range b.runs {
			w := newWorld(t, sandbox.Faults{})
			specDir := benchSpec(t, w.dir, n, false)
			if i == 0 {
				calls = w.plannedCalls(t, specDir)
			}
			m := w.mustApply(t, nil, b.applyArgs(specDir, parArgs...))
			c := w.cnt.counts()
			w.close()
			served = c.requests
			walls, rss = append(walls, m.took), append(rss, m.rssKiB)
			if i == 0 {
				if key, v, ok := syncField(m.summary); ok {
					syncs = fmt.Sprintf("%.2f (%s %v / %d results)", v/float64(c.ok), key, v, c.ok)
				}
			}
			b.logf("  overhead: %d groups, run %d: %s, %d requests, peak RSS %d KiB", n, i+1, m.took.Round(time.Millisecond), served, m.rssKiB)
		}
		if syncs == "n/a" && strace != "" {
			// One more run under strace, not timed: it slows every syscall.
			w := newWorld(t, sandbox.Faults{})
			specDir := benchSpec(t, w.dir, n, false)
			out := filepath.Join(w.dir, "strace.txt")
			w.mustApply(t, []string{strace, "-f", "-qq", "-c", "-e", "trace=fsync,fdatasync", "-o", out}, b.applyArgs(specDir, parArgs...))
			if k, err := straceCalls(out); err != nil {
				t.Errorf("strace: %v", err)
			} else {
				ok := w.cnt.counts().ok
				w.close()
				syncs = fmt.Sprintf("%.2f (strace: %d fsync+fdatasync / %d results)", float64(k)/float64(ok), k, ok)
			}
		}
		reqRate := make([]float64, len(walls))
		for i, w := range walls {
			reqRate[i] = float64(served) / w.Seconds()
		}
		fmt.Fprintf(&tb, "| %d | %d / %d | %s | %.0f | %s | %s |\n", n, calls, served, durStats(walls), median(reqRate), syncs, rssStats(rss))
	}
	tb.WriteString("\nA result is a request answered 200 (each is recorded in the journal). ")
	tb.WriteString("The fsync count comes from the apply summary event when it has a sync field, else from one extra run under strace -f -c (fsync and fdatasync of the whole process, lockfile checkpoints included). " + benchRSSNote + "\n")
	b.logf("%s", tb.String())
}

// syncField finds the summary's fsync count: "journal_syncs", or the first
// numeric field whose name mentions sync, at the top level or one down.
func syncField(summary map[string]any) (string, float64, bool) {
	if summary == nil {
		return "", 0, false
	}
	if v, ok := summary["journal_syncs"].(float64); ok {
		return "journal_syncs", v, true
	}
	keys := make([]string, 0, len(summary))
	for k := range summary {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch v := summary[k].(type) {
		case float64:
			if strings.Contains(k, "sync") {
				return k, v, true
			}
		case map[string]any:
			if key, f, ok := syncField(v); ok {
				return k + "." + key, f, true
			}
		}
	}
	return "", 0, false
}

// straceCalls sums the calls column of a strace -c table.
func straceCalls(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || (f[len(f)-1] != "fsync" && f[len(f)-1] != "fdatasync") {
			continue
		}
		k, err := strconv.Atoi(f[3])
		if err != nil {
			return 0, fmt.Errorf("%s: %q: %v", path, line, err)
		}
		total += k
	}
	return total, nil
}

// rateLimit is scenario 3: the sandbox admits 40 requests/s; apply runs
// with no --rate and must still finish.
func (b *bench) rateLimit(t *testing.T, n int) {
	var tb strings.Builder
	fmt.Fprintf(&tb, "\n### 3. Rate limit: sandbox admits %d requests/s (burst %d), %s latency, %d groups, default parallelism, no --rate\n\n", benchRateLimit, benchRateLimit, benchLatency, n)
	tb.WriteString("| run | exit | wall | requests | answered 200 | 429s | 429 share | sustained successful rate | rate / 40 |\n|---|---|---|---|---|---|---|---|---|\n")
	var shares, ratios []float64
	for i := range b.runs {
		w := newWorld(t, sandbox.Faults{Latency: benchLatency, RateLimit: benchRateLimit})
		specDir := benchSpec(t, w.dir, n, false)
		m := w.cli.measure(t, nil, b.applyArgs(specDir)...)
		c := w.cnt.counts()
		w.close()
		share := float64(c.limited) / float64(max(c.requests, 1))
		rate := c.sustainedRate(benchBurstSkip)
		shares, ratios = append(shares, share), append(ratios, rate/benchRateLimit)
		fmt.Fprintf(&tb, "| %d | %d | %s | %d | %d | %d | %.1f%% | %.1f/s | %.0f%% |\n",
			i+1, m.code, m.took.Round(time.Millisecond), c.requests, c.ok, c.limited, 100*share, rate, 100*rate/benchRateLimit)
		b.logf("  ratelimit: run %d: exit %d after %s; %d requests, %d 429s", i+1, m.code, m.took.Round(time.Millisecond), c.requests, c.limited)
		if m.code != exitOK {
			t.Errorf("apply under a %d/s rate limit: want exit 0, got %s", benchRateLimit, m)
		}
	}
	fmt.Fprintf(&tb, "| median (min–max) | | | | | | %s | | %s |\n", pctStats1(shares), pctStats(ratios))
	fmt.Fprintf(&tb, "\nThe sustained rate counts the 200s from %s after the first request to the last one, leaving out the bucket's initial burst (it starts full, one second's worth).\n", benchBurstSkip)
	b.logf("%s", tb.String())
}

// phases is scenario 4: create everything, a no-change plan, a 10% member
// edit, at the default parallelism and 0 ms latency.
func (b *bench) phases(t *testing.T, sizes []int) {
	var tb strings.Builder
	tb.WriteString("\n### 4. Create / no-change plan / 10% member edit: default parallelism, 0 ms latency on loopback\n\n")
	tb.WriteString("| groups | phase | requests | wall, median (min–max) | peak RSS MiB, median (min–max) |\n|---|---|---|---|---|\n")
	for _, n := range sizes {
		type phase struct {
			name  string
			calls int
			walls []time.Duration
			rss   []int64
		}
		ph := []*phase{{name: "apply: create all"}, {name: "plan: no change"}, {name: "apply: 10% member edit"}}
		add := func(p *phase, m measured) {
			p.walls, p.rss = append(p.walls, m.took), append(p.rss, m.rssKiB)
		}
		for i := range b.runs {
			w := newWorld(t, sandbox.Faults{})
			specDir := benchSpec(t, w.dir, n, false)
			m := w.mustApply(t, nil, b.applyArgs(specDir))
			add(ph[0], m)
			ph[0].calls = w.cnt.counts().requests

			m = w.cli.measure(t, nil, "plan", "-f", specDir, "--detailed-exitcode")
			if m.code != exitOK {
				t.Fatalf("no-change plan after the create: want exit 0, got %s", m)
			}
			add(ph[1], m)

			benchSpec(t, w.dir, n, true)
			before := w.cnt.counts().requests
			m = w.mustApply(t, nil, b.applyArgs(specDir))
			add(ph[2], m)
			ph[2].calls = w.cnt.counts().requests - before
			if m := w.cli.measure(t, nil, "plan", "-f", specDir, "--detailed-exitcode"); m.code != exitOK {
				t.Fatalf("plan after the edit: want exit 0 (converged), got %s", m)
			}
			w.close()
			b.logf("  phases: %d groups, run %d: create %s, plan %s, edit %s", n, i+1,
				ph[0].walls[i].Round(time.Millisecond), ph[1].walls[i].Round(time.Millisecond), ph[2].walls[i].Round(time.Millisecond))
		}
		for _, p := range ph {
			fmt.Fprintf(&tb, "| %d | %s | %d | %s | %s |\n", n, p.name, p.calls, durStats(p.walls), rssStats(p.rss))
		}
	}
	tb.WriteString("\nThe edit replaces one phone member of every tenth group (one update_conversation each: one add, one remove). " +
		"For reference (measured elsewhere): OpenTofu 1.12 with -parallelism=10 took 9.7 s to create 1,000 objects, 8.0 s for a no-change plan, 9.5 s for a 10% member edit, at 160–210 MB RSS. " + benchRSSNote + "\n")
	b.logf("%s", tb.String())
}

// state is scenario 5: N groups at 20 ms latency and parallelism 32, with
// the state in the lockfile and in PostgreSQL (a fresh database each run,
// on the pgtest server), alternating which goes first.
func (b *bench) state(t *testing.T, n int) {
	srv := pgtest.Require(t)
	t.Setenv("PGPASSWORD", srv.Password) // measure hands its environment to genuinctl
	parArgs, label := b.parArgs(32)
	type row struct {
		walls, outside, cpus []time.Duration
		rss                  []int64
		commits              []float64 // per result, postgres only
		lastCommits, results int
	}
	kinds := []string{"lockfile", "postgres"}
	rows := map[string]*row{}
	for _, k := range kinds {
		rows[k] = &row{}
	}
	for i := range b.runs {
		order := slices.Clone(kinds)
		if i%2 == 1 {
			slices.Reverse(order) // so that drift hits both
		}
		for _, kind := range order {
			w := newWorld(t, sandbox.Faults{Latency: benchLatency})
			specDir := benchSpec(t, w.dir, n, false)
			args := b.applyArgs(specDir, parArgs...)
			db := ""
			if kind == "postgres" {
				dbURL := srv.NewDatabase(t)
				db = databaseName(t, dbURL)
				args = append(args, "--state", dbURL+"&project=bench")
			}
			before := xactCommits(t, srv, db)
			m := w.mustApply(t, nil, args)
			commits := xactCommits(t, srv, db) - before
			c := w.cnt.counts()
			_, err := os.Stat(filepath.Join(specDir, lockfileName))
			if (err == nil) != (kind == "lockfile") {
				t.Fatalf("%s state: %s in the spec root: %v", kind, lockfileName, err)
			}
			w.close()
			r := rows[kind]
			r.walls, r.outside = append(r.walls, m.took), append(r.outside, m.took-c.lastAt.Sub(c.firstAt))
			r.cpus, r.rss = append(r.cpus, m.cpu), append(r.rss, m.rssKiB)
			r.results = c.ok
			if kind == "postgres" {
				r.commits, r.lastCommits = append(r.commits, float64(commits)/float64(c.ok)), int(commits)
			}
			b.logf("  state: %s, run %d: %s, %d results, %d transactions committed", kind, i+1, m.took.Round(time.Millisecond), c.ok, commits)
		}
	}
	lf, pg := rows["lockfile"], rows["postgres"]
	var tb strings.Builder
	fmt.Fprintf(&tb, "\n### 5. State: lockfile against PostgreSQL, %d groups, %s latency, parallelism %s\n\n", n, benchLatency, label)
	tb.WriteString("| state | wall, median (min–max) | outside the request phase, median | CPU time of genuinctl, median | peak RSS MiB, median (min–max) | transactions committed per result, median (min–max) | wall / lockfile's wall, medians |\n|---|---|---|---|---|---|---|\n")
	for _, k := range kinds {
		r := rows[k]
		commits := "—"
		if r.commits != nil {
			commits = fmt.Sprintf("%s; last run %d / %d", floatStats(r.commits), r.lastCommits, r.results)
		}
		fmt.Fprintf(&tb, "| %s | %s | %s | %s | %s | %s | %.1f%% |\n", k, durStats(r.walls), medianDur(r.outside).Round(time.Millisecond),
			medianDur(r.cpus).Round(10*time.Millisecond), rssStats(r.rss), commits, 100*float64(medianDur(r.walls))/float64(medianDur(lf.walls)))
	}
	pairs := make([]string, b.runs)
	for i := range pairs {
		pairs[i] = fmt.Sprintf("%.1f%%", 100*float64(pg.walls[i])/float64(lf.walls[i]))
	}
	fmt.Fprintf(&tb, "\nPostgreSQL's wall over the lockfile's, run by run: %s (goal: at most 110%%, on the medians). "+
		"A result is a request answered 200. Transactions committed are the database's pg_stat_database.xact_commit, "+
		"read once no session is connected to it: every round trip that commits (journal syncs, checkpoints, locking, the schema), and any autovacuum's. "+
		"Outside the request phase is the wall time before the first request and after the last answer: start, state read, plan, final checkpoint. "+
		"The PostgreSQL server (pgtest: fsync and synchronous_commit on, on this machine's disk) shares the %d CPUs. %s\n",
		strings.Join(pairs, ", "), runtime.NumCPU(), benchRSSNote)
	b.logf("%s", tb.String())
}

// databaseName is the database a postgres:// URL names.
func databaseName(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// xactCommits is the number of transactions committed in database db (0
// for ""), read once no session is connected to it: a server process
// reports its counts when it ends.
func xactCommits(t *testing.T, srv *pgtest.Server, db string) int64 {
	t.Helper()
	if db == "" {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := srv.AdminConn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for {
		var sessions int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", db).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if sessions == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database WHERE datname = $1", db).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// floatStats is "median (min–max)" with two decimals.
func floatStats(fs []float64) string {
	s := slices.Clone(fs)
	slices.Sort(s)
	return fmt.Sprintf("%.2f (%.2f–%.2f)", s[len(s)/2], s[0], s[len(s)-1])
}

// durStats is "median (min–max)".
func durStats(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	r := func(d time.Duration) string {
		if d >= 10*time.Second {
			return d.Round(100 * time.Millisecond).String()
		}
		return d.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("%s (%s–%s)", r(s[len(s)/2]), r(s[0]), r(s[len(s)-1]))
}

// medianDur is the median of ds.
func medianDur(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// rssStats is "median (min–max)" in MiB.
func rssStats(kib []int64) string {
	s := slices.Clone(kib)
	slices.Sort(s)
	m := func(k int64) string { return fmt.Sprintf("%.0f", float64(k)/1024) }
	return fmt.Sprintf("%s (%s–%s)", m(s[len(s)/2]), m(s[0]), m(s[len(s)-1]))
}

// pctStats is "median (min–max)" as percentages.
func pctStats(fs []float64) string {
	s := slices.Clone(fs)
	slices.Sort(s)
	return fmt.Sprintf("%.0f%% (%.0f–%.0f%%)", 100*s[len(s)/2], 100*s[0], 100*s[len(s)-1])
}

// pctStats1 is pctStats with one decimal.
func pctStats1(fs []float64) string {
	s := slices.Clone(fs)
	slices.Sort(s)
	return fmt.Sprintf("%.1f%% (%.1f–%.1f%%)", 100*s[len(s)/2], 100*s[0], 100*s[len(s)-1])
}

func median(fs []float64) float64 {
	s := slices.Clone(fs)
	slices.Sort(s)
	return s[len(s)/2]
}
