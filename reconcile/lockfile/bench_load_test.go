package lockfile_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/genuin/genuinctl/internal/benchdata"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// BenchmarkLoadCampaign loads the lockfile of a generated campaign's apply
// (internal/benchdata: groups of 50 members; 20,000 groups hold 1,000,000
// memberships), reporting its size per membership.
//
//	go test ./reconcile/lockfile -run '^$' -bench LoadCampaign -benchtime 3x
func BenchmarkLoadCampaign(b *testing.B) {
	for _, groups := range benchdata.Sizes() {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			in := benchdata.ForBenchmark(b, groups)
			size := benchdata.FileSize(b, in.Lockfile)
			b.SetBytes(size)
			for b.Loop() {
				f, err := lockfile.Load(in.Lockfile)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(f.State().Groups); n != groups {
					b.Fatalf("%d groups loaded, not %d", n, groups)
				}
			}
			b.ReportMetric(float64(size)/float64(benchdata.Campaign(groups).Memberships()), "bytes/membership")
		})
	}
}

// BenchmarkMarshalCampaign renders the state of a generated campaign's
// lockfile, as every checkpoint of an apply does.
//
//	go test ./reconcile/lockfile -run '^$' -bench MarshalCampaign -benchtime 3x
func BenchmarkMarshalCampaign(b *testing.B) {
	for _, groups := range benchdata.Sizes() {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			in := benchdata.ForBenchmark(b, groups)
			data, err := os.ReadFile(in.Lockfile)
			if err != nil {
				b.Fatal(err)
			}
			st, err := lockfile.Parse(in.Lockfile, data)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				out, err := lockfile.Marshal(st)
				if err != nil {
					b.Fatal(err)
				}
				if len(out) != len(data) {
					b.Fatalf("rendered %d bytes, the lockfile has %d", len(out), len(data))
				}
			}
		})
	}
}
