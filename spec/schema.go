package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/genuin/genuinctl/schema"
)

// specSchema is schema.Spec compiled, with its raw JSON kept to word
// errors from the keywords they break.
type specSchema struct {
	file    *jsonschema.Schema // a spec file
	group   *jsonschema.Schema // a group, for generated groups
	members *jsonschema.Schema // a list of members, for member list files
	raw     map[string]any
}

var loadSchema = sync.OnceValues(func() (*specSchema, error) {
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(schema.Spec))
	dec.UseNumber() // print numbers as written: 2147483647, not 2.147483647e+09
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("spec schema: %w", err)
	}
	id, _ := raw["$id"].(string)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(id, bytes.NewReader(schema.Spec)); err != nil {
		return nil, fmt.Errorf("spec schema: %w", err)
	}
	s := &specSchema{raw: raw}
	for ptr, dst := range map[string]**jsonschema.Schema{"": &s.file, "#/$defs/group": &s.group, "#/$defs/members": &s.members} {
		var err error
		if *dst, err = c.Compile(id + ptr); err != nil {
			return nil, fmt.Errorf("spec schema: %w", err)
		}
	}
	return s, nil
})

// validate checks doc against sch. Each broken rule is reported at the
// YAML node it concerns; the nodes reported are returned so that later
// checks skip them rather than report them again.
func (s *specSchema) validate(sch *jsonschema.Schema, doc *document, ds *diagnostics) map[*yaml.Node]bool {
	err := sch.Validate(doc.value)
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return nil
	}
	flagged := map[*yaml.Node]bool{}
	for _, leaf := range leaves(verr) {
		n := nodeAt(doc.root, leaf.InstanceLocation)
		flagged[n] = true
		if doc.reported[n] {
			continue
		}
		addr := doc.addr
		if addr == "" {
			addr = addressAt(doc.root, leaf.InstanceLocation)
		}
		for _, p := range s.problems(doc.root, leaf, n) {
			ds.add(doc.pos(p.node), addr, "%s", p.message)
		}
	}
	return flagged
}

// leaves flattens jsonschema's tree of errors to the rules actually broken.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// problem is one kindly worded schema error at the node it concerns.
type problem struct {
	node    *yaml.Node
	message string
}

// problems words a broken rule from the rule's keyword, the schema around
// it and the YAML node that breaks it.
func (s *specSchema) problems(root *yaml.Node, e *jsonschema.ValidationError, n *yaml.Node) []problem {
	keyword, rule := s.rule(e.AbsoluteKeywordLocation)
	subject := subjectOf(e.InstanceLocation)
	if strings.Contains(e.AbsoluteKeywordLocation, "/propertyNames/") {
		// The instance is a key: report at the key, not at its value.
		n = keyNodeAt(root, e.InstanceLocation)
		subject = subjectOf(e.InstanceLocation[:strings.LastIndex(e.InstanceLocation, "/")]) + " key"
	}
	one := func(format string, args ...any) []problem {
		return []problem{{n, fmt.Sprintf(format, args...)}}
	}
	switch keyword {
	case "additionalProperties":
		allowed := sortedKeys(asMap(rule["properties"]))
		var out []problem
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
				out = append(out, problem{k, fmt.Sprintf("unknown key %q%s", k.Value, didYouMean(k.Value, allowed))})
			}
		}
		return out
	case "required":
		var out []problem
		for _, r := range asSlice(rule["required"]) {
			if name, _ := r.(string); valueOf(n, name) == nil {
				out = append(out, problem{n, fmt.Sprintf("missing required key %q", name)})
			}
		}
		return out
	case "type":
		msg := fmt.Sprintf("%s must be %s, got %s", subject, s.expected(rule), yamlType(n))
		if path.Base(e.InstanceLocation) == "phone" && n.ShortTag() == "!!float" {
			msg += ": quote phone numbers"
		} else if slices.Contains(types(rule), "string") && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
			msg += fmt.Sprintf(" (quote it: \"%s\")", n.Value)
		}
		return one("%s", msg)
	case "const":
		return one("%s must be %v, got %s", subject, rule["const"], n.Value)
	case "pattern":
		if hint, ok := rule["patternErrorMessage"].(string); ok {
			return one("%s %s, got %q", subject, hint, n.Value)
		}
		return one("%s must match %s, got %q", subject, rule["pattern"], n.Value)
	case "minimum":
		return one("%s must be at least %v, got %s", subject, rule["minimum"], n.Value)
	case "maximum":
		return one("%s must be at most %v, got %s", subject, rule["maximum"], n.Value)
	case "minLength":
		if fmt.Sprint(rule["minLength"]) == "1" {
			return one("%s must not be empty", subject)
		}
		return one("%s must have at least %v characters, got %q", subject, rule["minLength"], n.Value)
	case "minProperties":
		if choices := optional(rule); len(choices) > 0 {
			return one("%s needs one of %s", subject, orList(choices))
		}
		return one("%s must not be empty", subject)
	case "maxProperties":
		return one("%s takes only one of %s", subject, orList(optional(rule)))
	}
	return one("%s: %s", subject, e.Message)
}

// rule resolves an absolute keyword location ("...#/$defs/group/type") to
// the keyword and the schema object holding it.
func (s *specSchema) rule(location string) (string, map[string]any) {
	_, fragment, _ := strings.Cut(location, "#")
	tokens := pointerTokens(fragment)
	if len(tokens) == 0 {
		return "", nil
	}
	return tokens[len(tokens)-1], s.lookup(tokens[:len(tokens)-1])
}

// lookup returns the schema object at a path of pointer tokens, or nil.
func (s *specSchema) lookup(tokens []string) map[string]any {
	var at any = s.raw
	for _, t := range tokens {
		switch v := at.(type) {
		case map[string]any:
			at = v[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			at = v[i]
		}
	}
	return asMap(at)
}

// expected describes the types a rule accepts: "a list of integers".
func (s *specSchema) expected(rule map[string]any) string {
	var names []string
	for _, t := range types(rule) {
		item := types(s.deref(asMap(rule["items"])))
		if t == "array" && len(item) == 1 {
			names = append(names, "a list of "+plural[item[0]])
		} else {
			names = append(names, singular[t])
		}
	}
	return strings.Join(names, " or ")
}

// deref follows a rule's local "$ref" ("#/$defs/...") to the rule it names.
func (s *specSchema) deref(rule map[string]any) map[string]any {
	for range 8 { // the schema's refs never chain further
		ref, ok := rule["$ref"].(string)
		if !ok {
			break
		}
		_, fragment, _ := strings.Cut(ref, "#")
		rule = s.lookup(pointerTokens(fragment))
	}
	return rule
}

var singular = map[string]string{
	"array": "a list", "object": "a mapping", "string": "a string",
	"integer": "an integer", "number": "a number", "boolean": "true or false", "null": "null",
}

var plural = map[string]string{
	"array": "lists", "object": "mappings", "string": "strings",
	"integer": "integers", "number": "numbers", "boolean": "booleans", "null": "nulls",
}

func types(rule map[string]any) []string {
	switch t := rule["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, v := range t {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// yamlType names the type of a YAML node as a user would: "string", "list".
func yamlType(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	switch n.ShortTag() {
	case "!!int":
		return "integer"
	case "!!float":
		return "float"
	case "!!bool":
		return "boolean"
	case "!!null":
		return "null"
	}
	return "string"
}

// optional lists the properties of a rule that are not required.
func optional(rule map[string]any) []string {
	var names []string
	for _, name := range sortedKeys(asMap(rule["properties"])) {
		if !slices.Contains(asSlice(rule["required"]), any(name)) {
			names = append(names, name)
		}
	}
	return names
}

func orList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return strings.Join(quoted, " or ")
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func asSlice(v any) []any { s, _ := v.([]any); return s }
