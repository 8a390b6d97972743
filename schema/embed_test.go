package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// TestSpec checks that the spec schema is a valid draft 2020-12 schema and
// that it is strict and documented throughout: every object with
// properties refuses others, and every definition says what it is.
func TestSpec(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	if err := c.AddResource("spec.schema.json", bytes.NewReader(Spec)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile("spec.schema.json"); err != nil {
		t.Fatal(err)
	}

	var raw map[string]any
	if err := json.Unmarshal(Spec, &raw); err != nil {
		t.Fatal(err)
	}
	walk(raw, "#", func(at string, s map[string]any) {
		if _, ok := s["properties"]; ok && s["additionalProperties"] != false {
			t.Errorf("%s: properties without additionalProperties: false", at)
		}
	})
	for name, def := range raw["$defs"].(map[string]any) {
		d := def.(map[string]any)
		if d["title"] == nil && d["description"] == nil {
			t.Errorf("#/$defs/%s has no title or description", name)
		}
	}
}

// walk calls f on every schema object below v.
func walk(v any, at string, f func(string, map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		f(at, v)
		for k, child := range v {
			walk(child, at+"/"+k, f)
		}
	case []any:
		for i, child := range v {
			walk(child, fmt.Sprintf("%s/%d", at, i), f)
		}
	}
}

// TestApplyEvents checks that the apply events schema is a valid draft
// 2020-12 schema, strict and documented throughout, as the spec's.
func TestApplyEvents(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	if err := c.AddResource("apply-events.schema.json", bytes.NewReader(ApplyEvents)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile("apply-events.schema.json"); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(ApplyEvents, &raw); err != nil {
		t.Fatal(err)
	}
	walk(raw, "#", func(at string, s map[string]any) {
		if _, ok := s["properties"]; ok && s["additionalProperties"] != false && !strings.Contains(at, "/if") {
			t.Errorf("%s: properties without additionalProperties: false", at)
		}
	})
	for name, def := range raw["$defs"].(map[string]any) {
		d := def.(map[string]any)
		if d["title"] == nil && d["description"] == nil {
			t.Errorf("#/$defs/%s has no title or description", name)
		}
	}
}
