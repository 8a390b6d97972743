package lockfile

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// decoder builds a State from the bytes of a lockfile, format 1 or 2, in
// one walk: it checks each value against its shape as it scans it
// (shape.go), stores it, and checks each record against the rules
// (validate.go) once the record is read, each problem at its offset. The
// rules of a record are not checked when the record has a shape problem:
// they would judge values the document does not hold where they belong.
type decoder struct {
	walker
	st *State
	// version is format_version as written ("" when absent or not a
	// number); peeked says it was looked up ahead of the walk.
	version string
	peeked  bool
	// headOff is the offset of each header key (0 while absent), by
	// index in lockfileShape.props; headBad marks the keys whose value
	// has a shape problem.
	headOff [8]int64
	headBad uint64
	// strs interns the strings many records repeat: field names,
	// statuses, communities and their ids.
	strs map[string]string
	slab slab
	// members and text are scratch for the group being read: its members,
	// and their identities and member ids, which become one string.
	members []memberRead
	text    []byte
	// chats are the chat_ids read; conflict says two groups have one.
	chats    map[string]struct{}
	conflict bool
	// groups records where each group's chat_id was read, for a conflict.
	groups []groupRead
}

// memberRead is one member of a group as read: its identity and member
// id (at text[start:sep] and text[idStart:end] while the group is read),
// where it was read (the users item or the key of an object), and the
// collection that holds it.
type memberRead struct {
	identity, id             string
	start, sep, idStart, end int
	off                      int64
	coll                     string
	item                     int // a users item's index + 1
}

// groupRead is where a group's chat_id was read (0: it was not), and
// whether the record has a problem of its shape.
type groupRead struct {
	addr    string
	chatOff int64
	bad     bool
}

func newDecoder(data []byte) *decoder {
	return &decoder{
		walker: walker{data: data, checkUTF8: true},
		st: &State{FormatVersion: FormatVersion,
			Communities: map[string]*Community{}, Groups: map[string]*Group{}},
		strs:  map[string]string{StatusCreated: StatusCreated, StatusPending: StatusPending},
		chats: map[string]struct{}{},
	}
}

// document decodes the whole lockfile. A syntax error is returned;
// every other problem is collected in d.probs.
func (d *decoder) document() error {
	if !d.at('{') {
		return d.walker.document(lockfileShape)
	}
	start := int64(d.pos)
	err := d.object(lockfileShape, start, func(i int, koff int64) error {
		if d.headOff[i] != 0 {
			d.headBad |= 1 << i // a duplicate key
		} else {
			d.headOff[i] = koff
		}
		mark := len(d.probs)
		err := d.header(i, koff)
		if len(d.probs) > mark {
			d.headBad |= 1 << i
		}
		return err
	})
	if err != nil {
		return err
	}
	d.end()
	for _, p := range headerProblems(d.st) {
		if i, _ := lookup(lockfileShape, p.field[0]); d.headOff[i] != 0 && d.headBad&(1<<i) == 0 {
			d.probs = append(d.probs, problemAt(d.headOff[i], p.field, "%s", p.msg))
		}
	}
	if d.conflict {
		d.chatConflicts()
	}
	return nil
}

// header reads the value of the header key lockfileShape.props[i].
func (d *decoder) header(i int, koff int64) error {
	switch lockfileShape.props[i].name {
	case "format_version":
		num, _, _, err := d.integerValue(koff)
		if num != nil {
			d.version = string(num)
		}
		return err
	case "serial":
		_, n, ok, err := d.integerValue(koff)
		if ok {
			d.st.Serial = n
		}
		return err
	case "lineage":
		return d.setText(&d.st.Lineage, koff, false)
	case "endpoint":
		return d.setText(&d.st.Endpoint, koff, false)
	case "communities":
		if d.at('{') {
			return d.communities()
		}
	case "groups":
		if d.at('{') {
			return d.groupRecords()
		}
	}
	return d.value(lockfileShape.props[i].sh, koff)
}

// integerValue reads an integer: its text as written (nil for a value
// that is not a number) and, when it is an integer that fits int64 (ok),
// its value. A value of another kind is reported and skipped.
func (d *decoder) integerValue(koff int64) (num []byte, n int64, ok bool, err error) {
	if !d.atNumber() {
		return nil, 0, false, d.value(intShape, koff)
	}
	start := d.pos
	if num, err = d.number(); err != nil {
		return nil, 0, false, err
	}
	n, ok = d.integer(int64(start), num)
	return num, n, ok, nil
}

// setText reads a string value into dst, interned when shared (a value
// many records repeat). A value of another kind is reported and skipped.
func (d *decoder) setText(dst *string, koff int64, shared bool) error {
	if !d.at('"') {
		return d.value(stringShape, koff)
	}
	b, err := d.strBytes()
	if shared {
		*dst = d.intern(b)
	} else {
		*dst = string(b)
	}
	return err
}

func (d *decoder) intern(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	d.strs[s] = s
	return s
}

// setList reads an array of strings into dst (nil when empty).
func (d *decoder) setList(dst *[]string, koff int64) error {
	if !d.at('[') {
		return d.value(stringList, koff)
	}
	var list []string
	err := d.eachItem(func(i int) error {
		if !d.at('"') {
			d.pushItem(i)
			defer d.pop()
			return d.value(stringShape, -1)
		}
		b, err := d.strBytes()
		list = append(list, string(b))
		return err
	})
	*dst = nil
	if len(list) > 0 {
		*dst = list
	}
	return err
}

// fields reads a record's field values, each kept compact (whitespace
// dropped) in d.slab; nil when there are none.
func (d *decoder) fields(koff int64) (Fields, error) {
	if !d.at('{') {
		return nil, d.value(fieldsShape, koff)
	}
	var fields Fields
	err := d.eachMember(func(key []byte, koff int64) error {
		name := d.intern(key)
		d.push(name)
		defer d.pop()
		if fields == nil {
			fields = make(Fields, 8)
		}
		if _, dup := fields[name]; dup {
			d.problem(koff, "duplicate key %q", name)
		}
		d.skipSpace()
		start := d.pos
		if err := d.value(anyShape, koff); err != nil {
			return err
		}
		fields[name] = d.slab.compact(d.data[start:d.pos])
		return nil
	})
	if len(fields) == 0 {
		fields = nil
	}
	return fields, err
}

// records reads the records of communities or groups: read decodes and
// stores the record at each address, whatever its kind, with w.path
// leading to it; bad says its key is a duplicate.
func (d *decoder) records(has func(addr string) bool, read func(addr string, koff int64, bad bool) error) error {
	return d.eachMember(func(key []byte, koff int64) error {
		addr := string(key)
		d.push(addr)
		defer d.pop()
		dup := has(addr)
		if dup {
			d.problem(koff, "duplicate key %q", addr)
		}
		return read(addr, koff, dup)
	})
}

func (d *decoder) communities() error {
	has := func(addr string) bool { _, ok := d.st.Communities[addr]; return ok }
	return d.records(has, func(addr string, koff int64, bad bool) error {
		mark := len(d.probs)
		if !d.at('{') {
			d.st.Communities[addr] = nil
			return d.value(communityShape, koff)
		}
		c := &Community{}
		d.st.Communities[addr] = c
		var offs [8]int64
		err := d.object(communityShape, koff, func(i int, koff int64) error {
			if offs[i] == 0 {
				offs[i] = koff
			}
			var err error
			switch communityShape.props[i].name {
			case "handle":
				err = d.setText(&c.Handle, koff, false)
			case "status":
				err = d.setText(&c.Status, koff, true)
			case "community_id":
				err = d.setText(&c.CommunityID, koff, true)
			case "share_url":
				err = d.setText(&c.ShareURL, koff, false)
			case "fields":
				c.Fields, err = d.fields(koff)
			}
			return err
		})
		if err == nil && !bad && len(d.probs) == mark {
			for _, p := range communityProblems(addr, c) {
				d.rule(communityShape, koff, offs[:], p)
			}
		}
		return err
	})
}

// groupShape is the shape of the lockfile's group records: format 1's or
// 2's. A lockfile written by genuinctl has format_version first; for
// another one whose groups come first, it is looked up ahead.
func (d *decoder) groupShape() *shape {
	if d.version == "" && !d.peeked {
		d.peeked = true
		d.version = peekVersion(d.data)
	}
	if d.version == strconv.Itoa(formatV1) {
		return groupShapeV1
	}
	return groupShape
}

// peekVersion is the format_version of a lockfile, as written, or "".
func peekVersion(data []byte) string {
	version := ""
	w := &walker{data: data}
	if !w.at('{') {
		return ""
	}
	_ = w.eachMember(func(key []byte, _ int64) error {
		if string(key) == "format_version" && w.atNumber() {
			num, err := w.number()
			version = string(num)
			return err
		}
		return w.value(anyShape, -1)
	})
	return version
}

func (d *decoder) groupRecords() error {
	sh := d.groupShape()
	chatIndex, _ := lookup(sh, "chat_id")
	has := func(addr string) bool { _, ok := d.st.Groups[addr]; return ok }
	return d.records(has, func(addr string, koff int64, bad bool) error {
		mark := len(d.probs)
		if !d.at('{') {
			d.st.Groups[addr] = nil
			return d.value(sh, koff)
		}
		g := &Group{}
		d.st.Groups[addr] = g
		d.members, d.text = d.members[:0], d.text[:0]
		var offs [16]int64
		err := d.object(sh, koff, func(i int, koff int64) error {
			if offs[i] == 0 {
				offs[i] = koff
			}
			var err error
			switch sh.props[i].name {
			case "community":
				err = d.setText(&g.Community, koff, true)
			case "community_id":
				err = d.setText(&g.CommunityID, koff, true)
			case "status":
				err = d.setText(&g.Status, koff, true)
			case "chat_id":
				err = d.setText(&g.ChatID, koff, false)
			case "group_id":
				err = d.setText(&g.GroupID, koff, false)
			case "share_url":
				err = d.setText(&g.ShareURL, koff, false)
			case "fields":
				g.Fields, err = d.fields(koff)
			case "members":
				err = d.memberMap(koff, "")
			case "phones":
				err = d.memberMap(koff, "phone:")
			case "user_member_ids":
				err = d.memberMap(koff, "user:")
			case "users":
				err = d.users(koff)
			case "create_members":
				err = d.setList(&g.CreateMembers, koff)
			case "subscribers_removed":
				err = d.setList(&g.SubscribersRemoved, koff)
			}
			return err
		})
		if err != nil {
			return err
		}
		g.Members = d.memberSet()
		bad = bad || len(d.probs) > mark
		if !bad {
			for _, p := range groupProblems(addr, g, false) {
				d.rule(sh, koff, offs[:], p)
			}
			for _, m := range d.members {
				if msg := memberProblem(m.identity, m.id); msg != "" {
					d.atMember(m, func() { d.problem(m.off, "%s", msg) })
				}
			}
		}
		d.groups = append(d.groups, groupRead{addr: addr, chatOff: offs[chatIndex], bad: bad})
		if g.ChatID != "" {
			if _, taken := d.chats[g.ChatID]; taken {
				d.conflict = true
			}
			d.chats[g.ChatID] = struct{}{}
		}
		return nil
	})
}

// users reads a format 2 group's users: user ids whose member id is the
// user id. The member id shares the identity's bytes.
func (d *decoder) users(koff int64) error {
	if !d.at('[') {
		return d.value(stringList, koff)
	}
	return d.eachItem(func(i int) error {
		if !d.at('"') {
			d.pushItem(i)
			defer d.pop()
			return d.value(stringShape, -1)
		}
		off := int64(d.pos)
		b, err := d.strBytes()
		if err != nil {
			return err
		}
		d.member("users", i+1, "user:", b, b, off)
		return nil
	})
}

// memberMap reads a group's members held in an object: format 1's
// members (identity to member id; prefix is ""), or format 2's phones
// (prefix "phone:") or user_member_ids ("user:"), keyed by what follows
// the prefix in the identity.
func (d *decoder) memberMap(koff int64, prefix string) error {
	if !d.at('{') {
		return d.value(stringMap, koff)
	}
	coll := d.path[len(d.path)-1].key
	return d.eachMember(func(key []byte, koff int64) error {
		if !d.at('"') {
			d.push(string(key))
			defer d.pop()
			return d.value(stringShape, koff)
		}
		id, err := d.strBytes()
		if err != nil {
			return err
		}
		d.member(coll, 0, prefix, key, id, koff)
		return nil
	})
}

// member adds a member read in collection coll (at item, for users) at
// off: its identity is prefix and key, its member id id. A member by user
// id whose member id is its user id keeps the bytes once.
func (d *decoder) member(coll string, item int, prefix string, key, id []byte, off int64) {
	m := memberRead{start: len(d.text), off: off, coll: coll, item: item}
	d.text = append(d.text, prefix...)
	d.text = append(d.text, key...)
	m.sep = len(d.text)
	user, ok := bytes.CutPrefix(d.text[m.start:m.sep], []byte("user:"))
	if ok && bytes.Equal(user, id) {
		m.idStart, m.end = m.sep-len(user), m.sep
	} else {
		d.text = append(d.text, id...)
		m.idStart, m.end = m.sep, len(d.text)
	}
	d.members = append(d.members, m)
}

// memberSet is the members read for the group at w.path, as Group.Members
// holds them (nil for none): their identities and member ids are cut from
// one string. A member read twice is a shape problem: the same key twice
// in an object, a user twice in users, or a user in both users and
// user_member_ids.
func (d *decoder) memberSet() map[string]string {
	if len(d.members) == 0 {
		return nil
	}
	text := string(d.text)
	set := make(map[string]string, len(d.members))
	for i := range d.members {
		m := &d.members[i]
		m.identity, m.id = text[m.start:m.sep], text[m.idStart:m.end]
		n := len(set)
		set[m.identity] = m.id // the last one read is kept
		if len(set) == n {
			d.duplicateMember(i)
		}
	}
	return set
}

// atMember runs fn with w.path leading to where m was read.
func (d *decoder) atMember(m memberRead, fn func()) {
	key := m.identity // as written: the whole identity in members
	if m.coll != "members" {
		_, key, _ = strings.Cut(m.identity, ":")
	}
	d.path = append(d.path, step{key: m.coll}, step{key: key, item: m.item})
	fn()
	d.path = d.path[:len(d.path)-2]
}

// duplicateMember reports d.members[i], a member read before.
func (d *decoder) duplicateMember(i int) {
	m := d.members[i]
	_, key, _ := strings.Cut(m.identity, ":")
	for _, first := range d.members[:i] {
		if first.identity != m.identity {
			continue
		}
		d.atMember(m, func() {
			switch {
			case first.coll != m.coll:
				d.problem(m.off, "user %q is in both users and user_member_ids", key)
			case m.item > 0:
				d.problem(m.off, "users[%d] %q is listed twice", m.item-1, key)
			default:
				d.problem(m.off, "duplicate key %q", d.path[len(d.path)-1].key)
			}
		})
		return
	}
}

// rule adds a problem of the rules found in the record at w.path, read at
// koff with its keys at offs (by index in sh.props): the problem is shown
// at the key of its field, else at the record's.
func (d *decoder) rule(sh *shape, koff int64, offs []int64, p recordProblem) {
	off := koff
	if len(p.field) > 0 {
		if i, _ := lookup(sh, p.field[0]); i >= 0 && offs[i] != 0 {
			off = offs[i]
		}
	}
	d.probs = append(d.probs, problemAt(off, append(d.pathNow(), p.field...), "%s", p.msg))
}

// chatConflicts adds the problems of chat_ids that two groups have, at
// the chat_id of each group after the first in address order, as
// State.Validate reports them.
func (d *decoder) chatConflicts() {
	reads := make(map[string]groupRead, len(d.groups))
	for _, r := range d.groups {
		reads[r.addr] = r // the last record read for an address is the one kept
	}
	chatConflicts(d.st.Groups, func(addr, msg string) {
		if r := reads[addr]; !r.bad && r.chatOff != 0 {
			d.probs = append(d.probs, problemAt(r.chatOff, []string{"groups", addr, "chat_id"}, "%s", msg))
		}
	})
}

// slab holds copies of a lockfile's field values: one allocation per
// block rather than per value, and no reference to the file's buffer,
// which would keep it all alive. Each copy's capacity is its length, so
// an append to one reallocates instead of overwriting its neighbour.
type slab struct{ block []byte }

const slabBlock = 64 << 10

// compact copies raw, a JSON value, without its insignificant whitespace.
func (s *slab) compact(raw []byte) json.RawMessage {
	if cap(s.block)-len(s.block) < len(raw) {
		s.block = make([]byte, 0, max(slabBlock, len(raw)))
	}
	start := len(s.block)
	s.block = appendJSON(s.block, raw, false)
	return s.block[start:len(s.block):len(s.block)]
}
