package reconcile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// BenchmarkApplyBytesPerResult measures the write volume of recording
// results, at 10,000 and 20,000 groups: a plan of that many group creates
// (three user_id members each, sent inside the create, so one API call per
// group) in an already-created community is applied through Apply with an
// API that always succeeds, into a real lockfile. It reports
//
//	bytes_written/call   journal and lockfile bytes written, per API call
//	bytes_written/entry  the same, per journal entry (three per group:
//	                     intent, created, members)
//	record_bytes         the final lockfile's size per group record
//	amplification        bytes_written/call ÷ record_bytes (target ≤ 4,
//	                     and not growing with the number of groups:
//	                     checkpoints must not make an apply quadratic)
//
// Every journal entry is synced, so a run takes as long as 30,000 to
// 60,000 fsyncs; run it with -benchtime=1x.
func BenchmarkApplyBytesPerResult(b *testing.B) {
	for _, groups := range []int{10000, 20000} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) { benchmarkApplyBytes(b, groups) })
	}
}

func benchmarkApplyBytes(b *testing.B, groups int) {
	d := benchDesired(groups)
	for b.Loop() {
		b.StopTimer()
		lf := benchLockfile(b, d)
		plan := Diff(d, lf.State(), Options{})
		if plan.Summary.Create != groups || plan.Summary.Calls != groups {
			b.Fatalf("plan: %+v, want %d creates in as many calls", plan.Summary, groups)
		}
		before := lf.BytesWritten()
		api := &fakeAPI{}
		b.StartTimer()

		if err := Apply(context.Background(), plan, lf, api, nopHooks{}, ApplyOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := lf.Close(); err != nil {
			b.Fatal(err)
		}

		b.StopTimer()
		written := float64(lf.BytesWritten() - before)
		info, err := os.Stat(lf.Path())
		if err != nil {
			b.Fatal(err)
		}
		perCall := written / float64(len(api.calls))
		record := float64(info.Size()) / float64(groups)
		b.ReportMetric(perCall, "bytes_written/call")
		b.ReportMetric(written/float64(3*groups), "bytes_written/entry")
		b.ReportMetric(record, "record_bytes")
		b.ReportMetric(perCall/record, "amplification")
		b.StartTimer()
	}
}

// benchDesired is one community with n groups of three seeded users.
func benchDesired(n int) *spec.Desired {
	users := []string{
		"b12f13af-ef5a-4906-b0a0-2995e106200d", "abcd1234-5678-90ef-1112-234567890111",
		"345e1234-5678-90ef-2345-678912341234", "11111111-1111-4111-8111-111111111111",
		"22222222-2222-4222-8222-222222222222",
	}
	d := &spec.Desired{
		Communities: map[string]*spec.Community{"bench": {Handle: "bench", Name: "Bench"}},
		Groups:      make(map[string]*spec.Group, n),
	}
	for i := range n {
		g := &spec.Group{Key: fmt.Sprintf("g%05d", i), Community: "bench", Name: fmt.Sprintf("Group %05d", i), Type: 4,
			Tags: []string{"bench"}, Pos: spec.Pos{File: "groups.yaml", Line: 3 + 6*i, Col: 5}}
		for k := range 3 {
			g.Members = append(g.Members, spec.Member{UserID: users[(i+k)%len(users)]})
		}
		d.Groups[g.Address()] = g
	}
	return d
}

// benchLockfile opens a new lockfile that records d's community as created.
func benchLockfile(b *testing.B, d *spec.Desired) *lockfile.File {
	b.Helper()
	lf, err := lockfile.Open(filepath.Join(b.TempDir(), "genuin.lock"), 0, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lf.Close() })
	lf.Init("sandbox")
	c := d.Communities["bench"]
	err = lf.Record(lockfile.Entry{Op: lockfile.OpPut, Address: spec.CommunityAddress(c.Handle), Community: &lockfile.Community{
		Handle: c.Handle, Status: lockfile.StatusCreated, CommunityID: "f2a05adb-93ce-4a19-b003-3523fa745667",
		Fields: communityFields.values(c),
	}})
	if err == nil {
		err = lf.Checkpoint()
	}
	if err != nil {
		b.Fatal(err)
	}
	return lf
}
