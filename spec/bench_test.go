package spec

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The large spec: 1,000 communities of 20 groups each; every group has 5
// inline members and its own CSV member list of 45, 1,000,000 memberships
// in all, 900,000 of them in the 20,000 CSV files.
const (
	largeCommunities = 1000
	largeGroups      = 20 // per community
	largeInline      = 5  // inline members per group
	largeListed      = 45 // CSV members per group
)

// writeLargeSpec writes the large spec below dir: spec/*.yaml, one file per
// community with its groups and lists, and lists/*.csv.
func writeLargeSpec(b *testing.B, dir string) {
	b.Helper()
	for _, sub := range []string{"spec", "lists"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	member := 0
	next := func() (string, string) { // a unique user id or phone, alternately
		member++
		if member%2 == 0 {
			return "user_id", fmt.Sprintf("%08x-0000-4000-8000-%012x", member, member)
		}
		return "phone", fmt.Sprintf("+91 98%03d %05d", member/100000, member%100000) // valid Indian mobiles
	}
	for c := range largeCommunities {
		var y strings.Builder
		fmt.Fprintf(&y, "version: 1\ncommunities:\n  - handle: community-%04d\n    name: Community %d\n    tags: [bench, c%d]\n", c, c, c)
		y.WriteString("member_lists:\n")
		for g := range largeGroups {
			fmt.Fprintf(&y, "  - name: c%04d-g%02d\n    csv: ../lists/c%04d-g%02d.csv\n", c, g, c, g)
			var rows strings.Builder
			rows.WriteString("user_id,phone\n")
			for range largeListed {
				if kind, v := next(); kind == "user_id" {
					rows.WriteString(v + ",\n")
				} else {
					rows.WriteString("," + v + "\n")
				}
			}
			name := filepath.Join(dir, "lists", fmt.Sprintf("c%04d-g%02d.csv", c, g))
			if err := os.WriteFile(name, []byte(rows.String()), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		y.WriteString("groups:\n")
		for g := range largeGroups {
			fmt.Fprintf(&y, "  - key: group-%02d\n    community: community-%04d\n    name: Group %d of %d\n", g, c, g, c)
			fmt.Fprintf(&y, "    description: \"Group %d #bench\"\n    tags: [bench, g%d]\n    topics: [1, 2]\n", g, g)
			fmt.Fprintf(&y, "    settings: {discoverable: true}\n    member_lists: [c%04d-g%02d]\n    members:\n", c, g)
			for range largeInline {
				kind, v := next()
				fmt.Fprintf(&y, "      - %s: %q\n", kind, v)
			}
		}
		name := filepath.Join(dir, "spec", fmt.Sprintf("c%04d.yaml", c))
		if err := os.WriteFile(name, []byte(y.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// peakHeap samples the heap in use until stop is called, and returns the
// highest figure seen, in MB.
func peakHeap() (stop func() float64) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(peak) / (1 << 20)
	}
}

func BenchmarkLoadLarge(b *testing.B) {
	dir := b.TempDir()
	writeLargeSpec(b, dir)
	runtime.GC()
	stop := peakHeap()
	var d *Desired
	for b.Loop() {
		var err error
		if d, err = Load([]string{dir}); err != nil { // spec/ and lists/, the spec root
			b.Fatal(err)
		}
	}
	b.ReportMetric(stop(), "peak-heap-MB")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "retained-MB") // the Desired
	memberships := 0
	for _, g := range d.Groups {
		memberships += len(g.Members)
	}
	if len(d.Communities) != largeCommunities || len(d.Groups) != largeCommunities*largeGroups ||
		memberships != largeCommunities*largeGroups*(largeInline+largeListed) {
		b.Fatalf("loaded %d communities, %d groups, %d memberships", len(d.Communities), len(d.Groups), memberships)
	}
}

// BenchmarkDecodeLarge is the bare cost of BenchmarkLoadLarge's input:
// yaml.v3 decoding the spec files and reading the CSV files.
func BenchmarkDecodeLarge(b *testing.B) {
	dir := b.TempDir()
	writeLargeSpec(b, dir)
	runtime.GC()
	stop := peakHeap()
	for b.Loop() {
		err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if filepath.Ext(path) == ".csv" {
				_, err = csv.NewReader(bufio.NewReader(f)).ReadAll()
				return err
			}
			var n yaml.Node
			return yaml.NewDecoder(f).Decode(&n)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(stop(), "peak-heap-MB")
}
