package render

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/schema"
	"github.com/genuin/genuinctl/spec"
)

// TestJSONMatchesSchema validates real JSON plans against
// schema/plan.schema.json, phone numbers masked and shown.
func TestJSONMatchesSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource("plan.schema.json", bytes.NewReader(schema.Plan)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("plan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	empty := reconcile.Diff(&spec.Desired{Communities: map[string]*spec.Community{}, Groups: map[string]*spec.Group{}}, nil, reconcile.Options{})
	selected := samplePlan()
	selected.Selection = &reconcile.Selection{Targets: []string{"group/genuin-community/*"}, Excludes: []string{"group/genuin-community/welcome"}}
	selected.LeftOut = 2
	for name, p := range map[string]*reconcile.Plan{"sample": samplePlan(), "empty": empty, "selected": selected} {
		for _, o := range []JSONOptions{{}, {ShowPII: true}, {Lineage: "0b9c8a1e-4f1a-4d6b-9a3e-2a9f1c2b3d4e"}} {
			var b bytes.Buffer
			if err := JSON(&b, p, o); err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Errorf("%s plan (%+v) does not match its schema: %#v\n%s", name, o, err, b.String())
			}
		}
	}
	// A phone in full and masked forms match; anything else does not.
	for phone, ok := range map[string]bool{"919876543210": true, "91••••••••10#3fa2": true, "65••••67#a": true,
		"91••••••••10": false, "91••••••••10#3FA2": false, "+919876543210": false, "91••••••••10#3fa2c": false} {
		doc := map[string]any{"format_version": 1, "summary": map[string]any{"create": 0, "update": 1, "pending": 0, "blocked": 0, "api_calls": 1},
			"changes": []any{map[string]any{"address": "group/a/b", "kind": "group", "action": "update", "api_calls": 1,
				"members_added": []any{map[string]any{"identity": "phone:" + phone, "phone": phone}}}}}
		var v any
		data, _ := json.Marshal(doc)
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); (err == nil) != ok {
			t.Errorf("phone %q: schema error %v, want valid %v", phone, err, ok)
		}
	}
}
