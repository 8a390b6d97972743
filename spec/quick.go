package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// quickRule is a rule of the spec schema compiled to check YAML nodes
// directly, without the JSON-like value and the schema library: a spec
// file that holds to the schema, as nearly every file does, is then
// checked at a fraction of the cost. It understands the keywords the spec
// schema uses, with the library's meaning; compileQuick refuses a schema
// with any other. A rule answers only "certainly holds": a node it cannot
// vouch for (an alias, a tag or a float, a key that is not a plain string
// or given twice) fails it, and the full check then words every problem
// (see specSchema.validate). TestQuickCheckAgrees and FuzzQuickCheck hold
// it to the library.
type quickRule struct {
	types      jsonTypes // 0: any
	constant   *int64    // const, an integer
	pattern    *regexp.Regexp
	ascii      *bytePattern // pattern for ASCII strings; nil if not anchored
	minLength  int          // -1: none
	minimum    *int64
	maximum    *int64
	properties map[string]*quickRule
	// additional is additionalProperties as a rule; nil, either any key is
	// allowed or, if closed, none but properties.
	additional    *quickRule
	closed        bool
	required      []string
	minProperties int // -1: none
	maxProperties int // -1: none
	propertyNames *quickRule
	items         *quickRule
	// ref is the rule a "$ref" names, which holds as well.
	ref *quickRule
}

// jsonTypes is a set of JSON types, as "type" names them.
type jsonTypes uint8

const (
	typeString jsonTypes = 1 << iota
	typeInteger
	typeNumber
	typeBoolean
	typeNull
	typeArray
	typeObject
)

var typeNames = map[string]jsonTypes{
	"string": typeString, "integer": typeInteger, "number": typeNumber, "boolean": typeBoolean,
	"null": typeNull, "array": typeArray, "object": typeObject,
}

// compileQuick compiles the rules of s at locs, or fails for a schema
// using a keyword (or a form of one) that quickRule lacks.
func compileQuick(s *specSchema, locs []string) (map[string]*quickRule, error) {
	c := &quickCompiler{s: s, rules: map[string]*quickRule{}}
	out := make(map[string]*quickRule, len(locs))
	for _, loc := range locs {
		r, err := c.compile(loc)
		if err != nil {
			return nil, err
		}
		out[loc] = r
	}
	return out, nil
}

// quickCompiler compiles the rules of one schema, each location once.
type quickCompiler struct {
	s     *specSchema
	rules map[string]*quickRule // by location
}

// compile compiles the rule at loc.
func (c *quickCompiler) compile(loc string) (*quickRule, error) {
	if r, ok := c.rules[loc]; ok {
		return r, nil
	}
	raw := c.s.lookup(pointerTokens(loc))
	if raw == nil {
		return nil, fmt.Errorf("no rule at %q", loc)
	}
	r := &quickRule{minLength: -1, minProperties: -1, maxProperties: -1}
	c.rules[loc] = r // before its parts: a rule may refer to itself
	for k, v := range raw {
		if err := c.keyword(r, loc, k, v); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", loc, k, err)
		}
	}
	return r, nil
}

// keyword compiles keyword k of the rule at loc, of value v, into r.
func (c *quickCompiler) keyword(r *quickRule, loc, k string, v any) error {
	var err error
	switch k {
	case "title", "description", "markdownDescription", "default", "examples", "$comment", "deprecated",
		"patternErrorMessage", "$defs":
		// Annotations, and rules that apply only where referred to.
	case "$schema", "$id":
		if loc != "" {
			return fmt.Errorf("only at the top")
		}
	case "$ref":
		ref, _ := v.(string)
		if len(ref) == 0 || ref[0] != '#' {
			return fmt.Errorf("not a local reference")
		}
		r.ref, err = c.compile(ref[1:])
	case "type":
		r.types, err = typesOf(v)
	case "const":
		r.constant, err = integerOf(v)
	case "pattern":
		p, _ := v.(string)
		r.pattern, err = regexp.Compile(p) // as the library does
		r.ascii, _ = compileASCII(p)
	case "minLength":
		r.minLength, err = countOf(v)
	case "minimum":
		r.minimum, err = integerOf(v)
	case "maximum":
		r.maximum, err = integerOf(v)
	case "minProperties":
		r.minProperties, err = countOf(v)
	case "maxProperties":
		r.maxProperties, err = countOf(v)
	case "required":
		for _, name := range asSlice(v) {
			s, ok := name.(string)
			if !ok {
				return fmt.Errorf("not a string")
			}
			r.required = append(r.required, s)
		}
	case "properties":
		r.properties = map[string]*quickRule{}
		for name := range asMap(v) {
			if r.properties[name], err = c.compile(loc + "/properties/" + escapeToken.Replace(name)); err != nil {
				return err
			}
		}
	case "additionalProperties":
		switch v {
		case true:
		case false:
			r.closed = true
		default:
			r.additional, err = c.compile(loc + "/additionalProperties")
		}
	case "propertyNames":
		r.propertyNames, err = c.compile(loc + "/propertyNames")
	case "items":
		r.items, err = c.compile(loc + "/items")
	default:
		return fmt.Errorf("keyword unknown to quickRule")
	}
	return err
}

func typesOf(v any) (jsonTypes, error) {
	names := []any{v}
	if list, ok := v.([]any); ok {
		names = list
	}
	var t jsonTypes
	for _, name := range names {
		s, _ := name.(string)
		if typeNames[s] == 0 {
			return 0, fmt.Errorf("unknown type %v", name)
		}
		t |= typeNames[s]
	}
	return t, nil
}

// integerOf reads a number of the schema that must be an integer.
func integerOf(v any) (*int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, fmt.Errorf("not a number: %v", v)
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return nil, err
	}
	return &i, nil
}

// countOf reads a count of the schema: an integer, 0 or more.
func countOf(v any) (int, error) {
	i, err := integerOf(v)
	if err == nil && *i < 0 {
		err = fmt.Errorf("negative")
	}
	if err != nil {
		return 0, err
	}
	return int(*i), nil
}

// holds reports whether n, as converter would make it a JSON-like value,
// certainly holds to r.
func (r *quickRule) holds(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode:
		return r.holdsMapping(n)
	case yaml.SequenceNode:
		return r.holdsSequence(n)
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str", "!!timestamp":
			return r.holdsString(n.Value)
		case "!!int":
			i, err := parseInt(n.Value)
			switch {
			case err == nil:
				return r.holdsInteger(i, 0)
			case errors.Is(err, strconv.ErrRange) && strings.HasPrefix(n.Value, "-"):
				return r.holdsInteger(0, -1)
			case errors.Is(err, strconv.ErrRange):
				return r.holdsInteger(0, 1)
			}
		case "!!bool":
			return r.holdsOther(typeBoolean)
		case "!!null":
			return r.holdsOther(typeNull)
		}
	}
	return false // an alias, a float or an unsupported tag: not vouched for
}

// accepts reports whether the rule's "type" admits type t.
func (r *quickRule) accepts(t jsonTypes) bool {
	return r.types == 0 || r.types&t != 0
}

func (r *quickRule) holdsString(s string) bool {
	return r.accepts(typeString) && r.constant == nil &&
		(r.minLength < 0 || utf8.RuneCountInString(s) >= r.minLength) &&
		(r.pattern == nil || r.matches(s)) &&
		(r.ref == nil || r.ref.holdsString(s))
}

// matches reports whether s matches the rule's pattern.
func (r *quickRule) matches(s string) bool {
	if r.ascii != nil && isASCII(s) {
		return r.ascii.match(s)
	}
	return r.pattern.MatchString(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// holdsInteger is holds for the integer i or, if beyond is -1 or 1, one
// past the range of int64 on that side (see converter.scalar).
func (r *quickRule) holdsInteger(i int64, beyond int) bool {
	return r.accepts(typeInteger|typeNumber) &&
		(r.constant == nil || beyond == 0 && *r.constant == i) &&
		(r.minimum == nil || beyond > 0 || beyond == 0 && i >= *r.minimum) &&
		(r.maximum == nil || beyond < 0 || beyond == 0 && i <= *r.maximum) &&
		(r.ref == nil || r.ref.holdsInteger(i, beyond))
}

// holdsOther is holds for true, false and null, which only "type" and
// "const" constrain.
func (r *quickRule) holdsOther(t jsonTypes) bool {
	return r.accepts(t) && r.constant == nil && (r.ref == nil || r.ref.holdsOther(t))
}

func (r *quickRule) holdsSequence(n *yaml.Node) bool {
	if !r.accepts(typeArray) || r.constant != nil {
		return false
	}
	if r.items != nil {
		for _, item := range n.Content {
			if !r.items.holds(item) {
				return false
			}
		}
	}
	return r.ref == nil || r.ref.holdsSequence(n)
}

// maxScanKeys is the most keys holdsMapping checks for repeats pairwise;
// a larger mapping is not vouched for.
const maxScanKeys = 64

func (r *quickRule) holdsMapping(n *yaml.Node) bool {
	count := len(n.Content) / 2
	if !r.accepts(typeObject) || r.constant != nil || count > maxScanKeys ||
		(r.minProperties >= 0 && count < r.minProperties) ||
		(r.maxProperties >= 0 && count > r.maxProperties) {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || repeated(n.Content[:i], k.Value) {
			return false // reported by converter
		}
		if r.propertyNames != nil && !r.propertyNames.holdsString(k.Value) {
			return false
		}
		rule, ok := r.properties[k.Value]
		switch {
		case ok:
		case r.additional != nil:
			rule = r.additional
		case r.closed:
			return false
		}
		if rule != nil && !rule.holds(v) {
			return false
		}
	}
	for _, name := range r.required {
		if !repeated(n.Content, name) {
			return false
		}
	}
	return r.ref == nil || r.ref.holdsMapping(n)
}

// repeated reports whether the keys and values of a mapping, content,
// have key among their keys.
func repeated(content []*yaml.Node, key string) bool {
	for i := 0; i+1 < len(content); i += 2 {
		if content[i].Value == key {
			return true
		}
	}
	return false
}
