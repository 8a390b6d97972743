package spec

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestInOrder(t *testing.T) {
	items := make([]int, 100)
	for i := range items {
		items[i] = i
	}
	var running, most atomic.Int32
	f := func(i int) int {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Duration(i%7) * 100 * time.Microsecond)
		running.Add(-1)
		return i * i
	}
	next := 0
	for r := range inOrder(items, 3, f) {
		if r != next*next {
			t.Fatalf("result %d is %d, want %d", next, r, next*next)
		}
		next++
		if next == 50 {
			break // stopping early must not block or leak a panic
		}
	}
	if most.Load() > 6 {
		t.Errorf("%d calls at once, want at most 6", most.Load())
	}
}
