package lockfile

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// A shape is the structure a JSON value must have: the part of
// schema/lockfile.schema.json (and of schema/lockfile-v1.schema.json for
// format 1) that is about structure: a key missing, unknown or
// duplicated, null where a value is required, a value of the wrong type,
// an integer out of range. Walking the bytes against it finds every such
// problem with its offset. The semantic rules, for which a State is
// enough, are in validate.go; decode.go checks both as it reads.
type shape struct {
	kind     kind
	props    []prop   // objectKind: the known keys
	required []string // objectKind
	elem     *shape   // mapKind values, arrayKind items
}

// prop is one known key of an object shape.
type prop struct {
	name string
	sh   *shape
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

// lookup returns the index and shape of key among an object shape's
// props, or -1 and anyShape for a key it does not know.
func lookup[K string | []byte](sh *shape, key K) (int, *shape) {
	for i := range sh.props {
		if sh.props[i].name == string(key) {
			return i, sh.props[i].sh
		}
	}
	return -1, anyShape
}

// objectShape is an object with the props listed, some required.
func objectShape(required []string, props ...[]prop) *shape {
	return &shape{kind: objectKind, required: required, props: slices.Concat(props...)}
}

var (
	anyShape       = &shape{kind: anyKind}
	stringShape    = &shape{kind: stringKind}
	intShape       = &shape{kind: intKind}
	stringMap      = &shape{kind: mapKind, elem: stringShape}
	stringList     = &shape{kind: arrayKind, elem: stringShape}
	fieldsShape    = &shape{kind: mapKind, elem: anyShape} // field values are any JSON, null included
	communityShape = objectShape([]string{"handle", "status"}, []prop{
		{"handle", stringShape}, {"status", stringShape}, {"community_id", stringShape}, {"share_url", stringShape},
		{"fields", fieldsShape},
	})
	groupIDs = []prop{
		{"community", stringShape}, {"community_id", stringShape}, {"status", stringShape}, {"chat_id", stringShape},
		{"group_id", stringShape}, {"share_url", stringShape}, {"fields", fieldsShape},
	}
	groupLists    = []prop{{"create_members", stringList}, {"subscribers_removed", stringList}}
	groupRequired = []string{"status", "chat_id"}
	// groupShapeV1 is a group record of format 1, and of a journal's put
	// entries: its members are one map, identity to member id.
	groupShapeV1 = objectShape(groupRequired, groupIDs, []prop{{"members", stringMap}}, groupLists)
	// groupShape is a group record of format 2: its members by user id
	// (member id = user id), by phone, and by user id with another member
	// id (Group.Members holds them all).
	groupShape = objectShape(groupRequired, groupIDs,
		[]prop{{"users", stringList}, {"phones", stringMap}, {"user_member_ids", stringMap}}, groupLists)
	lockfileShapeV1 = documentShape(groupShapeV1)
	lockfileShape   = documentShape(groupShape)

	journalHeaderShape = objectShape([]string{"journal", "lineage", "endpoint", "serial"}, []prop{
		{"journal", intShape}, {"lineage", stringShape}, {"endpoint", stringShape}, {"serial", intShape},
	})
	entryShape = objectShape([]string{"op", "address"}, []prop{
		{"op", stringShape}, {"address", stringShape}, {"community", communityShape}, {"group", groupShapeV1},
		{"id", stringShape}, {"share_url", stringShape}, {"fields", fieldsShape}, {"cleared", stringList},
		{"added", stringMap}, {"removed", stringList}, {"subscribers_removed", stringList},
		{"subscribers_forgotten", stringList}, {"to", stringShape},
	})
)

// documentShape is a lockfile whose group records have shape group.
func documentShape(group *shape) *shape {
	return objectShape([]string{"format_version", "lineage", "serial", "endpoint", "communities", "groups"}, []prop{
		{"format_version", intShape}, {"lineage", stringShape}, {"serial", intShape}, {"endpoint", stringShape},
		{"communities", &shape{kind: mapKind, elem: communityShape}},
		{"groups", &shape{kind: mapKind, elem: group}},
	})
}

// step is one step of the path from a document's root to a value: a
// key, or an array item.
type step struct {
	key  string
	item int // an item's index + 1; 0 for a key
}

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// walker scans JSON bytes and checks them against a shape. It scans the
// bytes itself: json.Decoder.Token costs three times the decoding of a
// large lockfile. The decoder (decode.go) builds on its scanning.
type walker struct {
	data  []byte
	pos   int
	depth int
	probs []Problem
	// path leads to the value being walked: pushed as a walk descends,
	// and made into a []string only for a problem.
	path []step
	// checkUTF8 makes a string that is not UTF-8 a syntax error. Parse
	// sets it: outside its strings JSON is ASCII, so a lockfile that
	// decodes is UTF-8 without a pass of its own.
	checkUTF8 bool
}

func (w *walker) push(key string) { w.path = append(w.path, step{key: key}) }
func (w *walker) pushItem(i int)  { w.path = append(w.path, step{item: i + 1}) }
func (w *walker) pop()            { w.path = w.path[:len(w.path)-1] }

// pathNow is the path of the value being walked.
func (w *walker) pathNow() []string {
	path := make([]string, len(w.path))
	for i, s := range w.path {
		path[i] = s.key
		if s.item > 0 {
			path[i] = "[" + strconv.Itoa(s.item-1) + "]"
		}
	}
	return path
}

// what describes the value being walked, as a problem names it.
func (w *walker) what() string {
	_, what := splitPath(w.pathNow())
	return what
}

// syntaxError is damage that stops the walk: the data is not JSON.
type syntaxError struct {
	offset int64
	msg    string
}

func (e *syntaxError) Error() string { return e.msg }

// document walks one JSON document of shape sh, whose root w.path names,
// and then requires the end of the data. Shape problems are collected in
// w.probs; a syntax error is returned.
func (w *walker) document(sh *shape) error {
	if err := w.value(sh, -1); err != nil {
		return err
	}
	w.end()
	return nil
}

// end requires the end of the data after a document.
func (w *walker) end() {
	if w.skipSpace(); w.pos < len(w.data) {
		w.probs = append(w.probs, problemAt(int64(w.pos), nil, "unexpected data after the end of %s", w.what()))
	}
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

// problem records a shape problem of the value being walked.
func (w *walker) problem(off int64, format string, args ...any) {
	w.probs = append(w.probs, problemAt(off, w.pathNow(), format, args...))
}

// at reports whether the next byte, after any space, is c.
func (w *walker) at(c byte) bool {
	w.skipSpace()
	return w.pos < len(w.data) && w.data[w.pos] == c
}

// atNumber reports whether a number comes next, after any space.
func (w *walker) atNumber() bool {
	w.skipSpace()
	return w.pos < len(w.data) && (w.data[w.pos] == '-' || w.data[w.pos] >= '0' && w.data[w.pos] <= '9')
}

// value walks one value; keyOff is the offset of its key in the enclosing
// object (-1 for none), where problems of the value as a whole are shown.
func (w *walker) value(sh *shape, keyOff int64) error {
	w.skipSpace()
	start := int64(w.pos)
	if w.pos >= len(w.data) {
		return w.fail("")
	}
	got := ""
	switch c := w.data[w.pos]; {
	case c == '{':
		if sh.kind != objectKind && sh.kind != mapKind && sh.kind != anyKind {
			w.mismatch(start, sh, "an object")
			sh = anyShape
		}
		if keyOff < 0 {
			keyOff = start
		}
		return w.object(sh, keyOff, nil)
	case c == '[':
		if sh.kind != arrayKind && sh.kind != anyKind {
			w.mismatch(start, sh, "an array")
			sh = anyShape
		}
		return w.array(sh)
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
		if sh.kind == intKind {
			w.integer(start, num)
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
		w.mismatch(start, sh, got)
	}
	return nil
}

// integer checks that a number is an integer that fits int64, and returns
// it.
func (w *walker) integer(start int64, num []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err == nil {
		return n, true
	}
	for _, c := range num {
		if c == '.' || c == 'e' || c == 'E' {
			w.problem(start, "%s must be an integer, not %s", w.what(), num)
			return 0, false
		}
	}
	w.problem(start, "%s %s is out of range", w.what(), num)
	return 0, false
}

func (w *walker) mismatch(off int64, sh *shape, got string) {
	w.problem(off, "%s must be %s, not %s", w.what(), kindNames[sh.kind], got)
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
func (w *walker) number() ([]byte, error) {
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
		return nil, w.fail("in numeric literal")
	}
	if w.pos < len(w.data) && w.data[w.pos] == '.' {
		w.pos++
		if digits() == 0 {
			return nil, w.fail("after decimal point in numeric literal")
		}
	}
	if w.pos < len(w.data) && (w.data[w.pos] == 'e' || w.data[w.pos] == 'E') {
		w.pos++
		if w.pos < len(w.data) && (w.data[w.pos] == '+' || w.data[w.pos] == '-') {
			w.pos++
		}
		if digits() == 0 {
			return nil, w.fail("in exponent of numeric literal")
		}
	}
	return w.data[start:w.pos], nil
}

// str scans a string and returns its value.
func (w *walker) str() (string, error) {
	b, err := w.strBytes()
	return string(b), err
}

// strBytes scans a string and returns its value: the bytes between the
// quotes when it has no escape (the caller must copy them to keep them),
// else a new decoded buffer.
func (w *walker) strBytes() ([]byte, error) {
	start := w.pos
	w.pos++ // the opening quote
	escaped := false
	for {
		i := w.pos
		for i+8 <= len(w.data) && !anyStringStop(binary.LittleEndian.Uint64(w.data[i:])) {
			i += 8
		}
		for i < len(w.data) && !stringStop[w.data[i]] {
			i++
		}
		w.pos = i
		if w.pos >= len(w.data) {
			return nil, w.fail("")
		}
		switch c := w.data[w.pos]; {
		case c >= utf8.RuneSelf:
			size := 1
			if w.checkUTF8 {
				var r rune
				if r, size = utf8.DecodeRune(w.data[w.pos:]); r == utf8.RuneError && size == 1 {
					return nil, &syntaxError{offset: int64(w.pos), msg: "invalid UTF-8"}
				}
			}
			w.pos += size
		case c == '"':
			w.pos++
			raw := w.data[start:w.pos]
			if !escaped {
				return raw[1 : len(raw)-1], nil
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil { // checked below: not reached
				return nil, &syntaxError{offset: int64(start), msg: err.Error()}
			}
			return []byte(v), nil
		case c == '\\':
			escaped = true
			w.pos++
			if w.pos >= len(w.data) {
				return nil, w.fail("")
			}
			switch w.data[w.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				w.pos++
			case 'u':
				w.pos++
				for range 4 {
					if w.pos >= len(w.data) || !isHex(w.data[w.pos]) {
						return nil, w.fail("in \\u hexadecimal character escape")
					}
					w.pos++
				}
			default:
				return nil, w.fail("in string escape code")
			}
		default: // a control character
			return nil, w.fail("in string literal")
		}
	}
}

// stringStop marks the bytes that stop the scan of a string's plain run:
// its end, an escape, a control character, a byte of a multi-byte rune.
var stringStop = func() (stop [256]bool) {
	for c := range stop {
		stop[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return stop
}()

// anyStringStop reports whether any of the 8 bytes in v stops the scan
// of a string (stringStop), testing them at once.
func anyStringStop(v uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(x uint64) uint64 { return (x - ones) &^ x & highs } // a zero byte
	return (v-ones*0x20)&^v&highs|v&highs|zero(v^ones*'"')|zero(v^ones*'\\') != 0
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// eachMember scans an object from its '{', calling member with each key
// (as strBytes returns it) and its offset once past the colon; member
// walks the value.
func (w *walker) eachMember(member func(key []byte, koff int64) error) error {
	if w.depth++; w.depth > maxDepth {
		return w.fail("exceeding the maximum depth")
	}
	w.pos++ // '{'
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
		key, err := w.strBytes()
		if err != nil {
			return err
		}
		if w.skipSpace(); w.pos >= len(w.data) || w.data[w.pos] != ':' {
			return w.fail("after object key")
		}
		w.pos++
		if err := member(key, koff); err != nil {
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
	w.depth--
	return nil
}

// eachItem scans an array from its '[', calling item with each index;
// item walks the value.
func (w *walker) eachItem(item func(i int) error) error {
	if w.depth++; w.depth > maxDepth {
		return w.fail("exceeding the maximum depth")
	}
	w.pos++ // '['
	if w.at(']') {
		w.pos++
		w.depth--
		return nil
	}
	for i := 0; ; i++ {
		if err := item(i); err != nil {
			return err
		}
		if w.skipSpace(); w.pos < len(w.data) && w.data[w.pos] == ',' {
			w.pos++
			continue
		}
		if w.pos < len(w.data) && w.data[w.pos] == ']' {
			w.pos++
			w.depth--
			return nil
		}
		return w.fail("after array element")
	}
}

// object walks an object from its '{', reporting unknown, duplicate and
// missing keys (a missing key at at). For a known key of an object shape,
// member, when not nil, walks the value (i is the key's index in
// sh.props, and w.path leads to the value); every other value is walked
// against its shape.
func (w *walker) object(sh *shape, at int64, member func(i int, koff int64) error) error {
	var known uint64 // the props seen
	var seen map[string]bool
	err := w.eachMember(func(key []byte, koff int64) error {
		i, child := -1, anyShape
		switch sh.kind {
		case objectKind:
			i, child = lookup(sh, key)
		case mapKind:
			child = sh.elem
		}
		what := ""
		if sh.kind == objectKind && i < 0 {
			what = w.what()
		}
		dup := false
		if i >= 0 {
			w.push(sh.props[i].name)
			dup = known&(1<<i) != 0
			known |= 1 << i
		} else {
			w.push(string(key))
			if seen == nil {
				seen = make(map[string]bool, 8)
			}
			k := w.path[len(w.path)-1].key
			dup = seen[k]
			seen[k] = true
		}
		k := w.path[len(w.path)-1].key
		if dup {
			w.problem(koff, "duplicate key %q", k)
		}
		if what != "" {
			w.problem(koff, "unknown key %q in %s", k, what)
		}
		var err error
		if member != nil && i >= 0 {
			err = member(i, koff)
		} else {
			err = w.value(child, koff)
		}
		w.pop()
		return err
	})
	if err != nil {
		return err
	}
	for _, name := range sh.required {
		if i, _ := lookup(sh, name); known&(1<<i) == 0 {
			what := w.what()
			w.push(name)
			w.problem(at, "%s has no %q", what, name)
			w.pop()
		}
	}
	return nil
}

func (w *walker) array(sh *shape) error {
	elem := sh.elem
	if elem == nil {
		elem = anyShape
	}
	return w.eachItem(func(i int) error {
		w.pushItem(i)
		err := w.value(elem, -1)
		w.pop()
		return err
	})
}
