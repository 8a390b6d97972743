package render

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile"
)

// ApplyText is the human view of an apply: one line per change as it
// finishes, then a summary. It implements reconcile.Hooks.
type ApplyText struct {
	w       io.Writer
	started map[*reconcile.Change]time.Time
	ok      int
	failed  int
}

var _ reconcile.Hooks = (*ApplyText)(nil)

// NewApplyText returns an apply view writing to w.
func NewApplyText(w io.Writer) *ApplyText {
	return &ApplyText{w: w, started: map[*reconcile.Change]time.Time{}}
}

// ChangeStarted notes when a change starts, to say how long it took.
func (v *ApplyText) ChangeStarted(c *reconcile.Change) { v.started[c] = time.Now() }

// ChangeFinished prints one line: done, failed (the reason comes with the
// errors at the end), or stopped before its next request.
func (v *ApplyText) ChangeFinished(c *reconcile.Change, o reconcile.Outcome) {
	err := o.Err
	took := time.Since(v.started[c]).Round(time.Millisecond)
	switch {
	case reconcile.IsStop(err):
		fmt.Fprintf(v.w, "… %s %s stopped before its next request; the next apply continues it\n", c.Address, c.Action)
	case err != nil:
		v.failed++
		fmt.Fprintf(v.w, "✗ %s %s failed after %s\n", c.Address, c.Action, took)
	default:
		v.ok++
		fmt.Fprintf(v.w, "✓ %s %s", c.Address, c.Action)
		if n, m := len(c.MembersAdded), len(c.MembersRemoved); n+m > 0 {
			fmt.Fprintf(v.w, " (+%d −%d members)", n, m)
		}
		fmt.Fprintf(v.w, " in %s\n", took)
	}
}

// Summary writes the closing line of an apply that returned err: how many
// changes succeeded, failed and were held back, the API requests made and
// the lockfile's serial.
func (v *ApplyText) Summary(err error, requests int64, lockfile string, serial int64) {
	fmt.Fprintf(v.w, "\n%d succeeded, %d failed", v.ok, v.failed)
	if held := heldBack(reconcile.Failures(err)); held > 0 {
		fmt.Fprintf(v.w, ", %d held back", held)
	}
	fmt.Fprintf(v.w, "; %s. %s is at serial %d.\n", Plural(int(requests), "API request"), lockfile, serial)
}

// ApplyErrors words the error of an apply for people: one line per failed
// address (a community whose create failed with the count of groups it
// held back), then why the apply stopped early, or how many addresses
// failed and what to do.
func ApplyErrors(err error) string {
	failures := reconcile.Failures(err)
	var b strings.Builder
	if len(failures) > 0 {
		b.WriteString("apply finished with errors:\n")
	}
	for _, f := range failures {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	for _, hint := range hints(failures) {
		fmt.Fprintf(&b, "  hint: %s\n", hint)
	}
	switch {
	case errors.Is(err, reconcile.ErrTimedOut):
		b.WriteString(reconcile.ErrTimedOut.Error())
	case errors.Is(err, reconcile.ErrInterrupted):
		b.WriteString(reconcile.ErrInterrupted.Error())
	case len(failures) == 0: // a failure before the first change
		b.WriteString(err.Error())
	default:
		fmt.Fprintf(&b, "%s failed", Plural(len(failures), "address"))
		if held := heldBack(failures); held > 0 {
			fmt.Fprintf(&b, ", %s held back", Plural(held, "group"))
		}
		b.WriteString("; every success is recorded: fix the causes and run apply again")
	}
	return b.String()
}

// heldBack counts the groups held back by failed community creates.
func heldBack(failures []*reconcile.ChangeError) int {
	n := 0
	for _, f := range failures {
		n += f.HeldBack
	}
	return n
}

// hints are what the API's error codes suggest doing, each once, in the
// order the failures met them.
func hints(failures []*reconcile.ChangeError) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range failures {
		var apiErr *genuin.APIError
		if !errors.As(f, &apiErr) {
			continue
		}
		if h := apiErr.Hint(); h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}
