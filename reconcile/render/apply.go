package render

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile"
)

// ApplyView is what the apply command holds while reconcile.Apply runs:
// the hooks Apply calls, the client's rate changes, the progress
// lifecycle and the closing summary. ApplyText and ApplyJSON implement it;
// every method is safe to call from any goroutine.
type ApplyView interface {
	reconcile.Hooks
	// RateChanged says that the client's request rate changed, and why;
	// it fits genuin.Options.OnRateChange.
	RateChanged(rc genuin.RateChange)
	// Start begins the apply's record and its periodic progress; call it
	// before reconcile.Apply.
	Start()
	// Stop ends the periodic progress; it is idempotent, and Summary calls
	// it.
	Stop()
	// Summary closes the record of an apply that returned err, after
	// requests API requests, its lockfile at path lockfile now at serial.
	Summary(err error, requests int64, lockfile string, serial int64)
}

var (
	_ ApplyView = (*ApplyText)(nil)
	_ ApplyView = (*ApplyJSON)(nil)
)

// ApplyViewOptions describe the apply a view reports on and where its
// extra output goes.
type ApplyViewOptions struct {
	// JSON chooses the NDJSON events (apply -o json) over the human text.
	JSON bool
	// Plan is the plan being applied: its changes are the progress's total
	// and its API calls the planned ones. Nil leaves both zero.
	Plan *reconcile.Plan
	// Parallelism is reconcile.ApplyOptions' Parallelism; 0 means
	// reconcile.DefaultParallelism.
	Parallelism int
	// Requests returns the API requests sent so far (genuin.Client.Calls),
	// for the request rate; nil counts none.
	Requests func() int64
	// Progress is the human view's progress line; the JSON view writes a
	// progress event every PlainInterval whatever it says. "" means none.
	Progress Progress
	// Notices receives the human view's lines that are not the apply's
	// record, the rate changes: stderr. Nil means the view's own writer.
	Notices io.Writer
	// Width returns the terminal's width in columns: the tty status line
	// is cut to fit, since a wrapped line cannot be redrawn in place. Nil,
	// or a width of 0 or less, cuts nothing.
	Width func() int
}

// NewApply returns the view o asks for, writing to w: ApplyJSON when
// o.JSON, ApplyText otherwise.
func NewApply(w io.Writer, o ApplyViewOptions) ApplyView {
	if o.JSON {
		return NewApplyJSON(w, o)
	}
	return newApplyText(w, o)
}

// eraseLine moves to the start of the line and clears it.
const eraseLine = "\r\x1b[2K"

// ApplyText is the human view of an apply: one line per change as it
// finishes, the rate changes on their own writer, an optional progress
// line (plain or a live tty status line kept below the other lines), then
// a summary. Every method is safe for concurrent use: one lock guards the
// figures and the writer, so lines and the status line never interleave.
type ApplyText struct {
	mu       sync.Mutex
	w        io.Writer
	notices  io.Writer
	ownNotes bool // notices is not w
	progress Progress
	width    func() int
	every    time.Duration
	m        meter

	began   bool
	running bool // the progress is ticking
	ended   bool
	live    bool // the tty status line is on screen
	pulse   *pulse
}

// NewApplyText returns the human view of an apply writing to w, without a
// progress line; rate changes go to w too.
func NewApplyText(w io.Writer) *ApplyText { return newApplyText(w, ApplyViewOptions{}) }

func newApplyText(w io.Writer, o ApplyViewOptions) *ApplyText {
	v := &ApplyText{w: w, notices: w, progress: o.Progress, width: o.Width, m: newMeter(o)}
	if o.Notices != nil {
		v.notices, v.ownNotes = o.Notices, true
	}
	switch v.progress {
	case ProgressTTY:
		v.every = TTYInterval
	case ProgressPlain:
		v.every = PlainInterval
	}
	return v
}

// Start draws the first status line (tty) and starts the progress ticker.
// It does nothing more when called again.
func (v *ApplyText) Start() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.begin() || v.every <= 0 {
		return
	}
	v.pulse = startPulse(v.every, v.tick)
}

// begin starts the figures and, for tty, draws the status line; it
// reports whether this was the first call. The caller holds v.mu.
func (v *ApplyText) begin() bool {
	if v.began || v.ended {
		return false
	}
	v.began = true
	v.m.begin()
	v.running = v.progress == ProgressTTY || v.progress == ProgressPlain
	if v.progress == ProgressTTY {
		v.draw()
	}
	return true
}

// tick is what the ticker calls: sample the counters, then redraw the tty
// status line or write a plain progress line.
func (v *ApplyText) tick() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.running {
		return
	}
	v.m.sample()
	switch v.progress {
	case ProgressTTY:
		v.draw()
	case ProgressPlain:
		fmt.Fprintf(v.w, "progress: %s\n", v.m.figures())
		flush(v.w)
	}
}

// draw (re)writes the tty status line in place. The caller holds v.mu.
func (v *ApplyText) draw() {
	line := v.m.figures().String()
	if v.width != nil {
		// The last column is left free: writing into it wraps on some
		// terminals, and a wrapped line cannot be erased in place.
		if n := v.width() - 1; n > 0 {
			line = cut(line, n)
		}
	}
	io.WriteString(v.w, eraseLine+line)
	flush(v.w)
	v.live = true
}

// cut shortens s to at most n runes.
func cut(s string, n int) string {
	i := 0
	for at := range s {
		if i == n {
			return s[:at]
		}
		i++
	}
	return s
}

// println writes a line above the status line: erase it, write, redraw.
// A notice goes to the notices writer, after the erase is flushed so that
// a terminal shows them in order. The caller holds v.mu.
func (v *ApplyText) println(notice bool, line string) {
	w := v.w
	if notice {
		w = v.notices
	}
	if v.live {
		io.WriteString(v.w, eraseLine)
		if notice && v.ownNotes {
			flush(v.w)
		}
	}
	io.WriteString(w, line+"\n")
	if v.live {
		v.draw() // flushes
	} else {
		flush(w) // a buffered stdout: each result shows as it comes
	}
}

// Stop stops the ticker and clears the tty status line, leaving the
// terminal ready for the summary. It is idempotent.
func (v *ApplyText) Stop() {
	v.mu.Lock()
	v.ended, v.running = true, false
	if v.live {
		io.WriteString(v.w, eraseLine)
		flush(v.w)
		v.live = false
	}
	p := v.pulse
	v.mu.Unlock()
	p.Stop()
}

// ChangeStarted notes when a change starts, to say how long it took and
// to count it in flight.
func (v *ApplyText) ChangeStarted(c *reconcile.Change) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.m.start(c)
}

// ChangeFinished prints one line: done, failed (the reason comes with the
// errors at the end), or stopped before its next request.
func (v *ApplyText) ChangeFinished(c *reconcile.Change, o reconcile.Outcome) {
	v.mu.Lock()
	defer v.mu.Unlock()
	st, took := v.m.finish(c, o)
	took = took.Round(time.Millisecond)
	var line string
	switch st {
	case statusStopped:
		line = fmt.Sprintf("… %s %s stopped before its next request; the next apply continues it", c.Address, c.Action)
	case statusFailed:
		line = fmt.Sprintf("✗ %s %s failed after %s", c.Address, c.Action, took)
	default:
		line = fmt.Sprintf("✓ %s %s", c.Address, c.Action)
		if n, m := len(c.MembersAdded), len(c.MembersRemoved); n+m > 0 {
			line += fmt.Sprintf(" (+%d −%d members)", n, m)
		}
		line += fmt.Sprintf(" in %s", took)
	}
	v.println(false, line)
}

// RateChanged writes one line to the notices writer (stderr): the
// request rate the client now keeps, the one before and why, in the
// client's words (genuin.RateChange.String).
func (v *ApplyText) RateChanged(rc genuin.RateChange) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.println(true, rc.String())
}

// Summary stops the progress, then writes the closing line of an apply
// that returned err: how many changes succeeded, failed, stopped (before
// their next request), were held back and were not started, the API
// requests made and the lockfile's serial.
func (v *ApplyText) Summary(err error, requests int64, lockfile string, serial int64) {
	v.Stop()
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.w, "\n%d succeeded, %d failed", v.m.ok, v.m.failed)
	if v.m.stopped > 0 {
		fmt.Fprintf(v.w, ", %d stopped", v.m.stopped)
	}
	held := heldBack(reconcile.Failures(err))
	if held > 0 {
		fmt.Fprintf(v.w, ", %d held back", held)
	}
	if left := v.m.total - v.m.done() - held; left > 0 && v.m.total > 0 {
		fmt.Fprintf(v.w, ", %d not started", left)
	}
	fmt.Fprintf(v.w, "; %s. %s is at serial %d.\n", Plural(int(requests), "API request"), lockfile, serial)
}

// The results of an apply, as ApplyResult names them.
const (
	// ResultConverged: every change was made; the platform matches the spec.
	ResultConverged = "converged"
	// ResultPartial: some addresses failed; every success is recorded.
	ResultPartial = "partial"
	// ResultInterrupted: an interrupt stopped new requests.
	ResultInterrupted = "interrupted"
	// ResultTimedOut: --timeout passed and stopped new requests.
	ResultTimedOut = "timed_out"
	// ResultBreaker: the circuit breaker tripped and stopped new requests.
	ResultBreaker = "breaker"
	// ResultError: the apply failed outside any change (before the first
	// one, such as a lockfile without state).
	ResultError = "error"
)

// ApplyResult names how an apply that returned err ended: converged,
// partial, interrupted, timed_out, breaker or error. A stop wins over
// failed addresses, since it is why the rest was not attempted.
func ApplyResult(err error) string {
	switch {
	case err == nil:
		return ResultConverged
	case errors.Is(err, reconcile.ErrInterrupted):
		return ResultInterrupted
	case errors.Is(err, reconcile.ErrTimedOut):
		return ResultTimedOut
	case errors.Is(err, reconcile.ErrBreakerOpen):
		return ResultBreaker
	case len(reconcile.Failures(err)) == 0:
		return ResultError
	}
	return ResultPartial
}

// ApplyErrors words the error of an apply for people: one line per failed
// address (a community whose create failed with the count of groups it
// held back), then why the apply stopped early, or how many addresses
// failed and what to do. A phone number a failure quotes (from the API's
// message) is masked, --show-pii or not: the address says which group.
func ApplyErrors(err error) string {
	failures := reconcile.Failures(err)
	var b strings.Builder
	if len(failures) > 0 {
		b.WriteString("apply finished with errors:\n")
	}
	for _, f := range failures {
		fmt.Fprintf(&b, "  %s\n", MaskPhonesIn(f.Error()))
	}
	for _, hint := range hints(failures) {
		fmt.Fprintf(&b, "  hint: %s\n", hint)
	}
	var lines []string
	for _, e := range apart(err) { // failures outside any change, such as the last checkpoint's
		var ce *reconcile.ChangeError
		if !errors.As(e, &ce) && !reconcile.IsStop(e) {
			lines = append(lines, e.Error())
		}
	}
	switch stop := stopCause(err); {
	case stop != nil:
		lines = append(lines, stop.Error())
	case len(failures) > 0:
		msg := Plural(len(failures), "address") + " failed"
		if held := heldBack(failures); held > 0 {
			msg += ", " + Plural(held, "group") + " held back"
		}
		lines = append(lines, msg+"; every success is recorded: fix the causes and run apply again")
	}
	b.WriteString(strings.Join(lines, "\n"))
	return b.String()
}

// apart lists the errors a multierror holds, or err alone.
func apart(err error) []error {
	var all *multierror.Error
	if errors.As(err, &all) {
		return all.Errors
	}
	return []error{err}
}

// stopCause returns why an apply stopped starting requests (an interrupt,
// --timeout, the circuit breaker), or nil: the first error of err that is
// a stop and not an address's failure.
func stopCause(err error) error {
	for _, e := range apart(err) {
		var ce *reconcile.ChangeError
		if reconcile.IsStop(e) && !errors.As(e, &ce) {
			return e
		}
	}
	return nil
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

// MaskPhonesIn masks (MaskPhone) the phone numbers an error may quote,
// from the API or from a lockfile's identities ("phone:<digits>"): every
// run of 8 to 15 digits that stands alone, '+' before it or not. Errors are
// masked even with --show-pii: they go to CI logs, and what they concern
// is named by its position or address. A run inside a word, an id or a longer number is left alone:
// a UUID's all-digit group is bound by '-'.
func MaskPhonesIn(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if n := j - i; n >= 8 && n <= 15 && (i == 0 || !isWordByte(s[i-1])) && (j == len(s) || !isWordByte(s[j])) {
			b.WriteString(s[last:i])
			b.WriteString(MaskPhone(s[i:j], false))
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isWordByte reports whether c binds a run of digits to what is around it:
// a letter, a digit, '_' or '-'.
func isWordByte(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-'
}
