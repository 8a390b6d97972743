package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/schema"
)

// eventsSchema compiles schema/apply-events.schema.json, formats asserted.
func eventsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	if err := c.AddResource("apply-events.schema.json", bytes.NewReader(schema.ApplyEvents)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("apply-events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// events splits NDJSON into its events, failing on anything that is not
// one JSON object per line.
func events(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var all []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e map[string]any
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.UseNumber()
		if err := dec.Decode(&e); err != nil || dec.More() {
			t.Fatalf("line %d is not one JSON object: %q (%v)", len(all)+1, sc.Text(), err)
		}
		all = append(all, e)
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		t.Error("output does not end with a newline")
	}
	return all
}

// validate checks every event against the schema and the stream's shape:
// apply_start first, summary last, each once.
func validate(t *testing.T, sch *jsonschema.Schema, out []byte) []map[string]any {
	t.Helper()
	evs := events(t, out)
	if len(evs) < 2 {
		t.Fatalf("%d events, want at least apply_start and summary", len(evs))
	}
	for i, e := range evs {
		// Validate the decoded form jsonschema expects (float64 numbers).
		var doc any
		b, _ := json.Marshal(e)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("event %d does not match schema/apply-events.schema.json: %v\n%s", i+1, err, b)
		}
		typ := e["type"]
		if (i == 0) != (typ == "apply_start") || (i == len(evs)-1) != (typ == "summary") {
			t.Errorf("event %d is %v: want apply_start first and summary last, once each", i+1, typ)
		}
	}
	return evs
}

// TestApplyJSONGolden: the events of the scenario, with a fake clock.
func TestApplyJSONGolden(t *testing.T) {
	var b bytes.Buffer
	var calls atomic.Int64
	o := scenarioOptions(&calls)
	o.JSON = true
	v := NewApply(&b, o).(*ApplyJSON)
	clk := newFakeClock()
	manual(v, clk)
	runScenario(v, clk, &calls)
	checkGolden(t, filepath.Join("testdata", "apply-events.jsonl"), b.Bytes())
}

// TestApplyJSONMatchesSchema validates every event the view emits, of
// every type and every status, against schema/apply-events.schema.json,
// and checks that the schema knows no type the view never emits.
func TestApplyJSONMatchesSchema(t *testing.T) {
	sch := eventsSchema(t)
	var b bytes.Buffer
	var calls atomic.Int64
	o := scenarioOptions(&calls)
	v := NewApplyJSON(&b, o)
	clk := newFakeClock()
	manual(v, clk)
	runScenario(v, clk, &calls)
	seen := map[string]bool{}
	statuses := map[string]bool{}
	for _, e := range validate(t, sch, b.Bytes()) {
		seen[e["type"].(string)] = true
		if s, ok := e["status"].(string); ok {
			statuses[s] = true
		}
		if e["type"] == "change_finish" && e["address"] == "group/acme/a" {
			if got := e["error"].(map[string]any)["code"]; got != "5026" {
				t.Errorf("the API error's code = %v, want 5026", got)
			}
		}
		if e["type"] == "change_finish" && e["address"] == "group/acme/d" {
			if _, ok := e["error"].(map[string]any)["code"]; ok {
				t.Error("an error that is no API error has a code")
			}
		}
	}
	if len(statuses) != 3 {
		t.Errorf("statuses %v: the scenario should cover ok, failed and stopped", statuses)
	}

	var raw struct {
		OneOf []struct {
			Ref string `json:"$ref"`
		} `json:"oneOf"`
	}
	if err := json.Unmarshal(schema.ApplyEvents, &raw); err != nil {
		t.Fatal(err)
	}
	var inSchema, emitted []string
	for _, r := range raw.OneOf {
		inSchema = append(inSchema, strings.TrimPrefix(r.Ref, "#/$defs/"))
	}
	for typ := range seen {
		emitted = append(emitted, typ)
	}
	sort.Strings(inSchema)
	sort.Strings(emitted)
	if fmt.Sprint(inSchema) != fmt.Sprint(emitted) {
		t.Errorf("the schema describes %v, the view emitted %v", inSchema, emitted)
	}
}

// TestApplyJSONSummaryResults: each way an apply ends gives a summary
// that matches the schema, with its result.
func TestApplyJSONSummaryResults(t *testing.T) {
	sch := eventsSchema(t)
	failed := &reconcile.ChangeError{Address: "community/acme", Err: videoNotFound, HeldBack: 7}
	tests := []struct {
		err      error
		result   string
		heldBack float64
	}{
		{nil, ResultConverged, 0},
		{multierror.Append(nil, failed), ResultPartial, 7},
		{multierror.Append(nil, failed, reconcile.ErrInterrupted), ResultInterrupted, 7},
		{multierror.Append(nil, reconcile.ErrTimedOut), ResultTimedOut, 0},
		{multierror.Append(nil, failed, reconcile.ErrBreakerOpen), ResultBreaker, 7},
		{errors.New("apply: the lockfile has no state; initialise it first"), ResultError, 0},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		v := NewApplyJSON(&b, ApplyViewOptions{})
		v.Summary(tt.err, 0, "genuin.lock", 0)
		evs := validate(t, sch, b.Bytes())
		last := evs[len(evs)-1]
		if last["result"] != tt.result || last["held_back"] != json.Number(fmt.Sprint(tt.heldBack)) {
			t.Errorf("%v: summary %v, want result %s and %v held back", tt.err, last, tt.result, tt.heldBack)
		}
	}
}

// TestApplyJSONMasksPhones: a phone number a change's error quotes is
// masked in its change_finish event.
func TestApplyJSONMasksPhones(t *testing.T) {
	var b bytes.Buffer
	v := NewApplyJSON(&b, ApplyViewOptions{})
	c := &reconcile.Change{Address: "group/a/b", Kind: "group", Action: reconcile.ActionUpdate}
	v.ChangeStarted(c)
	err := errors.New("update_conversation: HTTP 400: phone_number 919876543210 is invalid")
	v.ChangeFinished(c, reconcile.Outcome{Calls: 1, Err: err})
	v.Summary(multierror.Append(nil, &reconcile.ChangeError{Address: c.Address, Err: err}), 1, "genuin.lock", 1)
	evs := validate(t, eventsSchema(t), b.Bytes())
	msg := evs[len(evs)-2]["error"].(map[string]any)["message"]
	if msg != "update_conversation: HTTP 400: phone_number 91••••••••10 is invalid" {
		t.Errorf("error message %q", msg)
	}
}

// TestApplyEventsSchemaRejects: the schema is strict, so the test above
// means something.
func TestApplyEventsSchemaRejects(t *testing.T) {
	sch := eventsSchema(t)
	for _, doc := range []string{
		`{"type":"change_start","address":"community/a","action":"create","kind":"community"}`,
		`{"@timestamp":"2025-03-01T12:00:00Z","type":"change_start","address":"community/a","action":"create","kind":"community"}`,
		`{"@timestamp":"2025-03-01T12:00:00.000Z","type":"change_start","address":"community/a","action":"create","kind":"community","extra":1}`,
		`{"@timestamp":"2025-03-01T12:00:00.000Z","type":"change_finish","address":"group/a/b","action":"update","kind":"group","status":"failed","calls":1,"duration_ms":5}`,
		`{"@timestamp":"2025-03-01T12:00:00.000Z","type":"change_finish","address":"group/a/b","action":"update","kind":"group","status":"ok","calls":1,"duration_ms":5,"error":{"message":"x"}}`,
		`{"@timestamp":"2025-03-01T12:00:00.000Z","type":"summary","result":"fine","succeeded":0,"failed":0,"stopped":0,"held_back":0,"requests":0,"lockfile":"x","serial":0}`,
		`{"@timestamp":"2025-03-01T12:00:00.000Z","type":"mystery"}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if sch.Validate(v) == nil {
			t.Errorf("schema accepts %s", doc)
		}
	}
}

// TestApplyJSONConcurrent (run with -race): hooks from many goroutines
// while progress events tick every millisecond; every line is one whole
// event that matches the schema, and none is lost.
func TestApplyJSONConcurrent(t *testing.T) {
	const n = 400
	var b lockedBuffer
	v := NewApplyJSON(&b, ApplyViewOptions{Plan: &reconcile.Plan{Summary: reconcile.Summary{Create: n}}})
	v.every = time.Millisecond
	hammer(v, n)
	count := map[any]int{}
	for _, e := range validate(t, eventsSchema(t), b.Bytes()) {
		count[e["type"]]++
	}
	if count["change_start"] != n || count["change_finish"] != n || count["rate"] != n/25 {
		t.Errorf("events by type %v, want %d change_start and change_finish, %d rate", count, n, n/25)
	}
}

// lockedBuffer is a bytes.Buffer a test may read while a view writes.
type lockedBuffer struct {
	terminal
}

func (b *lockedBuffer) Write(p []byte) (int, error) { return b.write("", p) }
func (b *lockedBuffer) Bytes() []byte               { return []byte(b.String()) }

func TestApplyResult(t *testing.T) {
	change := &reconcile.ChangeError{Address: "group/a/b", Err: videoNotFound}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, "converged"},
		{multierror.Append(nil, change), "partial"},
		{multierror.Append(nil, change, reconcile.ErrInterrupted), "interrupted"},
		{multierror.Append(nil, reconcile.ErrTimedOut), "timed_out"},
		{fmt.Errorf("wrapped: %w", reconcile.ErrBreakerOpen), "breaker"},
		{errors.New("lockfile unreadable"), "error"},
	} {
		if got := ApplyResult(tt.err); got != tt.want {
			t.Errorf("ApplyResult(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}
