package spec

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The huge specs are single files just under MaxFileSize: a flood of
// errors, and a large valid spec. They measure that Load's time and memory
// follow what it returns (at most MaxDiagnostics diagnostics; a Desired),
// not the size of the mistakes.
const (
	hugeInvalidMembers = 1_500_000 // each with an unknown key: two errors
	hugeValidGroups    = 150_000
)

// writeHuge writes a spec file with fill, which writes its body, and
// returns the file's path.
func writeHuge(tb testing.TB, dir string, fill func(w *bufio.Writer)) string {
	tb.Helper()
	file := filepath.Join(dir, "spec.yaml")
	f, err := os.Create(file)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("version: 1\ncommunities:\n  - handle: huge\n    name: Huge\n")
	fill(w)
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return file
}

// writeHugeInvalid writes one group (without a name) whose members each
// have an unknown key: 2*members + 1 errors. 1,500,000 members make
// about 58 MB.
func writeHugeInvalid(tb testing.TB, dir string, members int) string {
	return writeHuge(tb, dir, func(w *bufio.Writer) {
		w.WriteString("groups:\n  - key: flood\n    community: huge\n    members:\n")
		for i := range members {
			fmt.Fprintf(w, "    - {phone: \"9199%08d\", oops: 1}\n", i)
		}
	})
}

// writeHugeValid writes groups valid groups of four members each, about
// 350 bytes a group: 150,000 groups make about 52 MB.
func writeHugeValid(tb testing.TB, dir string, groups int) string {
	return writeHuge(tb, dir, func(w *bufio.Writer) {
		w.WriteString("groups:\n")
		for g := range groups {
			fmt.Fprintf(w, "  - key: group-%06d\n    community: huge\n    name: Group %d\n", g, g)
			fmt.Fprintf(w, "    description: \"Group %d #bench\"\n", g)
			fmt.Fprintf(w, "    tags: [bench, g%d]\n    topics: [1, 2]\n    settings: {discoverable: true}\n", g)
			fmt.Fprintf(w, "    members:\n      - user_id: %08x-0000-4000-8000-%012x\n", g, g)
			for m := range 3 {
				fmt.Fprintf(w, "      - phone: \"%s\"\n", hugePhone(g, m))
			}
		}
	})
}

// hugePhone is member m's phone number in group g: an Indian mobile number,
// +91 and ten digits starting 98, valid for any g and m < 10.
func hugePhone(g, m int) string {
	return fmt.Sprintf("+91 98%d%02d %05d", m%10, g/100_000%100, g%100_000)
}

// measure loads paths, returning the time taken and the peak heap in MB
// with what Load returns.
func measure(paths []string) (time.Duration, float64, *Desired, error) {
	runtime.GC()
	stop := peakHeap()
	start := time.Now()
	d, err := Load(paths)
	took := time.Since(start)
	return took, stop(), d, err
}

// TestHugeSpecs loads the huge specs in full and logs the time and peak
// heap they take. It takes a minute, so it runs only with GENUINCTL_HUGE=1:
//
//	GENUINCTL_HUGE=1 go test ./spec -run TestHugeSpecs -v
func TestHugeSpecs(t *testing.T) {
	if os.Getenv("GENUINCTL_HUGE") == "" {
		t.Skip("set GENUINCTL_HUGE=1 to load the 58 MB and 52 MB specs")
	}
	t.Run("invalid", func(t *testing.T) {
		file := writeHugeInvalid(t, t.TempDir(), hugeInvalidMembers)
		took, peak, _, err := measure([]string{file})
		ds := Diagnostics(err)
		t.Logf("%d diagnostics printed, %d bytes; %v, peak heap %.0f MB", len(ds), len(err.Error()), took, peak)
		more := fmt.Sprint(2*hugeInvalidMembers+1-MaxDiagnostics, " more problems")
		if last := ds[len(ds)-1].Message; len(ds) != MaxDiagnostics+1 || !strings.HasPrefix(last, more) {
			t.Errorf("%d diagnostics, the last %q; want %d, the last saying %q", len(ds), last, MaxDiagnostics+1, more)
		}
	})
	t.Run("valid", func(t *testing.T) {
		file := writeHugeValid(t, t.TempDir(), hugeValidGroups)
		took, peak, d, err := measure([]string{file})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d groups; %v, peak heap %.0f MB", len(d.Groups), took, peak)
	})
}

// BenchmarkLoadHugeInvalid loads the 58 MB flood of 3,000,001 problems
// (hugeInvalidMembers/100 members under -short).
func BenchmarkLoadHugeInvalid(b *testing.B) {
	benchmarkHuge(b, writeHugeInvalid(b, b.TempDir(), hugeSize(b, hugeInvalidMembers)), false)
}

// BenchmarkLoadHugeValid loads the 52 MB spec of 150,000 groups
// (hugeValidGroups/100 under -short).
func BenchmarkLoadHugeValid(b *testing.B) {
	benchmarkHuge(b, writeHugeValid(b, b.TempDir(), hugeSize(b, hugeValidGroups)), true)
}

// hugeSize is n, or n/100 under -short.
func hugeSize(b *testing.B, n int) int {
	if testing.Short() {
		return n / 100
	}
	return n
}

func benchmarkHuge(b *testing.B, file string, valid bool) {
	runtime.GC()
	stop := peakHeap()
	for b.Loop() {
		if _, err := Load([]string{file}); (err == nil) != valid {
			b.Fatalf("Load: %.200v", err)
		}
	}
	b.ReportMetric(stop(), "peak-heap-MB")
}
