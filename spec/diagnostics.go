package spec

import (
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
)

// Diagnostic is one problem found in a spec, at the position that causes it.
type Diagnostic struct {
	Pos Pos
	// Address is the community or group concerned (community/<handle>,
	// group/<community>/<key>), or empty when there is none.
	Address string
	Message string
}

// Error renders the diagnostic as file:line:col: address: message, leaving
// out what is unknown: the column, the line, the address.
func (d *Diagnostic) Error() string {
	var b strings.Builder
	switch {
	case d.Pos.File == "":
	case d.Pos.Line == 0:
		b.WriteString(d.Pos.File + ": ")
	default:
		b.WriteString(d.Pos.String() + ": ")
	}
	if d.Address != "" {
		b.WriteString(d.Address)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics returns the diagnostics an error from Load carries, in order.
// It returns nil for an error that carries none.
func Diagnostics(err error) []*Diagnostic {
	var merr *multierror.Error
	if errors.As(err, &merr) {
		var out []*Diagnostic
		for _, e := range merr.Errors {
			out = append(out, Diagnostics(e)...)
		}
		return out
	}
	var d *Diagnostic
	if errors.As(err, &d) {
		return []*Diagnostic{d}
	}
	return nil
}

// MaxDiagnostics is the most diagnostics Load reports: the first ones by
// position. When there are more, one last diagnostic, at the first one left
// out, says how many more were found. A file full of mistakes thus costs
// memory and output in proportion to MaxDiagnostics, not to its mistakes.
const MaxDiagnostics = 1000

// diagnostics collects the problems of one Load, or of one file being
// prepared: the first MaxDiagnostics by position, distinct, and a count of
// the rest.
type diagnostics struct {
	kept  maxHeap             // at most MaxDiagnostics, the last in order on top
	index map[Diagnostic]bool // the kept ones
	// found counts the problems found, kept or not (only a problem equal to
	// a kept one is not counted again); firstLeft is the first of those not
	// kept, or nil.
	found     int
	firstLeft *Diagnostic
}

// add records a problem at pos. A problem that comes after MaxDiagnostics
// others is counted without wording its message, unless it may be the
// first one left out.
func (ds *diagnostics) add(pos Pos, addr, format string, args ...any) {
	addr = clipAddress(addr)
	if len(ds.kept) == MaxDiagnostics && ds.firstLeft != nil && comparePlace(ds.firstLeft, pos, addr) < 0 {
		ds.found++
		return
	}
	ds.insert(&Diagnostic{Pos: pos, Address: addr, Message: fmt.Sprintf(format, args...)})
}

// insert records d unless an equal diagnostic is kept already.
func (ds *diagnostics) insert(d *Diagnostic) {
	if ds.index[*d] {
		return
	}
	ds.found++
	if len(ds.kept) == MaxDiagnostics {
		if compareDiagnostics(d, ds.kept[0]) >= 0 {
			ds.leave(d)
			return
		}
		last := heap.Pop(&ds.kept).(*Diagnostic)
		delete(ds.index, *last)
		ds.leave(last)
	}
	if ds.index == nil {
		ds.index = map[Diagnostic]bool{}
	}
	ds.index[*d] = true
	heap.Push(&ds.kept, d)
}

// leave notes a diagnostic that is not kept.
func (ds *diagnostics) leave(d *Diagnostic) {
	if ds.firstLeft == nil || compareDiagnostics(d, ds.firstLeft) < 0 {
		ds.firstLeft = d
	}
}

// count is the number of problems found so far: it grows with each new one.
func (ds *diagnostics) count() int { return ds.found }

// merge adds the problems that other found.
func (ds *diagnostics) merge(other *diagnostics) {
	for _, d := range other.kept {
		ds.insert(d)
	}
	// What other left out comes after what it kept, and so after the first
	// MaxDiagnostics of all: it is left out here too.
	if other.firstLeft != nil {
		ds.found += other.found - len(other.kept)
		ds.leave(other.firstLeft)
	}
}

// err returns the diagnostics sorted by position, and a last one saying
// how many more were found, as a *multierror.Error that prints one per
// line; nil when there are none.
func (ds *diagnostics) err() error {
	if ds.found == 0 {
		return nil
	}
	sorted := slices.Clone(ds.kept)
	slices.SortFunc(sorted, compareDiagnostics)
	if left := ds.found - len(sorted); left > 0 {
		more := fmt.Sprintf("%d more problems from here on are not shown", left)
		if left == 1 {
			more = "1 more problem from here on is not shown"
		}
		sorted = append(sorted, &Diagnostic{
			Pos:     ds.firstLeft.Pos,
			Message: fmt.Sprintf("%s: only the first %d are", more, MaxDiagnostics),
		})
	}
	merr := &multierror.Error{ErrorFormat: onePerLine}
	for _, d := range sorted {
		merr.Errors = append(merr.Errors, d)
	}
	return merr
}

// maxHeap is a container/heap of diagnostics, the last in order on top.
type maxHeap []*Diagnostic

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return compareDiagnostics(h[i], h[j]) > 0 }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(*Diagnostic)) }
func (h *maxHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	*h = old[:len(old)-1]
	return d
}

// comparePlace orders d against a diagnostic at pos for addr, as
// compareDiagnostics would when their messages tie.
func comparePlace(d *Diagnostic, pos Pos, addr string) int {
	return compareDiagnostics(d, &Diagnostic{Pos: pos, Address: addr})
}

func compareDiagnostics(a, b *Diagnostic) int {
	return cmp.Or(
		cmp.Compare(a.Pos.File, b.Pos.File),
		cmp.Compare(a.Pos.Line, b.Pos.Line),
		cmp.Compare(a.Pos.Col, b.Pos.Col),
		cmp.Compare(a.Address, b.Address),
		cmp.Compare(a.Message, b.Message),
	)
}

// onePerLine is the multierror format: each error on its own line, no header.
func onePerLine(errs []error) string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}
