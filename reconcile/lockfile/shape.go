package lockfile

import (
	"encoding/json"
	"strconv"
)

// A shape is the structure a JSON value must have: the part of
// schema/lockfile.schema.json that a decoder into Go structs cannot check
// (null where a value is required, duplicate keys, keys differing only in
// case, a missing required key) or checks without a position (an unknown
// key). Walking the raw tokens against it finds every such problem with its
// offset. The semantic rules, for which a State is enough, are in
// validate.go.
type shape struct {
	kind     kind
	props    map[string]*shape // objectKind: the known keys
	required []string          // objectKind
	elem     *shape            // mapKind values, arrayKind items
}

type kind uint8

const (
	anyKind    kind = iota // any JSON value, null included
	stringKind             // a string
	intKind                // an integer that fits int64
	objectKind             // an object with known keys
	mapKind                // an object with any keys
	arrayKind              // an array
)

var kindNames = [...]string{anyKind: "any value", stringKind: "a string", intKind: "an integer",
	objectKind: "an object", mapKind: "an object", arrayKind: "an array"}

var (
	anyShape       = &shape{kind: anyKind}
	stringShape    = &shape{kind: stringKind}
	intShape       = &shape{kind: intKind}
	stringMap      = &shape{kind: mapKind, elem: stringShape}
	stringList     = &shape{kind: arrayKind, elem: stringShape}
	fieldsShape    = &shape{kind: mapKind, elem: anyShape} // field values are any JSON, null included
	communityShape = &shape{kind: objectKind, required: []string{"handle", "status"}, props: map[string]*shape{
		"handle": stringShape, "status": stringShape, "community_id": stringShape, "share_url": stringShape,
		"fields": fieldsShape,
	}}
	groupShape = &shape{kind: objectKind, required: []string{"status", "chat_id"}, props: map[string]*shape{
		"community": stringShape, "community_id": stringShape, "status": stringShape, "chat_id": stringShape,
		"group_id": stringShape, "share_url": stringShape, "fields": fieldsShape, "members": stringMap,
		"create_members": stringList, "subscribers_removed": stringList,
	}}
	lockfileShape = &shape{kind: objectKind,
		required: []string{"format_version", "lineage", "serial", "endpoint", "communities", "groups"},
		props: map[string]*shape{
			"format_version": intShape, "lineage": stringShape, "serial": intShape, "endpoint": stringShape,
			"communities": {kind: mapKind, elem: communityShape},
			"groups":      {kind: mapKind, elem: groupShape},
		}}
	journalHeaderShape = &shape{kind: objectKind, required: []string{"journal", "lineage", "endpoint", "serial"},
		props: map[string]*shape{"journal": intShape, "lineage": stringShape, "endpoint": stringShape, "serial": intShape}}
	entryShape = &shape{kind: objectKind, required: []string{"op", "address"}, props: map[string]*shape{
		"op": stringShape, "address": stringShape, "community": communityShape, "group": groupShape,
		"id": stringShape, "share_url": stringShape, "fields": fieldsShape, "cleared": stringList,
		"added": stringMap, "removed": stringList, "subscribers_removed": stringList,
		"subscribers_forgotten": stringList, "to": stringShape,
	}}
)

// indexDepth bounds the paths a walker indexes: a record's fields, and the
// keys of its members.
const indexDepth = 4

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// walker checks raw JSON against a shape. It scans the bytes itself:
// json.Decoder.Token costs three times the decoding of a large lockfile.
type walker struct {
	data  []byte
	pos   int
	depth int
	probs []Problem
	// index, when not nil, receives the offset of every key up to
	// indexDepth deep, by pathKey.
	index map[string]int64
	// unknownKeys counts the keys no shape has: encoding/json would decode
	// one that differs from a known key only in case into that field.
	unknownKeys int
	// version is the document's format_version, as written.
	version json.Number
	// end is where the document ends, once walked.
	end int
}

func newWalker(data []byte, index map[string]int64) *walker {
	return &walker{data: data, index: index}
}

// syntaxError is damage that stops the walk: the data is not JSON.
type syntaxError struct {
	offset int64
	msg    string
}

func (e *syntaxError) Error() string { return e.msg }

// document walks one JSON document of shape sh and then requires the end
// of the data. Shape problems are collected in w.probs, with path as the
// prefix of their paths; a syntax error is returned.
func (w *walker) document(sh *shape, path []string) error {
	if err := w.value(sh, path, -1); err != nil {
		return err
	}
	w.end = w.pos
	if w.skipSpace(); w.pos < len(w.data) {
		_, what := splitPath(path)
		w.probs = append(w.probs, problemAt(int64(w.pos), nil, "unexpected data after the end of %s", what))
	}
	return nil
}

func (w *walker) skipSpace() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\r', '\n':
			w.pos++
		default:
			return
		}
	}
}

// fail is a syntax error at the current position, worded as
// encoding/json words them.
func (w *walker) fail(context string) error {
	if w.pos >= len(w.data) {
		return &syntaxError{offset: int64(len(w.data)), msg: "unexpected end of JSON input"}
	}
	return &syntaxError{offset: int64(w.pos), msg: "invalid character " + quoteChar(w.data[w.pos]) + " " + context}
}

func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}

// value walks one value; keyOff is the offset of its key in the enclosing
// object (-1 for none), where problems of the value as a whole are shown.
func (w *walker) value(sh *shape, path []string, keyOff int64) error {
	w.skipSpace()
	start := int64(w.pos)
	if w.pos >= len(w.data) {
		return w.fail("")
	}
	got := ""
	switch c := w.data[w.pos]; {
	case c == '{':
		if sh.kind != objectKind && sh.kind != mapKind && sh.kind != anyKind {
			w.mismatch(start, sh, path, "an object")
			sh = anyShape
		}
		if keyOff < 0 {
			keyOff = start
		}
		return w.object(sh, path, keyOff)
	case c == '[':
		if sh.kind != arrayKind && sh.kind != anyKind {
			w.mismatch(start, sh, path, "an array")
			sh = anyShape
		}
		return w.array(sh, path)
	case c == '"':
		if _, err := w.str(); err != nil {
			return err
		}
		if sh.kind == stringKind {
			return nil
		}
		got = "a string"
	case c == '-' || c >= '0' && c <= '9':
		num, err := w.number()
		if err != nil {
			return err
		}
		if len(path) == 1 && path[0] == "format_version" {
			w.version = json.Number(num)
		}
		if sh.kind == intKind {
			w.integer(start, path, num)
			return nil
		}
		got = "a number"
	case c == 't':
		if err := w.literal("true"); err != nil {
			return err
		}
		got = "a boolean"
	case c == 'f':
		if err := w.literal("false"); err != nil {
			return err
		}
		got = "a boolean"
	case c == 'n':
		if err := w.literal("null"); err != nil {
			return err
		}
		got = "null"
	default:
		return w.fail("looking for beginning of value")
	}
	if sh.kind != anyKind {
		w.mismatch(start, sh, path, got)
	}
	return nil
}

// integer checks that a number is an integer that fits int64.
func (w *walker) integer(start int64, path []string, num string) {
	if _, err := strconv.ParseInt(num, 10, 64); err == nil {
		return
	}
	_, what := splitPath(path)
	for _, c := range []byte(num) {
		if c == '.' || c == 'e' || c == 'E' {
			w.probs = append(w.probs, problemAt(start, path, "%s must be an integer, not %s", what, num))
			return
		}
	}
	w.probs = append(w.probs, problemAt(start, path, "%s %s is out of range", what, num))
}

func (w *walker) mismatch(off int64, sh *shape, path []string, got string) {
	_, what := splitPath(path)
	w.probs = append(w.probs, problemAt(off, path, "%s must be %s, not %s", what, kindNames[sh.kind], got))
}

func (w *walker) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if w.pos >= len(w.data) || w.data[w.pos] != lit[i] {
			return w.fail("in literal " + lit + " (expecting " + quoteChar(lit[i]) + ")")
		}
		w.pos++
	}
	return nil
}

// number scans a number and returns its text.
func (w *walker) number() (string, error) {
	start := w.pos
	digits := func() int {
		n := 0
		for w.pos < len(w.data) && w.data[w.pos] >= '0' && w.data[w.pos] <= '9' {
			w.pos++
			n++
		}
		return n
	}
	if w.data[w.pos] == '-' {
		w.pos++
	}
	switch {
	case w.pos < len(w.data) && w.data[w.pos] == '0':
		w.pos++
	case digits() == 0:
		return "", w.fail("in numeric literal")
	}
	if w.pos < len(w.data) && w.data[w.pos] == '.' {
		w.pos++
		if digits() == 0 {
			return "", w.fail("after decimal point in numeric literal")
		}
	}
	if w.pos < len(w.data) && (w.data[w.pos] == 'e' || w.data[w.pos] == 'E') {
		w.pos++
		if w.pos < len(w.data) && (w.data[w.pos] == '+' || w.data[w.pos] == '-') {
			w.pos++
		}
		if digits() == 0 {
			return "", w.fail("in exponent of numeric literal")
		}
	}
	return string(w.data[start:w.pos]), nil
}

// str scans a string and returns its value.
func (w *walker) str() (string, error) {
	start := w.pos
	w.pos++ // the opening quote
	escaped := false
	for {
		if w.pos >= len(w.data) {
			return "", w.fail("")
		}
		switch c := w.data[w.pos]; {
		case c == '"':
			w.pos++
			raw := w.data[start:w.pos]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil { // checked below: not reached
				return "", &syntaxError{offset: int64(start), msg: err.Error()}
			}
			return v, nil
		case c == '\\':
			escaped = true
			w.pos++
			if w.pos >= len(w.data) {
				return "", w.fail("")
			}
			switch w.data[w.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				w.pos++
			case 'u':
				w.pos++
				for range 4 {
					if w.pos >= len(w.data) || !isHex(w.data[w.pos]) {
						return "", w.fail("in \\u hexadecimal character escape")
					}
					w.pos++
				}
			default:
				return "", w.fail("in string escape code")
			}
		case c < 0x20:
			return "", w.fail("in string literal")
		default:
			w.pos++
		}
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// object walks an object's members; a missing key is reported at at.
func (w *walker) object(sh *shape, path []string, at int64) error {
	if w.depth++; w.depth > maxDepth {
		return w.fail("exceeding the maximum depth")
	}
	defer func() { w.depth-- }()
	w.pos++ // '{'
	var seen map[string]bool
	for first := true; ; first = false {
		w.skipSpace()
		if w.pos < len(w.data) && w.data[w.pos] == '}' && first {
			w.pos++
			break
		}
		if w.pos >= len(w.data) || w.data[w.pos] != '"' {
			return w.fail("looking for beginning of object key string")
		}
		koff := int64(w.pos)
		key, err := w.str()
		if err != nil {
			return err
		}
		if w.skipSpace(); w.pos >= len(w.data) || w.data[w.pos] != ':' {
			return w.fail("after object key")
		}
		w.pos++
		kpath := append(path, key)
		if seen == nil {
			seen = make(map[string]bool, 8)
		}
		if seen[key] {
			w.probs = append(w.probs, problemAt(koff, kpath, "duplicate key %q", key))
		}
		seen[key] = true
		child := anyShape
		switch sh.kind {
		case objectKind:
			if p, ok := sh.props[key]; ok {
				child = p
			} else {
				_, what := splitPath(path)
				w.probs = append(w.probs, problemAt(koff, kpath, "unknown key %q in %s", key, what))
				w.unknownKeys++
			}
		case mapKind:
			child = sh.elem
		}
		if w.index != nil && len(kpath) <= indexDepth {
			if _, dup := w.index[pathKey(kpath)]; !dup {
				w.index[pathKey(kpath)] = koff
			}
		}
		if err := w.value(child, kpath, koff); err != nil {
			return err
		}
		if w.skipSpace(); w.pos < len(w.data) && w.data[w.pos] == ',' {
			w.pos++
			continue
		}
		if w.pos < len(w.data) && w.data[w.pos] == '}' {
			w.pos++
			break
		}
		return w.fail("after object key:value pair")
	}
	for _, name := range sh.required {
		if !seen[name] {
			_, what := splitPath(path)
			w.probs = append(w.probs, problemAt(at, append(path, name), "%s has no %q", what, name))
		}
	}
	return nil
}

func (w *walker) array(sh *shape, path []string) error {
	if w.depth++; w.depth > maxDepth {
		return w.fail("exceeding the maximum depth")
	}
	defer func() { w.depth-- }()
	w.pos++ // '['
	elem := sh.elem
	if elem == nil {
		elem = anyShape
	}
	if w.skipSpace(); w.pos < len(w.data) && w.data[w.pos] == ']' {
		w.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := w.value(elem, append(path, "["+strconv.Itoa(i)+"]"), -1); err != nil {
			return err
		}
		if w.skipSpace(); w.pos < len(w.data) && w.data[w.pos] == ',' {
			w.pos++
			continue
		}
		if w.pos < len(w.data) && w.data[w.pos] == ']' {
			w.pos++
			return nil
		}
		return w.fail("after array element")
	}
}
