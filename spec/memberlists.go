package spec

import (
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// memberList is a named list of members, de-duplicated.
type memberList struct {
	name    string
	pos     Pos
	members []Member
	// room is nil unless members were read with room before them.
	room *room
}

// room is a list of members read with room before them for the inline
// members of a group that names the list alone, its owner: the owner's
// members are then made there rather than copied with the list's (see
// addListMembers). Lists that name the same file share its room.
type room struct {
	withRoom []Member // the room, then the members
	owner    *pendingGroup
}

// claimRoom makes p, which names the list alone, the owner of its room
// if it has none yet and p's inline members fit.
func (list *memberList) claimRoom(p *pendingGroup) {
	r := list.room
	if r != nil && r.owner == nil && len(p.group.Members) > 0 && len(r.withRoom)-len(list.members) >= len(p.group.Members) {
		r.owner = p
	}
}

// listRef is a group's reference to a member list.
type listRef struct {
	name string
	pos  Pos
}

func memberListAddress(name string) string { return "member_list/" + name }

// relativeTo resolves a path written in a spec file against its directory.
func relativeTo(specFile, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(specFile), path)
}

// addMemberList decodes a member list item and reads its members.
func (l *loader) addMemberList(d *decoder, item *yaml.Node) {
	name := scalarOf(item, "name")
	if name == "" {
		return
	}
	list := &memberList{name: name, pos: d.doc.pos(item)}
	addr := memberListAddress(name)
	if prev, dup := l.lists[name]; dup {
		l.ds.add(list.pos, addr, "defined twice: also at %s", prev.pos)
		return
	}
	l.lists[name] = list
	for k, v := range pairs(item) {
		if d.flagged[v] {
			continue
		}
		switch k {
		case "members":
			list.members, list.room = d.members(v, addr), nil
		case "file":
			list.members, list.room = l.listFile(relativeTo(d.doc.file, v.Value), reference{d.doc.pos(v), addr, v.Value}), nil
		case "csv":
			read := l.listCSV(relativeTo(d.doc.file, v.Value), reference{d.doc.pos(v), addr, v.Value}, d.csvLists[v])
			list.members, list.room = read.members, read.room
		}
	}
}

// listFile reads the members of a YAML member list file, once per file.
func (l *loader) listFile(file string, ref reference) []Member {
	key := l.root.absPath(file)
	if members, ok := l.listFiles[key]; ok {
		return members
	}
	var members []Member
	doc := l.parsed[key]
	if doc == nil {
		doc = l.read(file, ref)
	}
	delete(l.parsed, key)
	if doc != nil {
		switch {
		case doc.empty:
			l.ds.add(Pos{File: file, Line: 1, Col: 1}, ref.addr, "empty file: a member list file holds a list of members")
		case doc.root != nil:
			doc.addr = ref.addr
			members = l.decoder(doc, membersSchema).members(doc.root, ref.addr)
		}
	}
	l.listFiles[key] = members
	return members
}

// listCSV reads a CSV member list file, once per file: list, if the file
// was read ahead for ref (see readAhead), or now. A file read before
// gives only its members.
func (l *loader) listCSV(file string, ref reference, list *csvList) *csvList {
	key := l.root.absPath(file)
	if members, ok := l.listFiles[key]; ok {
		return &csvList{members: members}
	}
	if list == nil {
		list = readCSVList(l.root, file, ref, &l.set, 0)
	}
	l.ds.merge(&list.ds)
	l.listFiles[key] = list.members
	return list
}

// csvList is what reading a CSV member list file found: its members and
// its problems.
type csvList struct {
	members []Member
	ds      diagnostics
	room    *room // see memberList
}

// readCSVList reads a CSV member list file, named at ref and confined to
// root: a header row, then one member per row in its user_id or phone
// column. set de-duplicates the members. With space > 0, they are read
// with room for as many members before them.
func readCSVList(root *confinement, file string, ref reference, set *memberSet, space int) *csvList {
	list := &csvList{}
	t := openCSV(root, file, ref, &list.ds)
	if t == nil {
		return list
	}
	userCol, phoneCol := -1, -1
	for i, h := range t.header {
		switch h {
		case "user_id":
			userCol = i
		case "phone":
			phoneCol = i
		default:
			t.errorf(i, "unknown column %s%s; a member list has a user_id and/or a phone column", excerpt(h), didYouMean(h, []string{"user_id", "phone"}))
		}
	}
	if userCol < 0 && phoneCol < 0 {
		t.ds.add(Pos{File: file, Line: 1, Col: 1}, ref.addr, "no user_id or phone column")
		return list
	}
	set.startWithRoom(t.lineEnds, space)
	for _, rec := range t.rows() {
		if m, ok := csvMember(t, rec, userCol, phoneCol); ok {
			set.add(m)
		}
	}
	list.members = set.members()
	if space > 0 && list.members != nil {
		list.room = &room{withRoom: set.list}
	}
	return list
}

// csvMember reads the member of one CSV row.
func csvMember(t *csvTable, rec []string, userCol, phoneCol int) (Member, bool) {
	field := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	user, phone := field(userCol), field(phoneCol)
	var m Member
	var err error
	var pos Pos
	switch {
	case user != "" && phone != "":
		t.errorf(userCol, "a row has a user_id or a phone, not both")
		return m, false
	case user != "":
		pos = t.pos(userCol)
		m, err = userMember(user, pos)
	case phone != "":
		pos = t.pos(phoneCol)
		m, err = phoneMember(phone, pos)
	default:
		t.errorf(0, "a row needs a user_id or a phone")
		return m, false
	}
	if err != nil {
		t.ds.add(pos, t.addr, "%v", err)
		return m, false
	}
	return m, true
}

// addListMembers adds the members of a group's member lists to its own:
// inline members first, then each list's in order, duplicates dropped.
func (l *loader) addListMembers(r *resolver, p *pendingGroup) {
	g := p.group
	sources := [][]Member{g.Members}
	var last *memberList
	for _, ref := range p.lists {
		list, ok := l.lists[ref.name]
		if !ok {
			r.errorf(p, ref.pos, "unknown member list %s%s", excerpt(ref.name), didYouMean(ref.name, sortedKeys(l.lists)))
			continue
		}
		sources = append(sources, list.members)
		last = list
	}
	switch {
	case len(sources) == 2 && len(g.Members) == 0 && len(sources[1]) > 0:
		// The common case shares the list's members; the capped slice makes
		// an append by the caller copy rather than write into the list.
		g.Members = slices.Clip(sources[1])
	case len(sources) == 2 && last.fits(p, g.Members):
		g.Members = last.takeRoom(g.Members)
	case len(sources) > 1:
		g.Members = union(sources)
	}
}

// fits reports whether the group p's own members, inline, can go in the
// list's room: p owns it, and no member of the list is also inline.
func (list *memberList) fits(p *pendingGroup, inline []Member) bool {
	if list.room == nil || list.room.owner != p {
		return false
	}
	seen := make(map[string]struct{}, len(inline))
	for _, m := range inline {
		seen[m.Identity()] = struct{}{}
	}
	for _, m := range list.members {
		if _, dup := seen[m.Identity()]; dup {
			return false
		}
	}
	return true
}

// takeRoom returns inline followed by the list's members, made in the
// room that fits found: what union would return, without a copy of the
// list. The room is used up.
func (list *memberList) takeRoom(inline []Member) []Member {
	r := list.room
	start := len(r.withRoom) - len(list.members) - len(inline)
	copy(r.withRoom[start:], inline)
	all := slices.Clip(r.withRoom[start:])
	*r = room{}
	return all
}

// union concatenates lists of members, each free of duplicates, dropping
// the members an earlier list already has. It returns nil for no members.
func union(sources [][]Member) []Member {
	total := 0
	for _, src := range sources {
		total += len(src)
	}
	if total == 0 {
		return nil
	}
	last := len(sources) - 1
	out := make([]Member, 0, total)
	seen := make(map[string]struct{}, total-len(sources[last]))
	for i, src := range sources {
		for _, m := range src {
			k := m.Identity()
			if _, dup := seen[k]; dup {
				continue
			}
			if i != last { // the last list has no duplicates of its own
				seen[k] = struct{}{}
			}
			out = append(out, m)
		}
	}
	return out
}

// memberSet accumulates a list of members in order, dropping repeated
// identities. One set serves list after list, keeping its map's memory.
type memberSet struct {
	list []Member            // room slots, then the members
	room int                 // the number of room slots
	seen map[string]struct{} // identities
	size int                 // the most members seen has held
}

// start begins a new list of about n members.
func (s *memberSet) start(n int) { s.startWithRoom(n, 0) }

// startWithRoom begins a new list of about n members, with room slots
// before them.
func (s *memberSet) startWithRoom(n, room int) {
	s.list, s.room = make([]Member, room, room+n), room
	// Clearing costs as much as the map has ever held: drop one grown large.
	if s.seen == nil || s.size > 4096 {
		s.seen = make(map[string]struct{}, n)
		s.size = n
	} else {
		clear(s.seen)
	}
}

// members returns the list, or nil when it is empty.
func (s *memberSet) members() []Member {
	if len(s.list) == s.room {
		return nil
	}
	return s.list[s.room:]
}

// add appends m unless a member with its identity is already in the set.
func (s *memberSet) add(m Member) {
	k := m.Identity()
	if _, dup := s.seen[k]; dup {
		return
	}
	s.seen[k] = struct{}{}
	s.size = max(s.size, len(s.seen))
	s.list = append(s.list, m)
}
