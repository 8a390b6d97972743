package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	compiled *jsonschema.Schema
	raw      map[string]any
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
	compiled, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("spec schema: %w", err)
	}
	return &specSchema{compiled: compiled, raw: raw}, nil
})

// validate checks doc against the schema. Each broken rule is reported at
// the YAML node it concerns; the nodes reported are returned so that later
// checks skip them rather than report them again.
func (s *specSchema) validate(doc *document, ds *diagnostics) map[*yaml.Node]bool {
	err := s.compiled.Validate(doc.value)
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
		for _, p := range s.problems(leaf, n) {
			ds.add(doc.pos(p.node), addressAt(doc.root, leaf.InstanceLocation), "%s", p.message)
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
func (s *specSchema) problems(e *jsonschema.ValidationError, n *yaml.Node) []problem {
	keyword, rule := s.rule(e.AbsoluteKeywordLocation)
	subject := subjectOf(e.InstanceLocation)
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
		if strings.HasSuffix(subject, "phone\"") && n.ShortTag() == "!!float" {
			msg += ": quote phone numbers"
		} else if slices.Contains(types(rule), "string") && n.Kind == yaml.ScalarNode {
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
	case "minProperties":
		return one("%s needs one of %s", subject, orList(sortedKeys(asMap(rule["properties"]))))
	case "maxProperties":
		return one("%s takes only one of %s", subject, orList(sortedKeys(asMap(rule["properties"]))))
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

func orList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return strings.Join(quoted, " or ")
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func asSlice(v any) []any { s, _ := v.([]any); return s }
