package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genuin/genuinctl/internal/benchdata"
)

// BenchmarkPlanNoChange runs "genuinctl plan" in process on a generated
// campaign (internal/benchdata: groups of 50 members) against the lockfile
// of its apply: the no-change plan, whose time per group must not grow
// with the number of groups. Inputs are generated once and cached (see
// benchdata.CacheRoot); .ci/bench-plan measures the same end to end.
//
//	go test ./cmd/genuinctl -run '^$' -bench PlanNoChange -benchtime 3x
func BenchmarkPlanNoChange(b *testing.B) {
	for _, groups := range benchdata.Sizes() {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			in := benchdata.ForBenchmark(b, groups)
			benchmarkPlan(b, groups, "No changes.", "plan", "-f", in.Dir, "--lockfile", in.Lockfile)
		})
	}
}

// BenchmarkPlanCreate renders the plan of every group of a generated
// campaign to create (no lockfile), as text and as JSON.
func BenchmarkPlanCreate(b *testing.B) {
	for _, groups := range benchdata.Sizes() {
		for _, output := range []string{"text", "json"} {
			b.Run(fmt.Sprintf("groups=%d/%s", groups, output), func(b *testing.B) {
				in := benchdata.ForBenchmark(b, groups)
				none := filepath.Join(b.TempDir(), "genuin.lock")
				benchmarkPlan(b, groups, "", "plan", "-f", in.Dir, "--lockfile", none, "-o", output)
			})
		}
	}
}

func benchmarkPlan(b *testing.B, groups int, want string, args ...string) {
	var stderr strings.Builder
	for b.Loop() {
		out := &lastBytes{}
		stderr.Reset()
		if code := run(args, strings.NewReader(""), out, &stderr, func(string) string { return "" }); code != exitOK {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
		if !strings.Contains(string(out.last), want) {
			b.Fatalf("the output ends %q, without %q", out.last, want)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(groups), "µs/group")
}

// lastBytes keeps the end of what is written to it, and counts the writes.
type lastBytes struct {
	last   []byte
	writes int
}

func (t *lastBytes) Write(p []byte) (int, error) {
	t.writes++
	t.last = append(t.last[:0], p[max(0, len(p)-200):]...)
	return len(p), nil
}

var _ io.Writer = (*lastBytes)(nil)
