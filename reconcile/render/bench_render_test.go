package render_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/genuin/genuinctl/internal/benchdata"
	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/render"
	"github.com/genuin/genuinctl/spec"
)

// BenchmarkRenderCreate renders the plan of a generated campaign to create
// (internal/benchdata: groups of 50 members, every member added) as text
// and JSON, to a writer that discards it, reporting the bytes written.
//
//	go test ./reconcile/render -run '^$' -bench RenderCreate -benchtime 3x
func BenchmarkRenderCreate(b *testing.B) {
	for _, groups := range benchdata.Sizes() {
		in := benchdata.ForBenchmark(b, groups)
		b.StopTimer()
		d, err := spec.Load([]string{in.Dir})
		if err != nil {
			b.Fatal(err)
		}
		p := reconcile.Diff(d, nil, reconcile.Options{Namespace: "bench"})
		b.StartTimer()
		renderings := []struct {
			name   string
			render func(io.Writer) error
		}{
			{"text", func(w io.Writer) error { return render.Text(w, p, render.TextOptions{}) }},
			{"json", func(w io.Writer) error { return render.JSON(w, p, render.JSONOptions{}) }},
		}
		for _, r := range renderings {
			b.Run(fmt.Sprintf("groups=%d/%s", groups, r.name), func(b *testing.B) {
				var n counter
				for b.Loop() {
					n = 0
					if err := r.render(&n); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n), "bytes")
			})
		}
	}
}

type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }
