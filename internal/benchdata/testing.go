package benchdata

import (
	"os"
	"path/filepath"
	"testing"
)

// CacheRoot is where benchmarks keep their generated inputs between runs:
// $GENUINCTL_BENCH_ROOT, else genuinctl-bench in the temporary directory
// (where .ci/bench-plan keeps them too).
func CacheRoot() string {
	if root := os.Getenv("GENUINCTL_BENCH_ROOT"); root != "" {
		return root
	}
	return filepath.Join(os.TempDir(), "genuinctl-bench")
}

// Sizes are the benchmarks' numbers of groups: 1,000, 5,000 and 20,000
// (1,000,000 memberships); under -short only the first two.
func Sizes() []int {
	if testing.Short() {
		return []int{1000, 5000}
	}
	return []int{1000, 5000, 20000}
}

// ForBenchmark returns the cached inputs of groups groups, generating
// them on first use, outside the benchmark's timer.
func ForBenchmark(b *testing.B, groups int) Inputs {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	in, err := Prepare(CacheRoot(), Campaign(groups))
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// FileSize is the size of the file at path.
func FileSize(b *testing.B, path string) int64 {
	b.Helper()
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return info.Size()
}
