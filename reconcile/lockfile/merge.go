package lockfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Conflict is one difference Merge cannot resolve: the same field with
// two values, two chat_ids for one address, a record one side removed and
// the other changed.
type Conflict struct {
	// Address is the record's ("" for the header).
	Address string
	// Field names what differs; Ours and Theirs are its two values.
	Field        string
	Ours, Theirs string
}

func (c Conflict) String() string {
	where := c.Address
	if where == "" {
		where = "header"
	}
	return fmt.Sprintf("%s: %s: ours %s, theirs %s", where, c.Field, c.Ours, c.Theirs)
}

// ConflictError lists every conflict of a merge, sorted.
type ConflictError struct{ Conflicts []Conflict }

func (e *ConflictError) Error() string {
	lines := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		lines[i] = "  " + c.String()
	}
	return fmt.Sprintf("%d conflicting change(s) that no merge can settle:\n%s", len(e.Conflicts), strings.Join(lines, "\n"))
}

// Merge is the three-way merge of two lockfiles that grew from base (nil
// when the base had none: both sides started a lockfile), as two applies
// on two branches write them. It keeps the lineage (both sides must have
// it, and the endpoint), takes the larger serial plus one, unions the
// records written for different addresses, and merges two versions of one
// record field by field: a value one side changed from the base and the
// other did not is taken; a create one side confirmed and the other left
// pending is confirmed; members and subscriber removals merge per
// identity; a field's unknown value (an update whose answer was lost)
// beats a known one, so that the next plan sends it again. What remains is
// a real conflict (the same field with two values, two chat_ids for one
// address, two member ids for one member, a record removed on one side
// and changed on the other, a chat_id held by two addresses): Merge
// returns a *ConflictError listing each, and no state.
func Merge(base, ours, theirs *State) (*State, error) {
	m := &merger{}
	if ours.Lineage != theirs.Lineage {
		m.conflict("", "lineage (these are two different lockfiles, not two versions of one)", ours.Lineage, theirs.Lineage)
	}
	if ours.Endpoint != theirs.Endpoint {
		m.conflict("", "endpoint", ours.Endpoint, theirs.Endpoint)
	}
	if base == nil || base.Lineage != ours.Lineage {
		base = &State{Communities: map[string]*Community{}, Groups: map[string]*Group{}}
	}
	out := &State{FormatVersion: FormatVersion, Lineage: ours.Lineage, Endpoint: ours.Endpoint,
		Serial:      max(ours.Serial, theirs.Serial) + 1,
		Communities: map[string]*Community{}, Groups: map[string]*Group{}}
	for _, addr := range unionKeys(ours.Communities, theirs.Communities) {
		if c := mergeRecord(m, addr, base.Communities[addr], ours.Communities[addr], theirs.Communities[addr], m.community); c != nil {
			out.Communities[addr] = c
		}
	}
	for _, addr := range unionKeys(ours.Groups, theirs.Groups) {
		if g := mergeRecord(m, addr, base.Groups[addr], ours.Groups[addr], theirs.Groups[addr], m.group); g != nil {
			out.Groups[addr] = g
		}
	}
	if len(m.conflicts) == 0 {
		chats := map[string]string{}
		for _, addr := range sortedKeys(out.Groups) {
			id := out.Groups[addr].ChatID
			if other, dup := chats[id]; dup {
				m.conflict(addr, "chat_id "+id+" (held by two addresses)", other, addr)
			}
			chats[id] = addr
		}
	}
	if len(m.conflicts) > 0 {
		sort.SliceStable(m.conflicts, func(i, j int) bool { return m.conflicts[i].Address < m.conflicts[j].Address })
		return nil, &ConflictError{Conflicts: m.conflicts}
	}
	if probs := out.problems(); len(probs) > 0 {
		return nil, &InvalidError{Problems: finish("", nil, probs), Advice: "the merged state is invalid"}
	}
	return out, nil
}

type merger struct{ conflicts []Conflict }

func (m *merger) conflict(addr, field string, ours, theirs any) {
	m.conflicts = append(m.conflicts, Conflict{Address: addr, Field: field, Ours: show(ours), Theirs: show(theirs)})
}

func show(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return `""`
		}
		return v
	case json.RawMessage:
		if v == nil {
			return "(absent)"
		}
		return string(v)
	}
	data, _ := json.Marshal(v)
	return string(data)
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// mergeRecord merges one record present on at least one side.
func mergeRecord[R any](m *merger, addr string, base, ours, theirs *R, merge func(addr string, base, ours, theirs *R) *R) *R {
	switch {
	case ours != nil && theirs != nil:
		if same(ours, theirs) {
			return ours
		}
		return merge(addr, base, ours, theirs)
	case base == nil: // added on one side
		return either(ours, theirs)
	case ours == nil && same(base, theirs), theirs == nil && same(base, ours):
		return nil // removed on one side (state rm), unchanged on the other
	}
	m.conflict(addr, "record (removed on one side, changed on the other)", present(ours), present(theirs))
	return nil
}

func present[R any](r *R) string {
	if r == nil {
		return "removed"
	}
	return "changed"
}

func either[R any](a, b *R) *R {
	if a != nil {
		return a
	}
	return b
}

func same(a, b any) bool {
	da, _ := json.Marshal(a)
	db, _ := json.Marshal(b)
	return bytes.Equal(da, db)
}

// value merges one string value three ways: equal, or changed on one side
// only; two different values are a conflict, save that an empty one
// (not known yet) yields to a known one when allowUnset.
func (m *merger) value(addr, field, base, ours, theirs string, allowUnset bool) string {
	switch {
	case ours == theirs:
		return ours
	case ours == base:
		return theirs
	case theirs == base:
		return ours
	case allowUnset && ours == "":
		return theirs
	case allowUnset && theirs == "":
		return ours
	}
	m.conflict(addr, field, ours, theirs)
	return ours
}

// status merges a record's status: created, once either side confirmed it.
func status(ours, theirs string) string {
	if ours == StatusCreated || theirs == StatusCreated {
		return StatusCreated
	}
	return StatusPending
}

func (m *merger) community(addr string, base, ours, theirs *Community) *Community {
	if base == nil {
		base = &Community{}
	}
	out := &Community{Handle: ours.Handle, Status: status(ours.Status, theirs.Status)}
	out.CommunityID = m.value(addr, "community_id", base.CommunityID, ours.CommunityID, theirs.CommunityID, true)
	out.ShareURL = m.value(addr, "share_url", base.ShareURL, ours.ShareURL, theirs.ShareURL, true)
	out.Fields = m.fields(addr, base.Fields, ours.Fields, theirs.Fields)
	return out
}

func (m *merger) group(addr string, base, ours, theirs *Group) *Group {
	if ours.ChatID != theirs.ChatID {
		m.conflict(addr, "chat_id (two groups for one address)", ours.ChatID, theirs.ChatID)
		return ours
	}
	if base == nil || base.ChatID != ours.ChatID {
		base = &Group{}
	}
	out := &Group{ChatID: ours.ChatID, Status: status(ours.Status, theirs.Status)}
	out.Community = m.value(addr, "community", base.Community, ours.Community, theirs.Community, true)
	out.CommunityID = m.value(addr, "community_id", base.CommunityID, ours.CommunityID, theirs.CommunityID, true)
	out.GroupID = m.value(addr, "group_id", base.GroupID, ours.GroupID, theirs.GroupID, true)
	out.ShareURL = m.value(addr, "share_url", base.ShareURL, ours.ShareURL, theirs.ShareURL, true)
	out.Fields = m.fields(addr, base.Fields, ours.Fields, theirs.Fields)
	// A side that confirmed the create holds its members; a pending side
	// holds them as create_members.
	o, t, b := confirmedCopy(ours), confirmedCopy(theirs), confirmedCopy(base)
	out.Members = m.members(addr, b.Members, o.Members, t.Members)
	if out.Status == StatusPending {
		if !slices.Equal(ours.CreateMembers, theirs.CreateMembers) {
			m.conflict(addr, "create_members", ours.CreateMembers, theirs.CreateMembers)
		}
		out.CreateMembers = ours.CreateMembers
		for _, id := range out.CreateMembers {
			delete(out.Members, id)
		}
	}
	if len(out.Members) == 0 {
		out.Members = nil
	}
	out.SubscribersRemoved = mergeSet(base.SubscribersRemoved, ours.SubscribersRemoved, theirs.SubscribersRemoved)
	return out
}

func confirmedCopy(g *Group) *Group {
	c := *g
	c.Members = maps.Clone(g.Members)
	if c.Status == StatusPending {
		c.ConfirmCreateMembers()
	}
	return &c
}

// fields merges applied values per field name; UnknownValue (null: an
// update whose answer was lost) wins over a known value, so that the next
// plan sends the field again.
func (m *merger) fields(addr string, base, ours, theirs Fields) Fields {
	out := Fields{}
	for _, name := range unionKeys(ours, theirs) {
		b, o, t := base[name], ours[name], theirs[name]
		switch {
		case EqualJSON(o, t):
			out[name] = o
		case EqualJSON(o, b):
			out[name] = t
		case EqualJSON(t, b):
			out[name] = o
		case isNull(o):
			out[name] = o
		case isNull(t):
			out[name] = t
		default:
			m.conflict(addr, "field "+name, o, t)
		}
		if out[name] == nil {
			delete(out, name)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func isNull(v json.RawMessage) bool { return v != nil && string(bytes.TrimSpace(v)) == "null" }

// EqualJSON reports whether two recorded values are the same JSON, spacing
// aside; nil (absent) equals only nil.
func EqualJSON(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if bytes.Equal(a, b) {
		return true // the usual case: both compact, as read or as encoded
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// members merges the members this tool added, per identity: added on
// either side is kept, removed on one side (and unchanged on the other) is
// removed; an unknown member id ("", an answer lost) yields to a known one.
func (m *merger) members(addr string, base, ours, theirs map[string]string) map[string]string {
	out := map[string]string{}
	for _, id := range unionKeys(ours, theirs) {
		b, inBase := base[id]
		o, inOurs := ours[id]
		t, inTheirs := theirs[id]
		switch {
		case inOurs && inTheirs:
			out[id] = m.value(addr, "member id of "+id, b, o, t, true)
		case inBase && ((inOurs && o == b) || (inTheirs && t == b)):
			// removed on the other side
		case inBase:
			m.conflict(addr, "member "+id+" (removed on one side, its id changed on the other)", o, t)
		default:
			out[id] = o + t // added on one side
		}
	}
	return out
}

// mergeSet merges two sorted sets three ways: what either side added is
// in, what either side removed from the base is out.
func mergeSet(base, ours, theirs []string) []string {
	in := func(s []string, v string) bool { return slices.Contains(s, v) }
	var out []string
	for _, v := range unionKeys(setOf(ours), setOf(theirs)) {
		if in(base, v) && (!in(ours, v) || !in(theirs, v)) {
			continue
		}
		out = append(out, v)
	}
	return out
}

func setOf(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}
