package render

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/genuin/genuinctl/reconcile"
)

// Progress is how the human view of an apply shows its progress while
// changes run, as chosen by apply's --progress flag.
type Progress string

// The progress modes. "auto" is the flag's, resolved by ParseProgress.
const (
	// ProgressNone shows no progress line: only a line per finished change.
	ProgressNone Progress = "none"
	// ProgressPlain writes one progress line every PlainInterval, for CI
	// logs that cannot redraw a line.
	ProgressPlain Progress = "plain"
	// ProgressTTY redraws a status line in place about five times a
	// second, below the lines of the finished changes.
	ProgressTTY Progress = "tty"
)

// PlainInterval is how often the plain progress line and the JSON view's
// progress events are written.
const PlainInterval = 10 * time.Second

// TTYInterval is how often the tty status line is redrawn.
const TTYInterval = 200 * time.Millisecond

// rateWindow is how far back the request and completion rates look.
const rateWindow = 5 * time.Second

// ParseProgress reads a --progress value: auto, tty, plain or none. Auto
// is tty when stdout is a terminal, plain otherwise.
func ParseProgress(s string, terminal bool) (Progress, error) {
	switch p := Progress(s); p {
	case "auto":
		if terminal {
			return ProgressTTY, nil
		}
		return ProgressPlain, nil
	case ProgressTTY, ProgressPlain, ProgressNone:
		return p, nil
	}
	return "", fmt.Errorf("--progress %q: want auto, tty, plain or none", s)
}

// meter keeps the figures of an apply in progress. It is not safe for
// concurrent use: the view that owns it holds its lock around every call.
type meter struct {
	now      func() time.Time
	requests func() int64
	total    int

	started map[*reconcile.Change]time.Time
	ok      int
	failed  int
	stopped int
	samples []sample
	last    rates
}

// sample is the apply's counters at one instant.
type sample struct {
	at       time.Time
	requests int64
	done     int
}

// rates are computed at each tick over the latest rateWindow.
type rates struct {
	requests float64 // requests per second
	done     float64 // finished changes per second
}

// status is one finished change's fate.
type status string

const (
	statusOK      status = "ok"
	statusFailed  status = "failed"
	statusStopped status = "stopped"
)

func newMeter(o ApplyViewOptions) meter {
	m := meter{now: time.Now, requests: o.Requests, started: map[*reconcile.Change]time.Time{}}
	if o.Plan != nil {
		s := o.Plan.Summary
		m.total = s.Create + s.Update + s.Pending
	}
	return m
}

func (m *meter) count() int64 {
	if m.requests == nil {
		return 0
	}
	return m.requests()
}

func (m *meter) done() int { return m.ok + m.failed + m.stopped }

// begin takes the first sample, from which the first rates are measured.
func (m *meter) begin() {
	if len(m.samples) == 0 {
		m.samples = append(m.samples, sample{at: m.now(), requests: m.count(), done: m.done()})
	}
}

func (m *meter) start(c *reconcile.Change) { m.started[c] = m.now() }

// finish counts a finished change and returns how it ended and how long
// it took: the outcome's duration, or else the time since it started.
func (m *meter) finish(c *reconcile.Change, o reconcile.Outcome) (status, time.Duration) {
	took := o.Duration
	if at, ok := m.started[c]; ok {
		if took == 0 {
			took = m.now().Sub(at)
		}
		delete(m.started, c)
	}
	switch {
	case reconcile.IsStop(o.Err):
		m.stopped++
		return statusStopped, took
	case o.Err != nil:
		m.failed++
		return statusFailed, took
	}
	m.ok++
	return statusOK, took
}

// sample records the counters now and updates the rates over the latest
// rateWindow (or since the previous sample, when that is further back).
func (m *meter) sample() {
	now := sample{at: m.now(), requests: m.count(), done: m.done()}
	m.samples = append(m.samples, now)
	// Keep one sample at or before the window's start.
	for len(m.samples) > 2 && !m.samples[1].at.After(now.at.Add(-rateWindow)) {
		m.samples = m.samples[1:]
	}
	first := m.samples[0]
	dt := now.at.Sub(first.at).Seconds()
	if dt <= 0 {
		m.last = rates{}
		return
	}
	m.last = rates{
		requests: float64(now.requests-first.requests) / dt,
		done:     float64(now.done-first.done) / dt,
	}
}

// figures are what a progress line or event shows.
type figures struct {
	done, total, failed, inFlight int
	requests                      int64
	requestRate                   float64
	eta                           time.Duration // -1 when unknown
}

func (m *meter) figures() figures {
	f := figures{done: m.done(), total: m.total, failed: m.failed, inFlight: len(m.started),
		requests: m.count(), requestRate: m.last.requests, eta: -1}
	if left := f.total - f.done; left > 0 && m.last.done > 0 {
		f.eta = time.Duration(float64(left) / m.last.done * float64(time.Second))
	}
	return f
}

func (f figures) percent() int {
	if f.total <= 0 {
		return 100
	}
	return min(100, f.done*100/f.total)
}

// String is the progress line's text, e.g.
//
//	1,234/5,000 changes (24%), 61 requests/s, 32 in flight, 3 failed, ETA 1m02s
func (f figures) String() string {
	s := fmt.Sprintf("%s/%s changes (%d%%), %s requests/s, %d in flight, %d failed",
		thousands(int64(f.done)), thousands(int64(f.total)), f.percent(), perSecond(f.requestRate), f.inFlight, f.failed)
	if f.eta >= 0 {
		s += ", ETA " + clock(f.eta)
	}
	return s
}

// thousands writes n with comma separators: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// perSecond writes a rate: whole numbers from 10 on, one decimal below.
func perSecond(r float64) string {
	if r >= 10 {
		return strconv.FormatFloat(math.Round(r), 'f', 0, 64)
	}
	return strconv.FormatFloat(math.Round(r*10)/10, 'f', -1, 64)
}

// clock writes a duration the way a person reads a countdown: 42s, 1m02s,
// 2h05m.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

// round2 rounds to two decimals, for stable JSON figures.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// pulse calls a function at a fixed interval on its own goroutine until
// stopped.
type pulse struct {
	once sync.Once
	stop chan struct{}
	done chan struct{}
}

// startPulse calls tick every interval until Stop.
func startPulse(every time.Duration, tick func()) *pulse {
	p := &pulse{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				tick()
			}
		}
	}()
	return p
}

// Stop ends the pulse and waits for a tick in progress to return; it must
// not be called with a lock that tick takes. A nil pulse is stopped.
func (p *pulse) Stop() {
	if p == nil {
		return
	}
	p.once.Do(func() { close(p.stop) })
	<-p.done
}

// flush writes out what w holds back: a redacting writer keeps a partial
// line (the tty status line has no newline) until flushed.
func flush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}
