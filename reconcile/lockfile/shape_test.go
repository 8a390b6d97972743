package lockfile

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/genuin/genuinctl/schema"
)

// TestShapesAgreeWithSchemas: the shapes Parse checks have the keys, the
// required keys and the types of the schema of their format
// (schema/lockfile.schema.json for format 2, the embedded one;
// schema/lockfile-v1.schema.json for format 1), so that neither drifts
// from the other. TestSchemaAgreesWithParse and FuzzParse hold the schemas
// to what Parse accepts and refuses.
func TestShapesAgreeWithSchemas(t *testing.T) {
	v1, err := os.ReadFile("../../schema/lockfile-v1.schema.json")
	must(t, err)
	for name, c := range map[string]struct {
		schema []byte
		doc    *shape
	}{"format 1": {v1, lockfileShapeV1}, "format 2": {schema.Lockfile, lockfileShape}} {
		var root map[string]any
		must(t, json.Unmarshal(c.schema, &root))
		agree(t, name+": #", root, root, c.doc)
	}
}

// agree checks that the schema s (within root) describes the values of
// shape sh.
func agree(t *testing.T, at string, root, s map[string]any, sh *shape) {
	t.Helper()
	def := resolve(root, s)
	want := map[kind]string{stringKind: "string", intKind: "integer", objectKind: "object", mapKind: "object", arrayKind: "array"}[sh.kind]
	if got := typeOf(root, s); got != want {
		t.Errorf("%s: the schema says %q, the shape %q", at, got, want)
		return
	}
	switch sh.kind {
	case objectKind:
		props, _ := def["properties"].(map[string]any)
		var keys, names []string
		for k := range props {
			keys = append(keys, k)
		}
		for _, p := range sh.props {
			names = append(names, p.name)
			if ps, ok := props[p.name].(map[string]any); ok {
				agree(t, at+"/"+p.name, root, ps, p.sh)
			}
		}
		slices.Sort(keys)
		slices.Sort(names)
		if !slices.Equal(keys, names) || def["additionalProperties"] != false {
			t.Errorf("%s: the schema has the keys %v (additionalProperties %v), the shape %v", at, keys, def["additionalProperties"], names)
		}
		var required []string
		for _, r := range def["required"].([]any) {
			required = append(required, r.(string))
		}
		if !slices.Equal(required, sh.required) {
			t.Errorf("%s: the schema requires %v, the shape %v", at, required, sh.required)
		}
	case mapKind, arrayKind:
		key := "items"
		if sh.kind == mapKind {
			key = "additionalProperties"
		}
		if elem, ok := def[key].(map[string]any); ok {
			agree(t, at+"/"+key, root, elem, sh.elem)
		} else if sh.elem != anyShape {
			t.Errorf("%s: the schema has no %s", at, key)
		}
	}
}

// resolve follows a schema's $ref, if any, within root.
func resolve(root, s map[string]any) map[string]any {
	ref, ok := s["$ref"].(string)
	if !ok {
		return s
	}
	def := root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		def = def[part].(map[string]any)
	}
	return resolve(root, def)
}

// typeOf is the JSON type a schema allows: its type, or that of its
// $ref, of its enum or const values; "" for any.
func typeOf(root, s map[string]any) string {
	if t, ok := s["type"].(string); ok {
		return t
	}
	if _, ok := s["$ref"]; ok {
		return typeOf(root, resolve(root, s))
	}
	v, ok := s["const"]
	if values, isEnum := s["enum"].([]any); isEnum {
		v, ok = values[0], true
	}
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "integer"
	}
	if ok {
		return "?"
	}
	return "" // any value
}
