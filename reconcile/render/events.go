package render

import (
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile"
)

// EventsFormatVersion is the version of apply's NDJSON events
// (schema/apply-events.schema.json), carried by the apply_start event.
const EventsFormatVersion = 1

// timestampLayout is RFC 3339 with milliseconds, as every event's
// @timestamp.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// ApplyJSON is the machine view of an apply (apply -o json): newline-
// delimited JSON on its writer, one event per line and nothing else, as
// described by schema/apply-events.schema.json. It writes apply_start,
// then change_start and change_finish for every change, rate on each rate
// change, progress every PlainInterval, and summary last. Every event has a
// "type" and an "@timestamp". Every method is safe for concurrent use, and
// each event is written with a single Write.
type ApplyJSON struct {
	mu          sync.Mutex
	w           io.Writer
	m           meter
	planned     int
	parallelism int
	every       time.Duration

	began bool
	ended bool
	pulse *pulse
}

// NewApplyJSON returns the NDJSON view of an apply writing to w; it reads
// o's Plan, Parallelism and Requests.
func NewApplyJSON(w io.Writer, o ApplyViewOptions) *ApplyJSON {
	v := &ApplyJSON{w: w, m: newMeter(o), parallelism: o.Parallelism, every: PlainInterval}
	if v.parallelism <= 0 {
		v.parallelism = reconcile.DefaultParallelism
	}
	if o.Plan != nil {
		v.planned = o.Plan.Summary.Calls
	}
	return v
}

// header is what every event starts with.
type header struct {
	Timestamp string `json:"@timestamp"`
	Type      string `json:"type"`
}

type applyStartEvent struct {
	header
	FormatVersion int `json:"format_version"`
	Changes       int `json:"changes"`
	APICalls      int `json:"api_calls"`
	Parallelism   int `json:"parallelism"`
}

type changeStartEvent struct {
	header
	Address string           `json:"address"`
	Action  reconcile.Action `json:"action"`
	Kind    string           `json:"kind"`
}

type changeFinishEvent struct {
	header
	Address    string           `json:"address"`
	Action     reconcile.Action `json:"action"`
	Kind       string           `json:"kind"`
	Status     status           `json:"status"`
	Calls      int              `json:"calls"`
	DurationMS int64            `json:"duration_ms"`
	Error      *eventError      `json:"error,omitempty"`
}

type eventError struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

type rateEvent struct {
	header
	From   float64 `json:"from"`
	To     float64 `json:"to"`
	Reason string  `json:"reason,omitempty"`
}

type progressEvent struct {
	header
	Done              int     `json:"done"`
	Total             int     `json:"total"`
	Percent           int     `json:"percent"`
	Requests          int64   `json:"requests"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	InFlight          int     `json:"in_flight"`
	Failed            int     `json:"failed"`
	ETASeconds        *int64  `json:"eta_seconds,omitempty"`
}

type summaryEvent struct {
	header
	Result    string `json:"result"`
	Succeeded int    `json:"succeeded"`
	Failed    int    `json:"failed"`
	Stopped   int    `json:"stopped"`
	HeldBack  int    `json:"held_back"`
	Requests  int64  `json:"requests"`
	Lockfile  string `json:"lockfile"`
	Serial    int64  `json:"serial"`
}

// head returns the header of an event of type typ, stamped now.
func (v *ApplyJSON) head(typ string) header {
	return header{Timestamp: v.m.now().UTC().Format(timestampLayout), Type: typ}
}

// emit writes one event as one line. The caller holds v.mu. The events
// are plain structs that always encode; a write error is the writer's to
// report (the command's stdout), as for the text view.
func (v *ApplyJSON) emit(e any) {
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	_, _ = v.w.Write(append(b, '\n'))
	flush(v.w) // a buffered stdout: each event shows as it happens
}

// Start writes the apply_start event and starts the progress events. It
// does nothing more when called again.
func (v *ApplyJSON) Start() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.ended && v.begin() {
		v.pulse = startPulse(v.every, v.tick)
	}
}

// begin writes apply_start once, whether Start or the first event comes
// first; it reports whether this was the first call. The caller holds v.mu.
func (v *ApplyJSON) begin() bool {
	if v.began {
		return false
	}
	v.began = true
	v.m.begin()
	v.emit(applyStartEvent{header: v.head("apply_start"), FormatVersion: EventsFormatVersion,
		Changes: v.m.total, APICalls: v.planned, Parallelism: v.parallelism})
	return true
}

// tick is what the ticker calls: a progress event.
func (v *ApplyJSON) tick() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended {
		return
	}
	v.m.sample()
	f := v.m.figures()
	e := progressEvent{header: v.head("progress"), Done: f.done, Total: f.total, Percent: f.percent(),
		Requests: f.requests, RequestsPerSecond: round2(f.requestRate), InFlight: f.inFlight, Failed: f.failed}
	if f.eta >= 0 {
		s := int64(f.eta.Round(time.Second) / time.Second)
		e.ETASeconds = &s
	}
	v.emit(e)
}

// Stop ends the progress events; it is idempotent.
func (v *ApplyJSON) Stop() {
	v.mu.Lock()
	v.ended = true
	p := v.pulse
	v.mu.Unlock()
	p.Stop()
}

// ChangeStarted writes a change_start event.
func (v *ApplyJSON) ChangeStarted(c *reconcile.Change) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.begin()
	v.m.start(c)
	v.emit(changeStartEvent{header: v.head("change_start"), Address: c.Address, Action: c.Action, Kind: c.Kind})
}

// ChangeFinished writes a change_finish event: ok, failed with the error
// (and the API's error code when there is one), or stopped before its
// next request with the reason. A phone number the error quotes is
// masked, as ApplyErrors masks it.
func (v *ApplyJSON) ChangeFinished(c *reconcile.Change, o reconcile.Outcome) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.begin()
	st, took := v.m.finish(c, o)
	e := changeFinishEvent{header: v.head("change_finish"), Address: c.Address, Action: c.Action, Kind: c.Kind,
		Status: st, Calls: o.Calls, DurationMS: took.Milliseconds()}
	if o.Err != nil {
		e.Error = &eventError{Message: MaskPhonesIn(o.Err.Error())}
		var apiErr *genuin.APIError
		if errors.As(o.Err, &apiErr) {
			e.Error.Code = apiErr.Code
		}
	}
	v.emit(e)
}

// RateChanged writes a rate event.
func (v *ApplyJSON) RateChanged(rc genuin.RateChange) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.begin()
	v.emit(rateEvent{header: v.head("rate"), From: round2(rc.From), To: round2(rc.To), Reason: rc.Reason})
}

// Summary stops the progress events, then writes the summary event of an
// apply that returned err; its result is ApplyResult(err).
func (v *ApplyJSON) Summary(err error, requests int64, lockfile string, serial int64) {
	v.Stop()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.begin()
	v.emit(summaryEvent{header: v.head("summary"), Result: ApplyResult(err),
		Succeeded: v.m.ok, Failed: v.m.failed, Stopped: v.m.stopped, HeldBack: heldBack(reconcile.Failures(err)),
		Requests: requests, Lockfile: lockfile, Serial: serial})
}
