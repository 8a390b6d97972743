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
// schema/plan.schema.json.
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
	for name, p := range map[string]*reconcile.Plan{"sample": samplePlan(), "empty": empty} {
		var b bytes.Buffer
		if err := JSON(&b, p); err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s plan does not match its schema: %#v\n%s", name, err, b.String())
		}
	}
}
