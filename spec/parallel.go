package spec

import "iter"

// inOrder calls f on every item, up to n calls at a time, and yields the
// results in the order of the items. At most 2n results wait to be
// yielded, which bounds the memory they hold.
func inOrder[T, R any](items []T, n int, f func(T) R) iter.Seq[R] {
	return func(yield func(R) bool) {
		results := make([]chan R, len(items))
		for i := range results {
			results[i] = make(chan R, 1)
		}
		slots := make(chan struct{}, 2*n)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for i, item := range items {
				select {
				case slots <- struct{}{}:
				case <-stop:
					return
				}
				go func() { results[i] <- f(item) }()
			}
		}()
		for i := range items {
			r := <-results[i]
			<-slots
			if !yield(r) {
				return
			}
		}
	}
}
