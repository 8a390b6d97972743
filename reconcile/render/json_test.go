package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/genuin/genuinctl/reconcile"
)

// TestJSONStreamsMarshalIndent holds the streamed JSON (with --show-pii,
// which leaves the plan as it is) to what encoding the plan whole gives,
// byte for byte: plans with several changes, fields omitted or empty, an
// estimate or none, no changes at all.
func TestJSONStreamsMarshalIndent(t *testing.T) {
	withEstimate := samplePlan()
	withEstimate.Estimate = &reconcile.Estimate{Parallelism: 8, Rate: 2.5, AssumedLatencyMS: 250, Seconds: 1.75}
	noRate := samplePlan()
	noRate.Estimate = &reconcile.Estimate{Parallelism: 1, AssumedLatencyMS: 250}
	selected := samplePlan()
	selected.Selection = &reconcile.Selection{Targets: []string{"group/acme/*"}, Excludes: []string{"group/acme/b"}}
	selected.LeftOut = 3
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
		"selection":     selected,
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
			if err := JSON(&got, p, JSONOptions{ShowPII: true}); err != nil {
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
	want := []string{"format_version", "changes", "summary", "estimate,omitempty", "selection,omitempty", "left_out,omitempty"}
	if !reflect.DeepEqual(tags, want) {
		t.Errorf("reconcile.Plan's JSON fields are %q, JSON writes %q: teach JSON (json.go) the change", tags, want)
	}
}

// TestJSONStopsAtWriteError returns the first write error.
func TestJSONStopsAtWriteError(t *testing.T) {
	w := &failAfter{n: 3}
	if err := JSON(w, samplePlan(), JSONOptions{}); !errors.Is(err, errFull) {
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

// maskedPhone is a masked phone as JSON writes it: MaskPhone's form, '#'
// and a tag.
var maskedPhone = regexp.MustCompile(`^[0-9]{2}•+[0-9]{2}#[0-9a-f]{1,4}$`)

// TestJSONMasksPhones: without --show-pii, no phone number of the plan
// is written; each member given by phone gets its masked form with a tag
// in "phone" and in "identity"; nothing else changes (user ids, member
// ids), and the plan given is left as it was.
func TestJSONMasksPhones(t *testing.T) {
	p := samplePlan()
	var b bytes.Buffer
	if err := JSON(&b, p, JSONOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, phone := range []string{"919876543210", "919812345678", "919800000001"} {
		if strings.Contains(b.String(), phone) {
			t.Errorf("the JSON plan writes %s in full:\n%s", phone, b.String())
		}
	}
	var masked reconcile.Plan
	if err := json.Unmarshal(b.Bytes(), &masked); err != nil {
		t.Fatal(err)
	}
	want := samplePlan()
	for i, c := range masked.Changes {
		w := want.Changes[i]
		for j, m := range append(c.MembersAdded, c.MembersRemoved...) {
			orig := append(w.MembersAdded, w.MembersRemoved...)[j]
			if orig.Phone == "" {
				if m != orig {
					t.Errorf("%s: member %+v written as %+v", c.Address, orig, m)
				}
				continue
			}
			if !maskedPhone.MatchString(m.Phone) || m.Identity != "phone:"+m.Phone || m.Phone[:2] != orig.Phone[:2] {
				t.Errorf("%s: phone %s written as phone %q, identity %q", c.Address, orig.Phone, m.Phone, m.Identity)
			}
			if m.MemberID != orig.MemberID || m.InCreate != orig.InCreate {
				t.Errorf("%s: member %+v written as %+v", c.Address, orig, m)
			}
		}
	}
	if !reflect.DeepEqual(p, samplePlan()) {
		t.Error("JSON changed the plan it wrote")
	}
}

// TestJSONPhoneTags: the same number in the same lockfile gets the same
// tag, in every plan; another lockfile's lineage gives other tags; two
// numbers alike in their first and last digits are told apart.
func TestJSONPhoneTags(t *testing.T) {
	render := func(o JSONOptions) string {
		var b bytes.Buffer
		if err := JSON(&b, samplePlan(), o); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	a := JSONOptions{Lineage: "0b9c8a1e-4f1a-4d6b-9a3e-2a9f1c2b3d4e"}
	first := render(a)
	if again := render(a); again != first {
		t.Error("two JSON plans of one plan and lockfile differ")
	}
	if first == render(JSONOptions{Lineage: "7d0f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"}) || first == render(JSONOptions{}) {
		t.Error("the tags do not depend on the lockfile's lineage")
	}
	pii := NewPII(a)
	if x, y := pii.Phone("919876543210"), pii.Phone("919876543310"); x == y {
		t.Errorf("two numbers both masked as %s", x)
	}
	if got := NewPII(JSONOptions{ShowPII: true}).Identity("phone:919876543210"); got != "phone:919876543210" {
		t.Errorf("with ShowPII, Identity = %q", got)
	}
	if got := pii.Identity("user:919876543210"); got != "user:919876543210" {
		t.Errorf("a user id masked: %q", got)
	}
}

// TestTagDigits: the tag keeps more than 600 numbers matching every
// masked form and tag, and is never more than 4 hex digits.
func TestTagDigits(t *testing.T) {
	for digits, want := range map[int]int{6: 0, 8: 1, 9: 1, 10: 2, 11: 3, 12: 4, 15: 4, 40: 4} {
		if got := tagDigits(digits - 4); got != want {
			t.Errorf("a phone of %d digits: %d hex digits of tag, want %d", digits, got, want)
		}
		phone := strings.Repeat("9", digits)
		if got := NewPII(JSONOptions{}).Phone(phone); len(got)-strings.LastIndex(got, "#")-1 != want && want > 0 {
			t.Errorf("Phone(%s) = %s, want a tag of %d hex digits", phone, got, want)
		}
	}
}

// TestJSONMasksPersonalFields: a field the field table marks personal is
// written as the text plan shows it, unless ShowPII; an unknown value
// stays null.
func TestJSONMasksPersonalFields(t *testing.T) {
	c := &reconcile.Change{Address: "group/a/b", Kind: "group", Action: reconcile.ActionUpdate, Fields: []reconcile.FieldChange{
		{Name: "description", Before: reconcile.UnknownValue, After: json.RawMessage(`"call 919876543210"`)},
		{Name: "name", Before: json.RawMessage(`"A"`), After: json.RawMessage(`"B"`)},
	}}
	personal := func(_, name string) bool { return name == "description" }
	pii := NewPII(JSONOptions{})
	pii.personal = personal
	got := pii.change(c)
	if string(got.Fields[0].Before) != "null" || string(got.Fields[0].After) != `"`+personalMasked+`"` {
		t.Errorf("personal field written as %s → %s", got.Fields[0].Before, got.Fields[0].After)
	}
	if string(got.Fields[1].After) != `"B"` || string(c.Fields[0].After) != `"call 919876543210"` {
		t.Errorf("masked more than the personal field: %+v (plan: %+v)", got.Fields, c.Fields)
	}
	shown := NewPII(JSONOptions{ShowPII: true})
	shown.personal = personal
	if got := shown.change(c); got != c {
		t.Errorf("with ShowPII the change is rewritten: %+v", got)
	}
}
