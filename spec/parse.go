package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// document is one parsed YAML file: its node tree.
type document struct {
	file string
	root *yaml.Node // the top-level node; nil when the file could not be parsed
	// reported are the nodes already reported as unsupported YAML (aliases,
	// tags): they convert to null, which the schema need not report again.
	reported map[*yaml.Node]bool
	// empty is set when the file holds no YAML document at all.
	empty bool
	// addr is the address of everything in a document that declares one
	// thing only (a member list file, a generated group); "" for a spec file.
	addr string
}

// parseDocument parses one YAML file. Syntax errors, a second document,
// duplicate keys, aliases and unsupported tags are reported to ds; an empty
// file is left to the caller.
func parseDocument(file string, data []byte, ds *diagnostics) *document {
	doc := &document{file: file, reported: map[*yaml.Node]bool{}}
	if pos, msg, ok := badBytes(data); ok {
		ds.add(Pos{File: file, Line: pos.Line, Col: pos.Col}, "", "%s", msg)
		return doc
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var top yaml.Node
	if err := decodeNode(dec, &top); err != nil {
		if err == io.EOF {
			doc.empty = true
		} else {
			ds.add(syntaxErrorPos(file, err), "", "%s", syntaxErrorMessage(err))
		}
		return doc
	}
	var extra yaml.Node
	switch err := decodeNode(dec, &extra); {
	case err == io.EOF:
	case err != nil:
		ds.add(syntaxErrorPos(file, err), "", "%s", syntaxErrorMessage(err))
	default:
		ds.add(doc.pos(&extra), "", "a file holds a single YAML document; split it into files instead of using ---")
	}
	doc.root = &top
	if len(top.Content) == 1 {
		doc.root = top.Content[0]
	}
	return doc
}

// decodeNode decodes the next document, turning a panic of the YAML parser
// into an error so that no input can crash Load.
func decodeNode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	return dec.Decode(n)
}

// pos is the position of n in the document's file.
func (doc *document) pos(n *yaml.Node) Pos {
	return Pos{File: doc.file, Line: n.Line, Col: n.Column}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxErrorPos is the position yaml.v3 gives in a syntax error, or the
// start of the file when it gives none.
func syntaxErrorPos(file string, err error) Pos {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		if line, err := strconv.Atoi(m[1]); err == nil {
			return Pos{File: file, Line: line}
		}
	}
	return Pos{File: file, Line: 1}
}

// syntaxErrorMessage is yaml.v3's message without its "yaml: line N:" prefix.
func syntaxErrorMessage(err error) string {
	msg := yamlLine.ReplaceAllString(err.Error(), "")
	return "invalid YAML: " + sanitise(strings.TrimPrefix(msg, "yaml: "))
}

// badBytes finds what yaml.v3 would reject without a position: invalid
// UTF-8 and control characters. It returns their line and column.
func badBytes(data []byte) (Pos, string, bool) {
	if plainText(data) {
		return Pos{}, "", false
	}
	return locateBadBytes(data)
}

// locateBadBytes is badBytes a rune at a time, counting lines and columns.
func locateBadBytes(data []byte) (Pos, string, bool) {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return Pos{Line: line, Col: col}, "invalid UTF-8: spec files are UTF-8 text", true
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			return Pos{Line: line, Col: col}, fmt.Sprintf("control character %U is not allowed", r), true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return Pos{}, "", false
}

// plainText reports whether data has nothing badBytes finds, a byte at a
// time: a control character is a byte of its own in UTF-8.
func plainText(data []byte) bool {
	ascii := true
	for _, b := range data {
		switch {
		case b >= 0x80:
			ascii = false
		case b >= 0x20 && b != 0x7f, b == '\t', b == '\n', b == '\r':
		default:
			return false
		}
	}
	return ascii || utf8.Valid(data)
}

// converter turns a YAML node tree into the JSON-like value the schema
// validates: map[string]any, []any, string, json.Number, bool and nil.
// A list longer than maxBatch becomes an empty list, set aside in long to
// be validated item by item (see validation.check).
type converter struct {
	doc  *document
	ds   *diagnostics
	path []step // from the node converted first to the one being converted
	long []longList
}

// maxBatch is the longest list validated in one piece with what holds it.
const maxBatch = 64

// step is one step down a node tree: a mapping's key, or a list's index.
type step struct {
	key   string
	index int // -1 for a key
}

// longList is a list set aside by the converter, at path below the node
// it converted.
type longList struct {
	node *yaml.Node
	path []step
}

// pointer is the JSON pointer of a path: "/groups/3/members".
func pointer(path []step) string {
	var b strings.Builder
	for _, s := range path {
		b.WriteByte('/')
		if s.index >= 0 {
			b.WriteString(strconv.Itoa(s.index))
		} else {
			b.WriteString(escapeToken.Replace(s.key))
		}
	}
	return b.String()
}

// notInteger stands for every YAML float. The spec has no fractional fields,
// so it fails every type check; messages describe the YAML node instead.
const notInteger = 0.5

func (c *converter) value(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		return c.mapping(n)
	case yaml.SequenceNode:
		if len(n.Content) > maxBatch {
			c.long = append(c.long, longList{node: n, path: slices.Clone(c.path)})
			return []any{}
		}
		items := make([]any, len(n.Content))
		for i, item := range n.Content {
			c.path = append(c.path, step{index: i})
			items[i] = c.value(item)
			c.path = c.path[:len(c.path)-1]
		}
		return items
	case yaml.AliasNode:
		c.unsupported(n, "YAML aliases (*%s) are not supported; write the value out, or use a member list or generator", clip(n.Value))
		return nil
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return nil
}

func (c *converter) mapping(n *yaml.Node) map[string]any {
	m := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			c.ds.add(c.doc.pos(k), "", "a key must be a plain string")
			continue
		}
		if _, dup := m[k.Value]; dup {
			prev := keyNode(n, k.Value)
			c.ds.add(c.doc.pos(k), "", "duplicate key %s: first given at line %d col %d", excerpt(k.Value), prev.Line, prev.Column)
			continue
		}
		if k.Value == "members" && plainMembers(v) {
			m[k.Value] = []any{} // see plainMembers
			continue
		}
		c.path = append(c.path, step{key: k.Value, index: -1})
		m[k.Value] = c.value(v)
		c.path = c.path[:len(c.path)-1]
	}
	return m
}

// plainMembers reports whether n is a list of members that the schema is
// sure to accept: each {user_id: <a UUID>} or {phone: <a string or an
// integer>}. Such lists, the bulk of a large spec, are given to the schema
// empty, which saves converting and validating every member; any other
// list is converted in full, so the schema still words every problem.
func plainMembers(n *yaml.Node) bool {
	if n.Kind != yaml.SequenceNode {
		return false
	}
	for _, m := range n.Content {
		if m.Kind != yaml.MappingNode || len(m.Content) != 2 || m.Content[1].Kind != yaml.ScalarNode {
			return false
		}
		k, v := m.Content[0], m.Content[1]
		switch {
		case k.Value == "user_id" && v.ShortTag() == "!!str":
			if _, err := normaliseUserID(v.Value); err != nil {
				return false
			}
		case k.Value == "phone" && (v.ShortTag() == "!!str" || v.ShortTag() == "!!int"):
		default:
			return false
		}
	}
	return true
}

func (c *converter) scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		return n.Value
	case "!!bool":
		return boolean(n)
	case "!!null":
		return nil
	case "!!int":
		i, err := parseInt(n.Value)
		switch {
		case err == nil:
			return json.Number(strconv.FormatInt(i, 10))
		case errors.Is(err, strconv.ErrRange) && strings.HasPrefix(n.Value, "-"):
			return json.Number("-1e100")
		case errors.Is(err, strconv.ErrRange):
			return json.Number("1e100")
		}
		return notInteger
	case "!!float":
		return notInteger
	}
	c.unsupported(n, "YAML tag %s is not supported", clip(n.Tag))
	return nil
}

func (c *converter) unsupported(n *yaml.Node, format string, args ...any) {
	c.ds.add(c.doc.pos(n), "", format, args...)
	c.doc.reported[n] = true
}

// parseInt parses a YAML integer: decimal, 0x hex, 0o or leading-0 octal,
// 0b binary, with an optional sign and '_' separators.
func parseInt(s string) (int64, error) {
	return strconv.ParseInt(s, 0, 64)
}
