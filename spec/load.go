package spec

import "os"

// Load reads the spec at paths, each a file or a directory (every *.yaml
// and *.yml below it), and returns the desired state it declares.
//
// Every problem found is reported at once: the error is then a
// *multierror.Error of *Diagnostic, sorted by position, which prints one
// diagnostic per line; Diagnostics extracts them.
func Load(paths []string) (*Desired, error) {
	s, err := loadSchema()
	if err != nil {
		return nil, err
	}
	l := newLoader(s)
	for _, f := range specFiles(paths, &l.ds) {
		data, err := os.ReadFile(f)
		if err != nil {
			l.ds.add(Pos{File: f}, "", "%v", unwrapPathError(err))
			continue
		}
		l.add(parseDocument(f, data, &l.ds))
	}
	l.resolve()
	if err := l.ds.err(); err != nil {
		return nil, err
	}
	return l.desired, nil
}

// loader gathers the documents of one Load into a Desired.
type loader struct {
	schema  *specSchema
	ds      diagnostics
	desired *Desired
	// refs are the community references of groups, checked once every file
	// is read: a group may come before its community.
	refs []communityRef
}

// communityRef is where a group names its community.
type communityRef struct {
	group *Group
	pos   Pos
}

func newLoader(s *specSchema) *loader {
	return &loader{
		schema:  s,
		desired: &Desired{Communities: map[string]*Community{}, Groups: map[string]*Group{}},
	}
}

// add validates a parsed document and adds what it declares.
func (l *loader) add(doc *document) {
	if doc.root == nil {
		return
	}
	d := &decoder{doc: doc, flagged: l.schema.validate(doc, &l.ds), ds: &l.ds}
	for _, item := range items(valueOf(doc.root, "communities")) {
		l.addCommunity(d.community(item))
	}
	for _, item := range items(valueOf(doc.root, "groups")) {
		g := d.group(item)
		if n := valueOf(item, "community"); n != nil && !d.flagged[n] {
			l.refs = append(l.refs, communityRef{group: g, pos: doc.pos(n)})
		}
		l.addGroup(g)
	}
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

func (l *loader) addGroup(g *Group) {
	if g.Community == "" || g.Key == "" {
		return
	}
	addr := g.Address()
	if prev, dup := l.desired.Groups[addr]; dup {
		l.ds.add(g.Pos, addr, "defined twice: also at %s", prev.Pos)
		return
	}
	l.desired.Groups[addr] = g
}

// resolve runs the checks that need the whole spec.
func (l *loader) resolve() {
	handles := l.desired.CommunityHandles()
	for _, r := range l.refs {
		if _, ok := l.desired.Communities[r.group.Community]; !ok {
			l.ds.add(r.pos, r.group.Address(), "unknown community %q%s; declare it under communities:", r.group.Community, didYouMean(r.group.Community, handles))
		}
	}
}
