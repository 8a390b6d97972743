package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/genuin/genuinctl/reconcile"
)

// TestJSONStreamsMarshalIndent holds the streamed JSON to what encoding
// the plan whole gives, byte for byte: plans with several changes, fields
// omitted or empty, an estimate or none, no changes at all.
func TestJSONStreamsMarshalIndent(t *testing.T) {
	withEstimate := samplePlan()
	withEstimate.Estimate = &reconcile.Estimate{Parallelism: 8, Rate: 2.5, AssumedLatencyMS: 250, Seconds: 1.75}
	noRate := samplePlan()
	noRate.Estimate = &reconcile.Estimate{Parallelism: 1, AssumedLatencyMS: 250}
	odd := &reconcile.Plan{
		FormatVersion: reconcile.PlanFormatVersion,
		Changes: []*reconcile.Change{
			{Address: "group/c/a", Kind: "group", Action: reconcile.ActionCreate}, // every omitempty field empty
			{Address: "group/c/<b>&", Kind: "group", Action: reconcile.ActionPending,
				Fields:       []reconcile.FieldChange{},                                                 // empty, omitted
				MembersAdded: []reconcile.Member{{Identity: "user:x"}},                                  // one member, nothing else
				Reason:       "quotes \" and \\ and <html> & \u2028 line separator", Hint: "tab\there"}, // escaped as whole-plan encoding escapes them
			{Address: "group/c/c", Kind: "group", Action: reconcile.ActionUpdate, Calls: 3,
				Fields: []reconcile.FieldChange{{Name: "meta", Before: json.RawMessage(`{"a":[1,2,{}],"b":[]}`), After: json.RawMessage(`{ "a" : null }`)}}},
		},
		Summary: reconcile.Summary{Create: 1, Update: 1, Pending: 1, Calls: 3},
	}
	plans := map[string]*reconcile.Plan{
		"sample":        samplePlan(),
		"estimate":      withEstimate,
		"estimate-rate": noRate,
		"odd":           odd,
		"no changes":    {FormatVersion: reconcile.PlanFormatVersion, Changes: []*reconcile.Change{}},
		"nil changes":   {FormatVersion: reconcile.PlanFormatVersion},
		"one change":    {FormatVersion: 1, Changes: odd.Changes[:1], Summary: reconcile.Summary{Create: 1}},
		"nil plan":      nil,
	}
	for name, p := range plans {
		t.Run(name, func(t *testing.T) {
			want, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			var got bytes.Buffer
			if err := JSON(&got, p); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("streamed JSON differs from json.MarshalIndent:\n--- got\n%s\n--- want\n%s", got.Bytes(), want)
			}
		})
	}
}

// TestJSONWritesEveryPlanField fails when reconcile.Plan gains a field:
// JSON writes the plan's fields one by one and must learn the new one.
func TestJSONWritesEveryPlanField(t *testing.T) {
	var tags []string
	typ := reflect.TypeOf(reconcile.Plan{})
	for i := range typ.NumField() {
		tags = append(tags, typ.Field(i).Tag.Get("json"))
	}
	want := []string{"format_version", "changes", "summary", "estimate,omitempty"}
	if !reflect.DeepEqual(tags, want) {
		t.Errorf("reconcile.Plan's JSON fields are %q, JSON writes %q: teach JSON (json.go) the change", tags, want)
	}
}

// TestJSONStopsAtWriteError returns the first write error.
func TestJSONStopsAtWriteError(t *testing.T) {
	w := &failAfter{n: 3}
	if err := JSON(w, samplePlan()); !errors.Is(err, errFull) {
		t.Fatalf("JSON = %v, want %v", err, errFull)
	}
	if w.writes != 4 {
		t.Errorf("%d writes, want 4: it went on writing after the error", w.writes)
	}
}

var errFull = errors.New("disk full")

// failAfter accepts n writes, then fails each one.
type failAfter struct{ n, writes int }

func (f *failAfter) Write(p []byte) (int, error) {
	f.writes++
	if f.writes > f.n {
		return 0, errFull
	}
	return len(p), nil
}
