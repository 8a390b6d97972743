package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/genuin/genuinctl/schema"
)

// Locations in the spec schema (JSON pointers) that Load validates
// documents against.
const (
	fileSchema    = ""               // a spec file
	groupSchema   = "/$defs/group"   // a generated group
	membersSchema = "/$defs/members" // a member list file
)

// specSchema is schema.Spec compiled, with its raw JSON kept to word
// errors from the keywords they break. Both are the schema with its
// references inlined (see inlineRefs).
type specSchema struct {
	// compiled holds the schemas at the locations above and at the items
	// of every list, by location.
	compiled map[string]*jsonschema.Schema
	raw      map[string]any
	// quick holds the same rules as compiled, for the quick check (see
	// validate); nil if compileQuick refused the schema.
	quick map[string]*quickRule
	// keywordRules caches rule: a keywordRule by keyword location.
	keywordRules sync.Map
}

var loadSchema = sync.OnceValues(func() (*specSchema, error) {
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(schema.Spec))
	dec.UseNumber() // print numbers as written: 2147483647, not 2.147483647e+09
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("spec schema: %w", err)
	}
	s := &specSchema{raw: raw, compiled: map[string]*jsonschema.Schema{}}
	s.raw = s.inlineRefs(raw).(map[string]any)
	inlined, err := json.Marshal(s.raw)
	if err != nil {
		return nil, fmt.Errorf("spec schema: %w", err)
	}
	id, _ := raw["$id"].(string)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(id, bytes.NewReader(inlined)); err != nil {
		return nil, fmt.Errorf("spec schema: %w", err)
	}
	for _, loc := range append([]string{fileSchema, groupSchema, membersSchema}, itemSchemas(s.raw, "")...) {
		loc, _ = s.at(loc) // validate a group as #/$defs/group, not through a $ref
		sch, err := c.Compile(id + "#" + loc)
		if err != nil {
			return nil, fmt.Errorf("spec schema: %w", err)
		}
		s.compiled[loc] = sch
	}
	// Refused only for a schema with a keyword new to quickRule, which
	// TestQuickCompiles reports; every document then takes the full check.
	s.quick, _ = compileQuick(s, slices.Collect(maps.Keys(s.compiled)))
	return s, nil
})

// inlineRefs returns rule with each local "$ref" to a rule that has no
// references of its own (a UUID, a slug, a name) replaced by a copy of
// that rule. The library validates a value against a "$ref" as against
// another rule, at as much cost again: a quarter of the time it takes
// over a spec file goes to such small rules, one for most fields. The
// rules are the same, at the locations of the copies. A "$ref" stays where
// another keyword but an annotation goes with it (both would apply); the
// rule it names wins over an annotation beside it. The larger rules (a
// group, a member) keep their references: compiling copies of them would
// cost more than it saves for all but the largest specs.
func (s *specSchema) inlineRefs(rule any) any {
	switch r := rule.(type) {
	case []any:
		out := make([]any, len(r))
		for i, v := range r {
			out[i] = s.inlineRefs(v)
		}
		return out
	case map[string]any:
		ref, _ := r["$ref"].(string)
		if loc, local := strings.CutPrefix(ref, "#"); local && annotatesRef(r) {
			if target := s.lookup(pointerTokens(loc)); target != nil && !hasRef(target) {
				out := maps.Clone(target)
				for k, v := range r {
					if _, ok := out[k]; !ok && k != "$ref" {
						out[k] = v
					}
				}
				return out
			}
		}
		out := make(map[string]any, len(r))
		for k, v := range r {
			out[k] = s.inlineRefs(v)
		}
		return out
	}
	return rule
}

// hasRef reports whether a rule holds a "$ref", at any depth.
func hasRef(rule any) bool {
	switch r := rule.(type) {
	case []any:
		return slices.ContainsFunc(r, hasRef)
	case map[string]any:
		if _, ok := r["$ref"]; ok {
			return true
		}
		for _, v := range r {
			if hasRef(v) {
				return true
			}
		}
	}
	return false
}

// annotatesRef reports whether every keyword beside a rule's "$ref" is an
// annotation, which validation ignores.
func annotatesRef(rule map[string]any) bool {
	for k := range rule {
		switch k {
		case "$ref", "title", "description", "markdownDescription", "default", "examples", "$comment", "deprecated":
		default:
			return false
		}
	}
	return true
}

// itemSchemas lists the locations of the items schemas of every list at
// or below the schema rule at loc.
func itemSchemas(rule map[string]any, loc string) []string {
	var out []string
	if items := asMap(rule["items"]); items != nil {
		out = append(out, loc+"/items")
		out = append(out, itemSchemas(items, loc+"/items")...)
	}
	if more := asMap(rule["additionalProperties"]); more != nil {
		out = append(out, itemSchemas(more, loc+"/additionalProperties")...)
	}
	for _, group := range []string{"properties", "$defs"} {
		for _, name := range sortedKeys(asMap(rule[group])) {
			out = append(out, itemSchemas(asMap(asMap(rule[group])[name]), loc+"/"+group+"/"+escapeToken.Replace(name))...)
		}
	}
	return out
}

// validate checks doc against the schema at loc. Each broken rule is
// reported at the YAML node it concerns; the nodes reported are returned
// so that later checks skip them rather than report them again. A
// document the quick check vouches for is one the full check (fullCheck)
// would find nothing wrong with: it is spared that.
func (s *specSchema) validate(loc string, doc *document, ds *diagnostics) map[*yaml.Node]bool {
	if q := s.quick[loc]; q != nil && q.holds(doc.root) {
		return nil
	}
	return s.fullCheck(loc, doc, ds)
}

// fullCheck is validate by the schema library, which words every problem.
func (s *specSchema) fullCheck(loc string, doc *document, ds *diagnostics) map[*yaml.Node]bool {
	v := &validation{schema: s, doc: doc, ds: ds}
	v.check(loc, doc.root, "")
	return v.flagged
}

// validation is the schema check of one document.
type validation struct {
	schema  *specSchema
	doc     *document
	ds      *diagnostics
	flagged map[*yaml.Node]bool // nil until a node is
}

// check validates n, at ptr in the document, against the schema at loc.
// The lists longer than maxBatch in n are validated empty, then item by
// item: the JSON-like value of a large file, and the schema library's
// errors about it, are never all held at once.
func (v *validation) check(loc string, n *yaml.Node, ptr string) {
	c := &converter{doc: v.doc, ds: v.ds}
	v.report(v.schema.compiled[loc].Validate(c.value(n)), n, ptr)
	for _, long := range c.long {
		items, ok := v.schema.itemsAt(loc, long.path)
		if !ok {
			continue // a list where the schema allows none: reported as such
		}
		at := ptr + pointer(long.path)
		for i, item := range long.node.Content {
			v.check(items, item, at+"/"+strconv.Itoa(i))
		}
	}
}

// report reports the errors of validating n, at ptr in the document.
func (v *validation) report(err error, n *yaml.Node, ptr string) {
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return
	}
	if v.flagged == nil {
		v.flagged = map[*yaml.Node]bool{}
	}
	for _, leaf := range leaves(verr) {
		at := nodeAt(n, leaf.InstanceLocation)
		v.flagged[at] = true
		if v.doc.reported[at] {
			continue
		}
		instance := ptr + leaf.InstanceLocation
		addr := v.doc.addr
		if addr == "" {
			addr = addressAt(v.doc.root, instance)
		}
		for _, p := range v.schema.problems(v.doc.root, leaf, instance, at) {
			v.ds.add(v.doc.pos(p.node), addr, p.format, p.args...)
		}
	}
}

// itemsAt is the location of the schema of the items of the list at path
// below a value validated against the schema at loc, $refs followed; false
// when the schema has none there. itemSchemas has compiled it.
func (s *specSchema) itemsAt(loc string, path []step) (string, bool) {
	for _, st := range path {
		var rule map[string]any
		loc, rule = s.at(loc)
		switch {
		case st.index >= 0 && asMap(rule["items"]) != nil:
			loc += "/items"
		case st.index < 0 && asMap(asMap(rule["properties"])[st.key]) != nil:
			loc += "/properties/" + escapeToken.Replace(st.key)
		case st.index < 0 && asMap(rule["additionalProperties"]) != nil:
			loc += "/additionalProperties"
		default:
			return "", false
		}
	}
	loc, rule := s.at(loc)
	if asMap(rule["items"]) == nil {
		return "", false
	}
	loc, _ = s.at(loc + "/items")
	return loc, true
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

// problem is one schema error at the node it concerns, worded by format
// and args only if it is shown (see diagnostics.add).
type problem struct {
	node   *yaml.Node
	format string
	args   []any
}

// lazy is an argument of a message that takes work to print: the work is
// done only if the message is printed.
type lazy func() string

func (f lazy) String() string { return f() }

// problems words a broken rule from the rule's keyword, the schema around
// it and the YAML node n that breaks it, at instance in the document.
func (s *specSchema) problems(root *yaml.Node, e *jsonschema.ValidationError, instance string, n *yaml.Node) []problem {
	keyword, rule := s.rule(e.AbsoluteKeywordLocation)
	subject := lazy(func() string { return subjectOf(instance) })
	if strings.Contains(e.AbsoluteKeywordLocation, "/propertyNames/") {
		// The instance is a key: report at the key, not at its value.
		n = keyNodeAt(root, instance)
		subject = lazy(func() string { return subjectOf(instance[:strings.LastIndex(instance, "/")]) + " key" })
	}
	// one is the problem of n, worded by format with the subject first.
	one := func(format string, args ...any) []problem {
		return []problem{{n, "%s " + format, append([]any{subject}, args...)}}
	}
	switch keyword {
	case "additionalProperties":
		allowed := sortedKeys(asMap(rule["properties"]))
		var out []problem
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
				suggestion := lazy(func() string { return didYouMean(k.Value, allowed) })
				out = append(out, problem{k, "unknown key %s%s", []any{excerpt(k.Value), suggestion}})
			}
		}
		return out
	case "required":
		var out []problem
		for _, r := range asSlice(rule["required"]) {
			if name, _ := r.(string); valueOf(n, name) == nil {
				out = append(out, problem{n, "missing required key %q", []any{name}})
			}
		}
		return out
	case "type":
		expected := lazy(func() string { return s.expected(rule) })
		switch {
		case path.Base(instance) == "phone" && n.ShortTag() == "!!float":
			return one("must be %s, got %s: quote phone numbers", expected, yamlType(n))
		case slices.Contains(types(rule), "string") && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null":
			return one("must be %s, got %s (quote it: %s)", expected, yamlType(n), excerpt(n.Value))
		}
		return one("must be %s, got %s", expected, yamlType(n))
	case "const":
		return one("must be %v, got %s", rule["const"], clip(n.Value))
	case "pattern":
		if hint, ok := rule["patternErrorMessage"].(string); ok {
			return one("%s, got %s", hint, excerpt(n.Value))
		}
		return one("must match %s, got %s", rule["pattern"], excerpt(n.Value))
	case "minimum":
		return one("must be at least %v, got %s", rule["minimum"], clip(n.Value))
	case "maximum":
		return one("must be at most %v, got %s", rule["maximum"], clip(n.Value))
	case "minLength":
		if fmt.Sprint(rule["minLength"]) == "1" {
			return one("must not be empty")
		}
		return one("must have at least %v characters, got %s", rule["minLength"], excerpt(n.Value))
	case "minProperties":
		if choices := optional(rule); len(choices) > 0 {
			return one("needs one of %s", lazy(func() string { return orList(choices) }))
		}
		return one("must not be empty")
	case "maxProperties":
		return one("takes only one of %s", lazy(func() string { return orList(optional(rule)) }))
	}
	return []problem{{n, "%s: %s", []any{subject, lazy(func() string { return sanitise(e.Message) })}}}
}

// rule resolves an absolute keyword location ("...#/$defs/group/type") to
// the keyword and the schema object holding it, once per location: a
// flood of errors breaks the same few rules.
func (s *specSchema) rule(location string) (string, map[string]any) {
	if r, ok := s.keywordRules.Load(location); ok {
		r := r.(keywordRule)
		return r.keyword, r.rule
	}
	var r keywordRule
	_, fragment, _ := strings.Cut(location, "#")
	if tokens := pointerTokens(fragment); len(tokens) > 0 {
		r = keywordRule{tokens[len(tokens)-1], s.lookup(tokens[:len(tokens)-1])}
	}
	s.keywordRules.Store(location, r)
	return r.keyword, r.rule
}

// keywordRule is a keyword of the schema and the schema object holding it.
type keywordRule struct {
	keyword string
	rule    map[string]any
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
	if ref, ok := rule["$ref"].(string); ok {
		_, fragment, _ := strings.Cut(ref, "#")
		_, rule = s.at(fragment)
	}
	return rule
}

// at returns the rule at loc, following local "$ref"s, and its location.
func (s *specSchema) at(loc string) (string, map[string]any) {
	rule := s.lookup(pointerTokens(loc))
	for range 8 { // the schema's refs never chain further
		ref, ok := rule["$ref"].(string)
		if !ok {
			break
		}
		_, loc, _ = strings.Cut(ref, "#")
		rule = s.lookup(pointerTokens(loc))
	}
	return loc, rule
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
