package spec

import (
	"cmp"
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

// diagnostics collects the problems of one Load.
type diagnostics []*Diagnostic

// add records a problem at pos.
func (ds *diagnostics) add(pos Pos, addr, format string, args ...any) {
	*ds = append(*ds, &Diagnostic{Pos: pos, Address: addr, Message: fmt.Sprintf(format, args...)})
}

// err returns the diagnostics sorted by position and de-duplicated, as a
// *multierror.Error that prints one per line, or nil when there are none.
func (ds diagnostics) err() error {
	if len(ds) == 0 {
		return nil
	}
	sorted := slices.Clone(ds)
	slices.SortStableFunc(sorted, compareDiagnostics)
	sorted = slices.CompactFunc(sorted, func(a, b *Diagnostic) bool { return *a == *b })
	merr := &multierror.Error{ErrorFormat: onePerLine}
	for _, d := range sorted {
		merr.Errors = append(merr.Errors, d)
	}
	return merr
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
