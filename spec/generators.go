package spec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"
)

// maxGenerated bounds the groups one generator may make, so that a matrix
// multiplied out by mistake is an error rather than an out-of-memory.
const maxGenerated = 100_000

// templated are the fields of a group template that are Go templates.
var templated = map[string]bool{
	"key": true, "community": true, "community_id": true, "chat_id": true, "name": true, "description": true,
	"dp": true, "tags": true, "member_lists": true,
}

// templateFuncs are the functions templates may call besides the builtins.
var templateFuncs = template.FuncMap{
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"trim":  strings.TrimSpace,
	"slug":  slug,
}

func generatorAddress(name string) string { return "generator/" + name }

// generator is one generators item being expanded.
type generator struct {
	addr      string
	pos       Pos
	vars      []matrixVar
	group     *yaml.Node // the group template
	templates map[*yaml.Node]*template.Template
	// failed holds the template errors reported, each only once.
	failed map[string]bool
}

// matrixVar is one variable of a generator's matrix and its values.
type matrixVar struct {
	name   string
	values []matrixValue
}

// matrixValue is a list item (a string) or a CSV row (column → value,
// with the row's position).
type matrixValue struct {
	value any
	pos   Pos
}

// generate expands a generators item into groups, one per matrix row.
func (l *loader) generate(d *decoder, item *yaml.Node) {
	name := scalarOf(item, "name")
	if name == "" {
		return
	}
	gen := &generator{
		addr: generatorAddress(name), pos: d.doc.pos(item),
		group: valueOf(item, "group"), failed: map[string]bool{},
	}
	if prev, dup := l.generators[name]; dup {
		l.ds.add(gen.pos, gen.addr, "defined twice: also at %s", prev)
		return
	}
	l.generators[name] = gen.pos
	if d.anyFlagged(item) || !gen.parseTemplates(d) || !l.readMatrix(d, gen, valueOf(item, "matrix")) {
		return
	}
	// Check the template's members once, where they are written, rather
	// than once per row.
	before := l.ds.count()
	d.members(valueOf(gen.group, "members"), gen.addr)
	if l.ds.count() > before {
		return
	}
	rows := 1
	for _, v := range gen.vars {
		rows *= len(v.values)
		if rows > maxGenerated {
			l.ds.add(gen.pos, gen.addr, "the matrix makes more than %d groups", maxGenerated)
			return
		}
	}
	for i := range rows {
		l.generateRow(gen, gen.row(i))
	}
}

// row returns the i-th row of the cartesian product, the first variable
// varying slowest.
func (gen *generator) row(i int) []matrixValue {
	row := make([]matrixValue, len(gen.vars))
	for j := len(gen.vars) - 1; j >= 0; j-- {
		n := len(gen.vars[j].values)
		row[j] = gen.vars[j].values[i%n]
		i /= n
	}
	return row
}

// parseTemplates parses the template strings of the group template,
// reporting syntax errors at the string.
func (gen *generator) parseTemplates(d *decoder) bool {
	gen.templates = map[*yaml.Node]*template.Template{}
	ok := true
	for k, v := range pairs(gen.group) {
		if !templated[k] {
			continue
		}
		for _, n := range append([]*yaml.Node{v}, items(v)...) {
			if n.Kind != yaml.ScalarNode {
				continue
			}
			t, err := template.New(k).Option("missingkey=error").Funcs(templateFuncs).Parse(n.Value)
			if err != nil {
				d.ds.add(d.doc.pos(n), gen.addr, "group.%s: %s", k, sanitise(strings.TrimPrefix(err.Error(), "template: ")))
				ok = false
			}
			gen.templates[n] = t
		}
	}
	return ok
}

// readMatrix reads the values of each matrix variable: a list, or the rows
// of a CSV file.
func (l *loader) readMatrix(d *decoder, gen *generator, matrix *yaml.Node) bool {
	ok := true
	for name, v := range pairs(matrix) {
		mv := matrixVar{name: name}
		if v.Kind == yaml.SequenceNode {
			for _, item := range v.Content {
				mv.values = append(mv.values, matrixValue{value: item.Value, pos: gen.pos})
			}
		} else if file := valueOf(v, "csv"); file != nil {
			var read bool
			mv.values, read = l.matrixCSV(relativeTo(d.doc.file, file.Value), reference{d.doc.pos(file), gen.addr, file.Value})
			ok = ok && read
		}
		gen.vars = append(gen.vars, mv)
	}
	return ok
}

// matrixCSV reads the rows of a matrix CSV file as column → value maps.
func (l *loader) matrixCSV(file string, ref reference) ([]matrixValue, bool) {
	before := l.ds.count()
	t := openCSV(l.root, file, ref, &l.ds)
	if t == nil {
		return nil, false
	}
	var rows []matrixValue
	for line, rec := range t.rows() {
		row := make(map[string]string, len(t.header))
		for i, col := range t.header {
			row[col] = rec[i]
		}
		rows = append(rows, matrixValue{value: row, pos: Pos{File: file, Line: line, Col: 1}})
	}
	return rows, l.ds.count() == before
}

// generateRow makes the group of one matrix row and adds it like a group
// written out. It is positioned at the row's CSV line, or at the generator.
func (l *loader) generateRow(gen *generator, row []matrixValue) {
	data := make(map[string]any, len(row))
	pos := gen.pos
	for i, v := range row {
		data[gen.vars[i].name] = v.value
		if _, isCSV := v.value.(map[string]string); isCSV && pos == gen.pos {
			pos = v.pos
		}
	}
	root, ok := gen.render(gen.group, data, pos, &l.ds)
	if !ok {
		return
	}
	doc := &document{file: pos.File, root: root, reported: map[*yaml.Node]bool{}}
	doc.addr = itemAddress("groups", root)
	l.addGroup(l.decoder(doc, groupSchema), root, gen.addr)
}

// render copies the template node tree for one row, executing the
// template strings, with every node at pos.
func (gen *generator) render(n *yaml.Node, data map[string]any, pos Pos, ds *diagnostics) (*yaml.Node, bool) {
	out := *n
	out.Line, out.Column = pos.Line, pos.Col
	if t := gen.templates[n]; t != nil {
		var b strings.Builder
		if err := t.Execute(&b, data); err != nil {
			gen.fail(n, err, data, pos, ds)
			return nil, false
		}
		out.Value = b.String()
		return &out, true
	}
	out.Content = make([]*yaml.Node, len(n.Content))
	ok := true
	for i, c := range n.Content {
		var cok bool
		out.Content[i], cok = gen.render(c, data, pos, ds)
		ok = ok && cok
	}
	return &out, ok
}

var (
	missingKey = regexp.MustCompile(`map has no entry for key "(.*)"`)
	notARow    = regexp.MustCompile(`can't evaluate field (\S+) in type`)
)

// fail reports a template that cannot be executed for a row, once per
// template and problem: every row of a CSV would fail the same way.
func (gen *generator) fail(n *yaml.Node, err error, data map[string]any, pos Pos, ds *diagnostics) {
	msg := err.Error()
	if _, after, found := strings.Cut(msg, ">: "); found {
		msg = after
	}
	if m := missingKey.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("no variable or column %s%s", excerpt(m[1]), didYouMean(m[1], names(data)))
	} else if m := notARow.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("no column %s: only a CSV variable has columns", excerpt(m[1]))
	} else {
		msg = sanitise(msg)
	}
	if key := n.Value + "\x00" + msg; !gen.failed[key] {
		gen.failed[key] = true
		ds.add(pos, gen.addr, "template %s: %s", excerpt(n.Value), msg)
	}
}

// names lists the variables of a row and the columns of its CSV rows.
func names(data map[string]any) []string {
	var out []string
	for name, v := range data {
		out = append(out, name)
		if row, ok := v.(map[string]string); ok {
			out = append(out, slices.Collect(maps.Keys(row))...)
		}
	}
	slices.Sort(out)
	return out
}

// slug turns text into a key-friendly slug: "New York" → "new-york".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}
