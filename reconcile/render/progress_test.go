package render

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile"
)

// fakeClock is the views' clock in golden tests: it moves only when told.
type fakeClock struct{ t time.Time }

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// scripted is a view driven by hand: its ticker is not started, the test
// calls tick.
type scripted interface {
	ApplyView
	tick()
}

// manual starts v on clk without its ticker.
func manual(v scripted, clk *fakeClock) {
	switch v := v.(type) {
	case *ApplyText:
		v.mu.Lock()
		v.m.now = clk.now
		v.begin()
		v.mu.Unlock()
	case *ApplyJSON:
		v.mu.Lock()
		v.m.now = clk.now
		v.begin()
		v.mu.Unlock()
	}
}

// scenarioPlan has six changes to apply (and one blocked, never applied).
func scenarioPlan() *reconcile.Plan {
	member := func(id string) reconcile.Member { return reconcile.Member{Identity: "user:" + id, UserID: id} }
	return &reconcile.Plan{
		FormatVersion: reconcile.PlanFormatVersion,
		Changes: []*reconcile.Change{
			{Address: "community/acme", Kind: reconcile.KindCommunity, Action: reconcile.ActionCreate, Calls: 1},
			{Address: "group/acme/a", Kind: reconcile.KindGroup, Action: reconcile.ActionCreate, Calls: 1},
			{Address: "group/acme/b", Kind: reconcile.KindGroup, Action: reconcile.ActionCreate, Calls: 3,
				MembersAdded: []reconcile.Member{member("u1"), member("u2"), member("u3")}},
			{Address: "group/acme/c", Kind: reconcile.KindGroup, Action: reconcile.ActionPending, Calls: 2},
			{Address: "group/acme/d", Kind: reconcile.KindGroup, Action: reconcile.ActionUpdate, Calls: 2},
			{Address: "group/acme/e", Kind: reconcile.KindGroup, Action: reconcile.ActionUpdate, Calls: 3},
			{Address: "group/acme/e", Kind: reconcile.KindGroup, Action: reconcile.ActionBlocked},
		},
		Summary: reconcile.Summary{Create: 3, Pending: 1, Update: 2, Blocked: 1, Calls: 12},
	}
}

var videoNotFound = &genuin.APIError{Op: "group/create", Status: 500, Code: genuin.CodeVideoNotFound,
	Message: "Video not found", Kind: genuin.KindServer}

// scenarioErr is what Apply returns after the scenario.
func scenarioErr() error {
	return multierror.Append(&multierror.Error{},
		&reconcile.ChangeError{Address: "group/acme/a", Err: videoNotFound},
		&reconcile.ChangeError{Address: "group/acme/d", Err: errors.New("update_conversation: connection reset")},
		reconcile.ErrInterrupted)
}

// runScenario drives a started view through an apply: successes, an API
// error, a plain error, a stop, rate changes and two ticks 10 s apart.
func runScenario(v scripted, clk *fakeClock, calls *atomic.Int64) {
	c := scenarioPlan().Changes
	v.ChangeStarted(c[0])
	clk.advance(1200 * time.Millisecond)
	calls.Store(1)
	v.ChangeFinished(c[0], reconcile.Outcome{Calls: 1, Duration: 1200 * time.Millisecond})
	v.ChangeStarted(c[1])
	v.ChangeStarted(c[2])
	v.ChangeStarted(c[3])
	clk.advance(1800 * time.Millisecond) // 3s
	calls.Store(4)
	v.RateChanged(genuin.RateChange{From: 10, To: 5, Reason: "429 Too Many Requests from the API"})
	clk.advance(time.Second) // 4s
	v.ChangeFinished(c[1], reconcile.Outcome{Err: videoNotFound, Calls: 1, Duration: 2800 * time.Millisecond})
	clk.advance(6 * time.Second) // 10s
	calls.Store(7)
	v.tick()
	clk.advance(2 * time.Second) // 12s
	v.ChangeFinished(c[2], reconcile.Outcome{Calls: 3, Duration: 9 * time.Second})
	v.ChangeFinished(c[3], reconcile.Outcome{Err: reconcile.ErrInterrupted, Calls: 1, Duration: 9 * time.Second})
	v.ChangeStarted(c[4])
	clk.advance(8 * time.Second) // 20s
	calls.Store(12)
	v.tick()
	// No Duration in the outcome: the view measures it.
	v.ChangeFinished(c[4], reconcile.Outcome{Err: errors.New("update_conversation: connection reset"), Calls: 2})
	v.RateChanged(genuin.RateChange{From: 5, To: 7.5, Reason: "recovered to the ceiling"})
	clk.advance(123 * time.Millisecond)
	v.Stop()
	v.Summary(scenarioErr(), calls.Load(), "genuin.lock", 3)
}

func scenarioOptions(calls *atomic.Int64) ApplyViewOptions {
	return ApplyViewOptions{Plan: scenarioPlan(), Parallelism: 4, Requests: calls.Load}
}

// TestApplyTextGolden: the human view's output in each progress mode, the
// plain one written every 10 s, with a fake clock and ticks by hand.
func TestApplyTextGolden(t *testing.T) {
	for _, mode := range []Progress{ProgressPlain, ProgressNone} {
		t.Run(string(mode), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var calls atomic.Int64
			o := scenarioOptions(&calls)
			o.Progress, o.Notices = mode, &stderr
			v := NewApply(&stdout, o).(*ApplyText)
			clk := newFakeClock()
			manual(v, clk)
			runScenario(v, clk, &calls)
			checkGolden(t, filepath.Join("testdata", "apply-"+string(mode)+".txt"),
				[]byte(stdout.String()+"--- stderr ---\n"+stderr.String()))
		})
	}
}

// terminal records what stdout and stderr write to one screen, the
// control sequences spelled out, and when stdout is flushed.
type terminal struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (t *terminal) write(prefix string, p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.WriteString(prefix + strings.ReplaceAll(string(p), eraseLine, "<erase>"))
	return len(p), nil
}

func (t *terminal) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

type ttyStdout struct{ *terminal }

func (w ttyStdout) Write(p []byte) (int, error) { return w.write("", p) }
func (w ttyStdout) Flush() error                { _, err := w.write("<flush>", nil); return err }

type ttyStderr struct{ *terminal }

func (w ttyStderr) Write(p []byte) (int, error) { return w.write("<stderr>", p) }

// TestApplyTextTTYGolden: the live status line is drawn, erased before
// every other line (stdout or stderr), redrawn after it, flushed every
// time it is drawn, and cleared by Stop before the summary.
func TestApplyTextTTYGolden(t *testing.T) {
	term := &terminal{}
	var calls atomic.Int64
	o := scenarioOptions(&calls)
	o.Progress, o.Notices = ProgressTTY, ttyStderr{term}
	v := NewApply(ttyStdout{term}, o).(*ApplyText)
	clk := newFakeClock()
	manual(v, clk)
	runScenario(v, clk, &calls)
	checkGolden(t, filepath.Join("testdata", "apply-tty.txt"), []byte(term.String()))
}

// TestApplyTextTTYBytes pins the exact bytes of a redraw on a plain
// buffer: carriage return and erase line, the status line without a
// newline, and a finished change's line between an erase and a redraw.
func TestApplyTextTTYBytes(t *testing.T) {
	var b bytes.Buffer
	plan := &reconcile.Plan{Summary: reconcile.Summary{Create: 1234, Update: 3766}}
	v := NewApply(&b, ApplyViewOptions{Plan: plan, Progress: ProgressTTY}).(*ApplyText)
	manual(v, newFakeClock())
	c := &reconcile.Change{Address: "community/acme", Action: reconcile.ActionCreate}
	v.ChangeStarted(c)
	v.ChangeFinished(c, reconcile.Outcome{Duration: time.Second})
	v.Stop()
	v.Stop()
	want := "\r\x1b[2K0/5,000 changes (0%), 0 requests/s, 0 in flight, 0 failed" +
		"\r\x1b[2K✓ community/acme create in 1s\n" +
		"\r\x1b[2K1/5,000 changes (0%), 0 requests/s, 0 in flight, 0 failed" +
		"\r\x1b[2K"
	if got := b.String(); got != want {
		t.Errorf("tty output:\n%q\nwant:\n%q", got, want)
	}
}

// TestApplyTextTTYWidth: the status line is cut to the terminal's width
// less one column, since a wrapped line cannot be redrawn in place.
func TestApplyTextTTYWidth(t *testing.T) {
	var b bytes.Buffer
	plan := &reconcile.Plan{Summary: reconcile.Summary{Create: 10}}
	v := NewApply(&b, ApplyViewOptions{Plan: plan, Progress: ProgressTTY, Width: func() int { return 21 }}).(*ApplyText)
	manual(v, newFakeClock())
	if want := eraseLine + "0/10 changes (0%), 0"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// TestApplyTextStop: Stop is idempotent, Start after Stop starts nothing,
// and the plain mode writes nothing of its own at Start or Stop.
func TestApplyTextStop(t *testing.T) {
	var b bytes.Buffer
	v := NewApply(&b, ApplyViewOptions{Progress: ProgressPlain}).(*ApplyText)
	v.Start()
	v.Stop()
	v.Stop()
	v.Start()
	v.Stop()
	if b.Len() != 0 {
		t.Errorf("plain progress wrote %q at Start/Stop", b.String())
	}
	if v.pulse == nil {
		t.Fatal("Start started no ticker")
	}
	select {
	case <-v.pulse.done:
	default:
		t.Error("ticker still running after Stop")
	}
}

func TestParseProgress(t *testing.T) {
	tests := []struct {
		flag     string
		terminal bool
		want     Progress
		err      bool
	}{
		{"auto", true, ProgressTTY, false},
		{"auto", false, ProgressPlain, false},
		{"tty", false, ProgressTTY, false},
		{"plain", true, ProgressPlain, false},
		{"none", true, ProgressNone, false},
		{"", true, "", true},
		{"fancy", true, "", true},
	}
	for _, tt := range tests {
		got, err := ParseProgress(tt.flag, tt.terminal)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("ParseProgress(%q, %v) = %q, %v; want %q, error %v", tt.flag, tt.terminal, got, err, tt.want, tt.err)
		}
	}
}

// TestFigures: the progress line's wording, thousands separators, rates
// and ETA.
func TestFigures(t *testing.T) {
	tests := []struct {
		f    figures
		want string
	}{
		{figures{done: 1234, total: 5000, failed: 3, inFlight: 32, requestRate: 61.4, eta: 62 * time.Second},
			"1,234/5,000 changes (24%), 61 requests/s, 32 in flight, 3 failed, ETA 1m02s"},
		{figures{done: 0, total: 7, requestRate: 0.25, eta: -1},
			"0/7 changes (0%), 0.3 requests/s, 0 in flight, 0 failed"},
		{figures{done: 0, total: 0, eta: -1},
			"0/0 changes (100%), 0 requests/s, 0 in flight, 0 failed"},
		{figures{done: 10, total: 1234567, requestRate: 9.96, eta: 2*time.Hour + 5*time.Minute + 40*time.Second},
			"10/1,234,567 changes (0%), 10 requests/s, 0 in flight, 0 failed, ETA 2h05m"},
		{figures{done: 1, total: 2, eta: 400 * time.Millisecond},
			"1/2 changes (50%), 0 requests/s, 0 in flight, 0 failed, ETA 0s"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("figures %+v:\n got %s\nwant %s", tt.f, got, tt.want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 123456: "123,456", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestMeterWindow: rates look at the latest few seconds, not the whole
// apply, and a tty ticking five times a second keeps a bounded history.
func TestMeterWindow(t *testing.T) {
	clk := newFakeClock()
	var calls int64
	m := newMeter(ApplyViewOptions{Requests: func() int64 { return calls }})
	m.now = clk.now
	m.begin()
	// A fast first minute, then a slow one.
	for range 300 {
		clk.advance(TTYInterval)
		calls += 20
		m.sample()
	}
	for range 300 {
		clk.advance(TTYInterval)
		calls++
		m.sample()
	}
	if got := m.figures().requestRate; got != 5 {
		t.Errorf("request rate = %v/s, want 5/s (the last seconds only)", got)
	}
	if n := len(m.samples); n > int(rateWindow/TTYInterval)+2 {
		t.Errorf("%d samples kept, want at most %d", n, int(rateWindow/TTYInterval)+2)
	}
}

// hammer runs n changes through v from many goroutines at once, with rate
// changes among them, while v's ticker runs.
func hammer(v ApplyView, n int) {
	v.Start()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &reconcile.Change{Address: fmt.Sprintf("group/acme/g%04d", i), Kind: reconcile.KindGroup, Action: reconcile.ActionCreate}
			v.ChangeStarted(c)
			time.Sleep(time.Duration(i%7) * time.Millisecond)
			var err error
			switch i % 10 {
			case 3:
				err = videoNotFound
			case 7:
				err = reconcile.ErrTimedOut
			}
			v.ChangeFinished(c, reconcile.Outcome{Err: err, Calls: 1})
			if i%25 == 0 {
				v.RateChanged(genuin.RateChange{From: 10, To: 5, Reason: "429 Too Many Requests from the API"})
			}
		}()
	}
	wg.Wait()
	v.Stop()
	v.Summary(nil, int64(n), "genuin.lock", 1)
}

// TestApplyTextConcurrent (run with -race): hooks from many goroutines,
// the ticker redrawing every millisecond; on the shared terminal every
// finished change's line starts at the start of a line, the status line
// is never left between them, and nothing is lost.
func TestApplyTextConcurrent(t *testing.T) {
	const n = 400
	for _, mode := range []Progress{ProgressTTY, ProgressPlain, ProgressNone} {
		t.Run(string(mode), func(t *testing.T) {
			term := &terminal{}
			var calls atomic.Int64
			plan := &reconcile.Plan{Summary: reconcile.Summary{Create: n}}
			v := NewApply(ttyStdout{term}, ApplyViewOptions{Plan: plan, Progress: mode, Requests: calls.Load,
				Notices: ttyStderr{term}}).(*ApplyText)
			v.every = time.Millisecond
			hammer(v, n)
			out := term.String()
			lines := strings.Split(out, "\n")
			changes, rates := 0, 0
			for _, line := range lines[:len(lines)-1] {
				parts := strings.Split(line, "<erase>")
				last := strings.TrimPrefix(parts[len(parts)-1], "<flush>")
				last = strings.TrimPrefix(last, "<stderr>")
				switch {
				case strings.HasPrefix(last, "✓ "), strings.HasPrefix(last, "✗ "), strings.HasPrefix(last, "… "):
					changes++
				case strings.HasPrefix(last, "rate: "):
					rates++
				case strings.HasPrefix(last, "progress: ") && mode == ProgressPlain,
					last == "", strings.HasPrefix(last, "320 succeeded, 40 failed, 40 stopped; 400 API requests."):
				default:
					t.Errorf("stray line %q", line)
				}
			}
			if changes != n || rates != n/25 {
				t.Errorf("%d change lines and %d rate lines, want %d and %d", changes, rates, n, n/25)
			}
			if mode == ProgressTTY && !strings.Contains(out, "<erase><flush>\n320 succeeded") {
				t.Errorf("status line not cleared before the summary:\n%s", out[max(0, len(out)-300):])
			}
		})
	}
}
