package spec

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the spec at paths, each a file or a directory (every *.yaml
// and *.yml below it that is a spec file, see isSpec), and returns the
// desired state it declares, with what it skipped below the directories.
//
// Every problem found is reported at once: the error is then a
// *multierror.Error of *Diagnostic, sorted by position, which prints one
// diagnostic per line; Diagnostics extracts them.
func Load(paths []string) (*Desired, error) {
	s, err := loadSchema()
	if err != nil {
		return nil, err
	}
	l := newLoader(s, newConfinement(rootsOf(paths)))
	if len(paths) == 0 {
		l.ds.add(Pos{}, "", "no spec files or directories given")
	}
	// Files are read, parsed and validated concurrently, then added in
	// order. A YAML file that a member list names holds members, not a spec.
	// Such a file is a list, which a spec file cannot be: lists are set aside
	// until every spec file is read, and only those no member list names are
	// then reported as spec files if given, or skipped if found below a
	// directory. Spec files are dropped once added.
	files, testdata := specFiles(paths, l.root, &l.ds)
	for _, dir := range testdata {
		l.desired.Skipped = append(l.desired.Skipped, Skipped{Path: dir, Why: skippedTestdata})
	}
	// used counts, per path given, the files read as spec or member list
	// files, to report a directory that holds YAML but no spec file.
	used := make([]int, len(paths))
	var lists []*prepared
	prepare := func(f specFile) *prepared { return s.prepare(l.root, f) }
	for p := range inOrder(files, runtime.GOMAXPROCS(0), prepare) {
		doc := p.doc
		switch {
		case l.isListFile(doc.file):
			used[p.file.from]++
			continue // read already, as a member list
		case p.skipped != "":
			l.desired.Skipped = append(l.desired.Skipped, Skipped{Path: doc.file, Why: p.skipped})
			continue
		case doc.root != nil && doc.root.Kind == yaml.SequenceNode:
			l.parsed[l.root.absPath(doc.file)] = doc
			lists = append(lists, p)
			continue
		}
		used[p.file.from]++
		l.ds.merge(&p.ds)
		switch {
		case doc.empty:
			l.ds.add(Pos{File: doc.file, Line: 1, Col: 1}, "", "empty file: a spec file starts with \"version: 1\"")
		case doc.root == nil: // unreadable or not YAML: reported
		default:
			l.add(p)
		}
	}
	for _, p := range lists {
		doc := p.doc
		switch {
		case l.isListFile(doc.file):
			used[p.file.from]++
			l.ds.merge(&p.ds)
		case p.file.explicit:
			used[p.file.from]++
			l.ds.merge(&p.ds)
			p.flagged = s.validate(fileSchema, doc, &l.ds)
			l.add(p)
		default:
			delete(l.parsed, l.root.absPath(doc.file))
			l.desired.Skipped = append(l.desired.Skipped, Skipped{Path: doc.file, Why: skippedList})
		}
	}
	l.noSpecBelow(paths, files, used)
	l.resolve()
	if err := l.ds.err(); err != nil {
		return nil, err
	}
	slices.SortFunc(l.desired.Skipped, func(a, b Skipped) int { return strings.Compare(a.Path, b.Path) })
	return l.desired, nil
}

// noSpecBelow reports each directory given that holds YAML files but no
// spec file, naming them: it is the wrong directory, or its spec files
// lack "version: 1".
func (l *loader) noSpecBelow(paths []string, files []specFile, used []int) {
	found := make([][]string, len(paths))
	for _, f := range files {
		found[f.from] = append(found[f.from], f.path)
	}
	why := map[string]string{}
	for _, s := range l.desired.Skipped {
		why[s.Path] = s.Why
	}
	for i, p := range paths {
		if len(found[i]) == 0 || used[i] > 0 {
			continue
		}
		var names []string
		for _, f := range found[i] {
			if w, ok := why[f]; ok {
				names = append(names, fmt.Sprintf("%s (%s)", escapeNonPrintable(f), w))
			}
		}
		if len(names) > 0 {
			l.ds.add(Pos{File: p}, "", "no spec file found: skipped %s: %s; %s",
				count(len(names), "YAML file", "YAML files"), firstFew(names), specRule)
		}
	}
}

// loader gathers the documents of one Load into a Desired.
type loader struct {
	schema  *specSchema
	root    *confinement
	ds      diagnostics
	desired *Desired
	// parsed are the YAML files holding a list that no member list has named
	// yet, by absolute path.
	parsed map[string]*document
	// lists are the member lists declared, by name; listFiles caches the
	// members read from each list file, by absolute path.
	lists     map[string]*memberList
	listFiles map[string][]Member
	// set de-duplicates each list of members in turn.
	set memberSet
	// generators are the positions of the generators declared, by name.
	generators map[string]Pos
	// groups are the groups declared, in order, with what refers elsewhere:
	// resolved once every file is read, since a group may come before its
	// community or its member lists.
	groups []*pendingGroup
}

// pendingGroup is a group whose references are not resolved yet.
type pendingGroup struct {
	group        *Group
	communityPos Pos // the position of its community reference; zero if unchecked
	lists        []listRef
	// subscriberLists are the member lists its subscribers_removed names.
	subscriberLists []subscriberListRef
	// chatIDPos is the position of its chat_id, when it gives one.
	chatIDPos Pos
	// generator is the address of the generator that made the group, or "".
	generator string
}

func newLoader(s *specSchema, root *confinement) *loader {
	return &loader{
		schema:     s,
		root:       root,
		desired:    &Desired{Communities: map[string]*Community{}, Groups: map[string]*Group{}},
		parsed:     map[string]*document{},
		lists:      map[string]*memberList{},
		listFiles:  map[string][]Member{},
		generators: map[string]Pos{},
	}
}

// prepared is a spec file read, parsed and, unless it holds a list (see
// Load), validated, with the CSV member lists it names read: the part of
// loading a file that needs nothing of the others, and so runs
// concurrently.
type prepared struct {
	file    specFile
	doc     *document
	flagged map[*yaml.Node]bool
	ds      diagnostics
	// csvLists are the CSV member lists it names, by the node naming each.
	csvLists map[*yaml.Node]*csvList
	// skipped is why a file found below a directory is not a spec file,
	// or "" when it is one (or, a list, may be a member list file).
	skipped string
}

func (s *specSchema) prepare(root *confinement, f specFile) *prepared {
	p := &prepared{file: f, doc: &document{file: f.path}}
	data, ok := f.read(root, &p.ds)
	if !ok {
		return p
	}
	p.doc = parseDocument(f.path, data, &p.ds)
	if !f.explicit {
		if spec, why := isSpec(p.doc, data); !spec {
			// Another tool's file: its YAML is not ours to judge.
			p.doc, p.ds, p.skipped = &document{file: f.path}, diagnostics{}, why
			return p
		}
	}
	if top := p.doc.root; top != nil && top.Kind != yaml.SequenceNode {
		p.flagged = s.validate(fileSchema, p.doc, &p.ds)
		p.readAhead(root)
	}
	return p
}

// readAhead reads the CSV member lists that a spec file names, as
// addMemberList would, but now, while other files are prepared: most of a
// large spec's members are in such lists. Their problems are kept apart,
// for listCSV to report only for a list it uses. A file named twice is
// read once, unless the first reading found problems: they are reported
// where the list that uses the file names it.
func (p *prepared) readAhead(root *confinement) {
	var set memberSet
	clean := map[string]*csvList{} // by absolute path
	rooms := roomsToLeave(p.doc.root)
	for _, item := range items(valueOf(p.doc.root, "member_lists")) {
		name, v := scalarOf(item, "name"), valueOf(item, "csv")
		if name == "" || v == nil || p.flagged[v] {
			continue
		}
		if p.csvLists == nil {
			p.csvLists = map[*yaml.Node]*csvList{}
		}
		file := relativeTo(p.doc.file, v.Value)
		key := root.absPath(file)
		if list, ok := clean[key]; ok {
			p.csvLists[v] = list
			continue
		}
		list := readCSVList(root, file, reference{p.doc.pos(v), memberListAddress(name), v.Value}, &set, rooms[name])
		if list.ds.count() == 0 {
			clean[key] = list
		}
		p.csvLists[v] = list
	}
}

// roomsToLeave finds, for each member list that a group of a spec file
// names alone and has inline members besides, the number of them in the
// first such group: the list is read with room for them (see room).
func roomsToLeave(root *yaml.Node) map[string]int {
	rooms := map[string]int{}
	for _, g := range items(valueOf(root, "groups")) {
		lists, members := items(valueOf(g, "member_lists")), items(valueOf(g, "members"))
		if len(lists) != 1 || len(members) == 0 {
			continue
		}
		if _, taken := rooms[lists[0].Value]; !taken {
			rooms[lists[0].Value] = len(members)
		}
	}
	return rooms
}

// read reads and parses a YAML file that a spec names at ref, or returns
// nil after reporting why it cannot.
func (l *loader) read(file string, ref reference) *document {
	data, ok := ref.read(l.root, file, &l.ds)
	if !ok {
		return nil
	}
	return parseDocument(file, data, &l.ds)
}

// decoder validates doc against the schema at loc and returns a decoder
// for it.
func (l *loader) decoder(doc *document, loc string) *decoder {
	return &decoder{doc: doc, flagged: l.schema.validate(loc, doc, &l.ds), ds: &l.ds, set: &l.set}
}

// isListFile reports whether a member list has named file.
func (l *loader) isListFile(file string) bool {
	_, ok := l.listFiles[l.root.absPath(file)]
	return ok
}

// add adds what a prepared spec document declares.
func (l *loader) add(p *prepared) {
	doc := p.doc
	d := &decoder{doc: doc, flagged: p.flagged, ds: &l.ds, set: &l.set, csvLists: p.csvLists}
	for _, item := range items(valueOf(doc.root, "communities")) {
		l.addCommunity(d.community(item))
	}
	for _, item := range items(valueOf(doc.root, "member_lists")) {
		l.addMemberList(d, item)
	}
	for _, item := range items(valueOf(doc.root, "groups")) {
		l.addGroup(d, item, "")
	}
	for _, item := range items(valueOf(doc.root, "generators")) {
		l.generate(d, item)
	}
	l.desired.Moved = append(l.desired.Moved, d.moves(valueOf(doc.root, "moved"))...)
}

func (l *loader) addCommunity(c *Community) {
	if c.Handle == "" {
		return
	}
	if prev, dup := l.desired.Communities[c.Handle]; dup {
		l.ds.add(c.Pos, CommunityAddress(c.Handle), "defined twice: also at %s", prev.Pos)
		return
	}
	l.desired.Communities[c.Handle] = c
}

// addGroup decodes a group item, written out or made by generator, and
// records it with its references.
func (l *loader) addGroup(d *decoder, item *yaml.Node, generator string) {
	p := &pendingGroup{group: d.group(item), lists: d.listRefs(valueOf(item, "member_lists")), generator: generator}
	if n := valueOf(item, "community"); n != nil && !d.flagged[n] {
		p.communityPos = d.doc.pos(n)
	}
	if n := valueOf(item, "chat_id"); n != nil && !d.flagged[n] {
		p.chatIDPos = d.doc.pos(n)
	}
	g := p.group
	g.SubscribersRemoved, p.subscriberLists = d.subscribers(valueOf(item, "subscribers_removed"), itemAddress("groups", item))
	byHandle, byID := valueOf(item, "community"), valueOf(item, "community_id")
	switch {
	case byHandle == nil && byID == nil:
		l.ds.add(g.Pos, "", `missing required key "community" (or "community_id" for an existing community this spec does not manage)`)
		return
	case byHandle != nil && byID != nil:
		l.ds.add(d.doc.pos(byID), "", `give "community" (a community of this spec) or "community_id" (an existing one), not both`)
		return
	}
	if (g.Community == "" && g.CommunityID == "") || g.Key == "" {
		return
	}
	addr := g.Address()
	if prev, dup := l.desired.Groups[addr]; dup {
		l.ds.add(g.Pos, addr, "defined twice: also at %s", prev.Pos)
		return
	}
	l.desired.Groups[addr] = g
	l.groups = append(l.groups, p)
	if len(p.lists) == 1 {
		if list := l.lists[p.lists[0].name]; list != nil {
			list.claimRoom(p)
		}
	}
}

// resolve runs the checks that need the whole spec and adds each group's
// member lists to its members. A list's members are let go once the last
// group naming it has them: a group that shares none copies them, and the
// garbage collector can take the list while the rest resolves, rather
// than the lists and their copies all being held at once.
func (l *loader) resolve() {
	handles := l.desired.CommunityHandles()
	r := &resolver{ds: &l.ds, reported: map[string]bool{}}
	chats := map[string]*pendingGroup{}
	l.listFiles, l.parsed = nil, nil // the files are all read
	uses := l.listUses()
	for _, p := range l.groups {
		g := p.group
		if _, ok := l.desired.Communities[g.Community]; !ok && g.Community != "" && p.communityPos.Line != 0 {
			r.errorf(p, p.communityPos, "unknown community %s%s; declare it under communities:", excerpt(g.Community), didYouMean(g.Community, handles))
		}
		if g.ChatID != "" {
			if first, dup := chats[g.ChatID]; dup {
				r.errorf(p, p.chatIDPos, "chat_id %s is also the chat_id of %s (%s): each group has its own", g.ChatID, first.group.Address(), first.chatIDPos)
			} else {
				chats[g.ChatID] = p
			}
		}
		l.addListMembers(r, p)
		l.addSubscriberLists(r, p)
		checkSubscribers(r, p)
		for _, ref := range p.lists {
			l.used(ref.name, uses)
		}
		for _, ref := range p.subscriberLists {
			l.used(ref.name, uses)
		}
	}
	l.checkMoves()
}

// listUses counts the groups' references to each member list, and lets go
// of the members of the lists no group names.
func (l *loader) listUses() map[string]int {
	uses := make(map[string]int, len(l.lists))
	for _, p := range l.groups {
		for _, ref := range p.lists {
			uses[ref.name]++
		}
		for _, ref := range p.subscriberLists {
			uses[ref.name]++
		}
	}
	for name, list := range l.lists {
		if uses[name] == 0 {
			list.members = nil
		}
	}
	return uses
}

// used counts off one reference to a member list, letting go of its
// members after the last.
func (l *loader) used(name string, uses map[string]int) {
	if uses[name]--; uses[name] == 0 {
		if list, ok := l.lists[name]; ok {
			list.members = nil
		}
	}
}

// resolver reports the problems of group references.
type resolver struct {
	ds       *diagnostics
	reported map[string]bool
}

// errorf reports a problem of a group's reference. A problem of generated
// groups is reported once, for the generator, at the first group with it:
// every row of a CSV would have it.
func (r *resolver) errorf(p *pendingGroup, pos Pos, format string, args ...any) {
	if p.generator == "" {
		r.ds.add(pos, p.group.Address(), format, args...)
		return
	}
	msg := fmt.Sprintf(format, args...)
	if key := p.generator + "\x00" + msg; !r.reported[key] {
		r.reported[key] = true
		r.ds.add(pos, p.generator, "%s", msg)
	}
}

// reference is where a spec names a file it uses: a member list's file or
// csv, a matrix variable's csv.
type reference struct {
	pos  Pos
	addr string
	// path is the path as the spec writes it.
	path string
}

// read reads a file the spec names, which must resolve inside the root, be
// a regular file and be no larger than MaxFileSize. It reports why it
// cannot where the file is named.
func (r reference) read(root *confinement, file string, ds *diagnostics) ([]byte, bool) {
	real, info, err := root.resolve(file)
	var data []byte
	if err == nil {
		data, err = readResolved(real, info)
	}
	var why refusal
	switch {
	case err == nil:
		return data, true
	case errors.As(err, &why):
		ds.add(r.pos, r.addr, "path %s is %v", excerpt(r.path), why)
	default:
		ds.add(r.pos, r.addr, "path %s: %v", excerpt(r.path), unwrapPathError(err))
	}
	return nil, false
}
