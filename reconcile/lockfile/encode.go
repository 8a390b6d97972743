package lockfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Marshal renders a state in format 2, deterministically: the keys of
// the header and of each record in a fixed order, addresses, field names
// and members sorted, two-space indentation, one line per record key,
// member and field (a field's value is compact on its line: `"tags":
// ["a", "b"]`), and a trailing newline. Strings are escaped as
// encoding/json escapes them. A group's members are written as users (the
// user ids whose member id is the user id), phones (digits to member id)
// and user_member_ids (user id to another member id, or ""); a member
// identity that is neither user:<id> nor phone:<digits> has no place in
// them and is an error.
//
// It writes into one buffer, sized ahead: it runs at every checkpoint of
// an apply, on a state of a million memberships.
func Marshal(st *State) ([]byte, error) {
	e := &encoder{b: make([]byte, 0, sizeHint(st))}
	if err := e.state(st); err != nil {
		return nil, fmt.Errorf("encode lockfile: %w", err)
	}
	return e.b, nil
}

// reserial is data, a rendering of Marshal, with the serial it holds
// replaced: the same as a Marshal of the state with that serial, without
// encoding it again. The serial is the header's third line, before any
// record, and the strings before it cannot hold its key unescaped. data is
// rewritten in place when the serial has as many digits as before.
func reserial(data []byte, serial int64) []byte {
	key := []byte(indentHeader + `"serial": `)
	at := bytes.Index(data, key) + len(key)
	end := at + bytes.IndexByte(data[at:], ',')
	digits := strconv.AppendInt(nil, serial, 10)
	if len(digits) == end-at {
		copy(data[at:], digits)
		return data
	}
	return slices.Concat(data[:at], digits, data[end:])
}

// sizeHint is about the size of a state's rendering.
func sizeHint(st *State) int {
	n := 512
	for _, c := range st.Communities {
		n += 384
		if c != nil {
			n += fieldsSize(c.Fields)
		}
	}
	for _, g := range st.Groups {
		n += 640
		if g != nil {
			n += fieldsSize(g.Fields) + 64*len(g.Members) + 32*(len(g.CreateMembers)+len(g.SubscribersRemoved))
		}
	}
	return n
}

func fieldsSize(f Fields) int {
	n := 0
	for name, v := range f {
		n += 16 + len(name) + len(v)*5/4
	}
	return n
}

// encoder appends a lockfile's rendering to b.
type encoder struct {
	b []byte
	// members is scratch: one group's members, sorted by identity.
	members []memberPair
	// first says no key was written yet in the object being written.
	first bool
}

type memberPair struct{ identity, id string }

// The indentation of each level of the document.
const (
	indentHeader = "\n  "
	indentRecord = "\n    "
	indentKey    = "\n      "
	indentItem   = "\n        "
)

func (e *encoder) state(st *State) error {
	e.b = append(e.b, '{')
	e.first = true
	e.key(indentHeader, "format_version")
	e.b = strconv.AppendInt(e.b, FormatVersion, 10)
	e.key(indentHeader, "lineage")
	e.b = appendString(e.b, st.Lineage)
	e.key(indentHeader, "serial")
	e.b = strconv.AppendInt(e.b, st.Serial, 10)
	e.key(indentHeader, "endpoint")
	e.b = appendString(e.b, st.Endpoint)
	e.key(indentHeader, "communities")
	err := records(e, st.Communities, func(addr string, c *Community) error {
		e.text("handle", c.Handle, false)
		e.text("status", c.Status, false)
		e.text("community_id", c.CommunityID, true)
		e.text("share_url", c.ShareURL, true)
		return e.fields(addr, c.Fields)
	})
	if err != nil {
		return err
	}
	e.key(indentHeader, "groups")
	err = records(e, st.Groups, e.group)
	e.b = append(e.b, "\n}\n"...)
	return err
}

// key starts the next key of the object being written, at indent.
func (e *encoder) key(indent, name string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.b = append(e.b, indent...)
	e.b = appendString(e.b, name)
	e.b = append(e.b, ": "...)
}

// open starts an object or array (c is '{' or '['); close ends it, at
// indent if anything was written in it.
func (e *encoder) open(c byte) {
	e.b = append(e.b, c)
	e.first = true
}

func (e *encoder) close(indent string, c byte) {
	if !e.first {
		e.b = append(e.b, indent...)
	}
	e.b = append(e.b, c)
	e.first = false
}

// records writes the records of m by address, each with write (a nil
// record as null).
func records[R any](e *encoder, m map[string]*R, write func(addr string, r *R) error) error {
	e.open('{')
	for _, addr := range sortedKeys(m) {
		e.key(indentRecord, addr)
		if m[addr] == nil {
			e.b = append(e.b, "null"...)
			continue
		}
		e.open('{')
		if err := write(addr, m[addr]); err != nil {
			return err
		}
		e.close(indentRecord, '}')
	}
	e.close(indentHeader, '}')
	return nil
}

// text writes a string key of a record, unless omitEmpty and it is empty.
func (e *encoder) text(name, value string, omitEmpty bool) {
	if value != "" || !omitEmpty {
		e.key(indentKey, name)
		e.b = appendString(e.b, value)
	}
}

// list writes an array of strings, unless it is empty.
func (e *encoder) list(name string, values []string) {
	if len(values) == 0 {
		return
	}
	e.key(indentKey, name)
	e.open('[')
	for _, v := range values {
		if !e.first {
			e.b = append(e.b, ',')
		}
		e.first = false
		e.b = append(e.b, indentItem...)
		e.b = appendString(e.b, v)
	}
	e.close(indentKey, ']')
}

// fields writes a record's field values, unless there are none, each
// compact on its line.
func (e *encoder) fields(addr string, fields Fields) error {
	if len(fields) == 0 {
		return nil
	}
	e.key(indentKey, "fields")
	e.open('{')
	for _, name := range sortedKeys(fields) {
		e.key(indentItem, name)
		switch v := fields[name]; {
		case v == nil:
			e.b = append(e.b, "null"...)
		case !json.Valid(v):
			return fmt.Errorf("%s: field %s: the value is not JSON: %q", addr, name, v)
		default:
			e.b = appendJSON(e.b, v, true)
		}
	}
	e.close(indentKey, '}')
	return nil
}

func (e *encoder) group(addr string, g *Group) error {
	e.text("community", g.Community, true)
	e.text("community_id", g.CommunityID, true)
	e.text("status", g.Status, false)
	e.text("chat_id", g.ChatID, false)
	e.text("group_id", g.GroupID, true)
	e.text("share_url", g.ShareURL, true)
	if err := e.fields(addr, g.Fields); err != nil {
		return err
	}
	if err := e.groupMembers(addr, g.Members); err != nil {
		return err
	}
	e.list("create_members", g.CreateMembers)
	e.list("subscribers_removed", g.SubscribersRemoved)
	return nil
}

// groupMembers writes a group's members as users, phones and
// user_member_ids.
func (e *encoder) groupMembers(addr string, members map[string]string) error {
	e.members = e.members[:0]
	for identity, id := range members {
		e.members = append(e.members, memberPair{identity, id})
	}
	slices.SortFunc(e.members, func(a, b memberPair) int { return strings.Compare(a.identity, b.identity) })
	// Sorted, the phones come first ("phone:" < "user:").
	phones := 0
	for phones < len(e.members) && strings.HasPrefix(e.members[phones].identity, "phone:") {
		phones++
	}
	for _, m := range e.members[phones:] {
		if !strings.HasPrefix(m.identity, "user:") {
			return fmt.Errorf("%s: member %q is neither user:<id> nor phone:<digits>", addr, m.identity)
		}
	}
	users := e.members[phones:]
	e.memberList("users", users, func(user, id string) bool { return id == user }, false)
	e.memberList("phones", e.members[:phones], nil, true)
	e.memberList("user_member_ids", users, func(user, id string) bool { return id != user }, true)
	return nil
}

// memberList writes the members for which keep (nil: all) holds, keyed
// by what follows the prefix of their identity: as an object with their
// member ids (withIDs), else as an array. Nothing is written for none.
func (e *encoder) memberList(name string, members []memberPair, keep func(key, id string) bool, withIDs bool) {
	open, end := byte('['), byte(']')
	if withIDs {
		open, end = '{', '}'
	}
	started := false
	for _, m := range members {
		_, key, _ := strings.Cut(m.identity, ":")
		if keep != nil && !keep(key, m.id) {
			continue
		}
		if !started {
			e.key(indentKey, name)
			e.open(open)
			started = true
		}
		if !e.first {
			e.b = append(e.b, ',')
		}
		e.first = false
		e.b = append(e.b, indentItem...)
		e.b = appendString(e.b, key)
		if withIDs {
			e.b = append(e.b, ": "...)
			e.b = appendString(e.b, m.id)
		}
	}
	if started {
		e.close(indentKey, end)
	}
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters included, as format 1 was written).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plainJSON[s[i]] {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainJSON marks the bytes a JSON string holds as they are, as
// encoding/json writes it: printable ASCII but for '"', '\\' and the HTML
// characters.
var plainJSON = func() (plain [256]bool) {
	for c := ' '; c < 0x7f; c++ {
		plain[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return plain
}()

// appendJSON appends src, a valid JSON value, without its insignificant
// whitespace. Written, as the lockfile shows a value, each comma and colon
// is followed by a space and the HTML characters and U+2028 and U+2029 in
// strings are escaped, as encoding/json escapes them; otherwise the value
// is compact and its strings as they were.
func appendJSON(dst, src []byte, written bool) []byte {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case ' ', '\t', '\n', '\r':
		case ',', ':':
			dst = append(dst, c)
			if written {
				dst = append(dst, ' ')
			}
		case '"':
			j := i + 1
			for ; src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if written {
				dst = appendEscaped(dst, src[i:j+1])
			} else {
				dst = append(dst, src[i:j+1]...)
			}
			i = j
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendEscaped appends a JSON string with its HTML characters and U+2028
// and U+2029 escaped.
func appendEscaped(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			start = i + 1
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xa8:
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[s[i+2]&0xf])
			i += 2
			start = i + 1
		}
	}
	return append(dst, s[start:]...)
}
