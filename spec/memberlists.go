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
			list.members = d.members(v, addr)
		case "file":
			list.members = l.listFile(relativeTo(d.doc.file, v.Value), reference{d.doc.pos(v), addr, v.Value})
		case "csv":
			list.members = l.listCSV(relativeTo(d.doc.file, v.Value), reference{d.doc.pos(v), addr, v.Value}, d.csvLists[v])
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

// listCSV reads the members of a CSV member list file, once per file:
// list, if the file was read ahead for ref (see readAhead), or now.
func (l *loader) listCSV(file string, ref reference, list *csvList) []Member {
	key := l.root.absPath(file)
	if members, ok := l.listFiles[key]; ok {
		return members
	}
	if list == nil {
		list = readCSVList(l.root, file, ref, &l.set)
	}
	l.ds.merge(&list.ds)
	l.listFiles[key] = list.members
	return list.members
}

// csvList is what reading a CSV member list file found: its members and
// its problems.
type csvList struct {
	members []Member
	ds      diagnostics
}

// readCSVList reads a CSV member list file, named at ref and confined to
// root: a header row, then one member per row in its user_id or phone
// column. set de-duplicates the members.
func readCSVList(root *confinement, file string, ref reference, set *memberSet) *csvList {
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
	set.start(t.lines)
	for _, rec := range t.rows() {
		if m, ok := csvMember(t, rec, userCol, phoneCol); ok {
			set.add(m)
		}
	}
	list.members = set.members()
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
	for _, ref := range p.lists {
		list, ok := l.lists[ref.name]
		if !ok {
			r.errorf(p, ref.pos, "unknown member list %s%s", excerpt(ref.name), didYouMean(ref.name, sortedKeys(l.lists)))
			continue
		}
		sources = append(sources, list.members)
	}
	switch {
	case len(sources) == 2 && len(g.Members) == 0 && len(sources[1]) > 0:
		// The common case shares the list's members; the capped slice makes
		// an append by the caller copy rather than write into the list.
		g.Members = slices.Clip(sources[1])
	case len(sources) > 1:
		g.Members = union(sources)
	}
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
	list []Member
	seen map[string]struct{} // identities
	size int                 // the most members seen has held
}

// start begins a new list of about n members.
func (s *memberSet) start(n int) {
	s.list = make([]Member, 0, n)
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
	if len(s.list) == 0 {
		return nil
	}
	return s.list
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
