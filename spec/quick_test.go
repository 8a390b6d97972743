package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestQuickCompiles checks that the quick check knows every keyword of the
// schema, at every location validated: were it refused, every document
// would take the full check.
func TestQuickCompiles(t *testing.T) {
	s, err := loadSchema()
	if err != nil {
		t.Fatal(err)
	}
	c := &quickCompiler{s: s, rules: map[string]*quickRule{}}
	for loc := range s.compiled {
		if _, err := c.compile(loc); err != nil {
			t.Errorf("compileQuick: %v", err)
		}
		if s.quick[loc] == nil {
			t.Errorf("no quick rule at %q", loc)
		}
	}
}

// quickVerdicts returns whether the quick check vouches for root at loc,
// and whether the full check finds nothing wrong with it, neither in the
// schema nor in the YAML (as converter reports it).
func quickVerdicts(t testing.TB, s *specSchema, loc string, root *yaml.Node) (quick, clean bool) {
	t.Helper()
	var ds diagnostics
	doc := &document{file: "f.yaml", root: root, reported: map[*yaml.Node]bool{}}
	flagged := s.fullCheck(loc, doc, &ds)
	return s.quick[loc].holds(root), flagged == nil && ds.count() == 0
}

// yamlTestdata returns the YAML documents below testdata, and the fuzz
// corpus of FuzzLoad, by name.
func yamlTestdata(t testing.TB) map[string][]byte {
	t.Helper()
	docs := map[string][]byte{}
	err := filepath.WalkDir("testdata", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch ext := filepath.Ext(path); {
		case ext == ".yaml" || ext == ".yml":
			docs[path] = data
		case strings.Contains(path, "FuzzLoad"):
			var b []byte
			if _, err := fmt.Sscanf(strings.TrimPrefix(string(data), "go test fuzz v1\n"), "[]byte(%q)", &b); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			docs[path] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// mutations change one node in place, each returning the change's undo.
var mutations = func() []func(n *yaml.Node) (undo func(), ok bool) {
	var out []func(n *yaml.Node) (func(), bool)
	scalars := []struct{ tag, value string }{
		{"!!str", ""}, {"!!str", " "}, {"!!str", "x"}, {"!!str", "a,b"}, {"!!str", " a"}, {"!!str", "Group-1"},
		{"!!str", "group-1"}, {"!!str", "group_1.x"}, {"!!str", strings.Repeat("a", 65)}, {"!!str", "é"},
		{"!!str", "b12f13af-ef5a-4906-b0a0-2995e106200d"}, {"!!str", "B12F13AF-EF5A-4906-B0A0-2995E106200D"},
		{"!!str", "456e7890-b12c-4c23-89ef-126314214567"}, {"!!str", "+91 98765 43210"}, {"!!str", "group/a/b"},
		{"!!int", "0"}, {"!!int", "1"}, {"!!int", "-1"}, {"!!int", "2147483647"}, {"!!int", "2147483648"},
		{"!!int", "0x10"}, {"!!int", "99999999999999999999"}, {"!!int", "-99999999999999999999"},
		{"!!bool", "true"}, {"!!bool", "false"}, {"!!null", "null"}, {"!!float", "1.5"}, {"!!float", "1.0"},
		{"!!timestamp", "2001-12-14"}, {"!custom", "x"},
	}
	for _, sc := range scalars {
		out = append(out, func(n *yaml.Node) (func(), bool) {
			saved := *n
			*n = yaml.Node{Kind: yaml.ScalarNode, Tag: sc.tag, Value: sc.value, Line: n.Line, Column: n.Column}
			return func() { *n = saved }, true
		})
	}
	for _, kind := range []yaml.Kind{yaml.MappingNode, yaml.SequenceNode} {
		out = append(out, func(n *yaml.Node) (func(), bool) { // emptied, or a scalar made one
			saved := *n
			*n = yaml.Node{Kind: kind, Line: n.Line, Column: n.Column}
			return func() { *n = saved }, true
		})
	}
	out = append(out, func(n *yaml.Node) (func(), bool) { // an alias
		saved := *n
		*n = yaml.Node{Kind: yaml.AliasNode, Value: "a", Alias: &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x"}, Line: n.Line, Column: n.Column}
		return func() { *n = saved }, true
	})
	for _, change := range []func(c []*yaml.Node, width int) []*yaml.Node{
		func(c []*yaml.Node, width int) []*yaml.Node { return c[width:] },                     // the first item or entry dropped
		func(c []*yaml.Node, width int) []*yaml.Node { return append(c[:width:width], c...) }, // repeated
	} {
		out = append(out, func(n *yaml.Node) (func(), bool) {
			width := 1
			if n.Kind == yaml.MappingNode {
				width = 2
			}
			if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode || len(n.Content) < width {
				return nil, false
			}
			saved := n.Content
			n.Content = change(saved, width)
			return func() { n.Content = saved }, true
		})
	}
	for _, key := range []string{"name", "csv", "file", "members", "community_id", "phone", "user_id", "zzz", "member_list", "also_member"} {
		out = append(out, func(n *yaml.Node) (func(), bool) { // a key renamed
			if n.Kind != yaml.MappingNode || len(n.Content) < 2 {
				return nil, false
			}
			k := n.Content[0]
			saved := *k
			k.Value, k.Tag = key, "!!str"
			return func() { *k = saved }, true
		})
	}
	out = append(out, func(n *yaml.Node) (func(), bool) { // a key not a string
		if n.Kind != yaml.MappingNode || len(n.Content) < 2 {
			return nil, false
		}
		saved := n.Content[0]
		n.Content[0] = &yaml.Node{Kind: yaml.SequenceNode, Line: saved.Line, Column: saved.Column}
		return func() { n.Content[0] = saved }, true
	})
	return out
}()

// walkNodes calls f on every node below and at n.
func walkNodes(n *yaml.Node, f func(*yaml.Node)) {
	f(n)
	for _, c := range n.Content {
		walkNodes(c, f)
	}
}

// TestQuickCheckAgrees checks the quick check against the full one over
// every YAML document of testdata, each of them changed in one place in
// every way mutations has, and documents with lists longer than maxBatch:
// it must vouch for exactly the documents the full check finds nothing
// wrong with. (That it vouches for no other is what Load relies on; that
// it vouches for these is its speed.)
func TestQuickCheckAgrees(t *testing.T) {
	s, err := loadSchema()
	if err != nil {
		t.Fatal(err)
	}
	checked, vouched := 0, 0
	compare := func(name string, root *yaml.Node, locs ...string) {
		for _, loc := range locs {
			quick, clean := quickVerdicts(t, s, loc, root)
			if quick != clean {
				out, _ := yaml.Marshal(root)
				t.Errorf("%s at %q: quick check %v, full check finds nothing wrong %v:\n%s", name, loc, quick, clean, out)
			}
			checked++
			if quick {
				vouched++
			}
		}
	}
	docs := yamlTestdata(t)
	long := longSpec(maxBatch + 6)
	docs["long"] = []byte(long)
	docs["long, a bad user id"] = []byte(strings.Replace(long, "0000000a-", "0000000x-", 1))
	docs["long, a bad key"] = []byte(strings.Replace(long, "key: g68", "key: G68", 1))
	docs["long members"] = []byte(longMembers(maxBatch + 1))
	for name, data := range docs {
		var ds diagnostics
		doc := parseDocument(name, data, &ds)
		if doc.root == nil {
			continue
		}
		compare(name, doc.root, fileSchema, groupSchema, membersSchema)
		if strings.HasPrefix(name, "long") {
			continue // changed in one place, they are no more than testdata
		}
		// A document changed is checked at the location it would be
		// checked at: a spec file, or a member list file.
		loc := fileSchema
		if doc.root.Kind == yaml.SequenceNode {
			loc = membersSchema
		}
		var nodes []*yaml.Node
		walkNodes(doc.root, func(n *yaml.Node) { nodes = append(nodes, n) })
		for i, n := range nodes {
			for j, mutate := range mutations {
				if undo, ok := mutate(n); ok {
					compare(fmt.Sprintf("%s (node %d, mutation %d)", name, i, j), doc.root, loc)
					undo()
				}
			}
		}
	}
	t.Logf("%d checks, %d vouched for", checked, vouched)
	if vouched == 0 || vouched == checked {
		t.Errorf("%d of %d checks vouched for: the test tells nothing", vouched, checked)
	}
}

// longSpec is a spec file of n groups of n members each, alternately by
// user id and phone, which both checks take in more than one piece.
func longSpec(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\ncommunities:\n  - {handle: c, name: C}\ngroups:\n")
	for g := range n {
		fmt.Fprintf(&b, "  - key: g%d\n    community: c\n    name: G\n    tags: [a, b]\n    members:\n%s", g, indent(longMembers(n), "      "))
	}
	return b.String()
}

// longMembers is a member list file of n members.
func longMembers(n int) string {
	var b strings.Builder
	for m := range n {
		if m%2 == 0 {
			fmt.Fprintf(&b, "- user_id: %08x-0000-4000-8000-%012x\n", m, m)
		} else {
			fmt.Fprintf(&b, "- phone: '+91 98765 %05d'\n", m)
		}
	}
	return b.String()
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+prefix) + "\n"
}

// FuzzQuickCheck feeds arbitrary YAML to the quick check: it must never
// vouch for a document the full check finds anything wrong with.
func FuzzQuickCheck(f *testing.F) {
	for _, data := range yamlTestdata(f) {
		f.Add(data)
	}
	s, err := loadSchema()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ds diagnostics
		doc := parseDocument("f.yaml", data, &ds)
		if doc.root == nil {
			return
		}
		for _, loc := range []string{fileSchema, groupSchema, membersSchema} {
			if quick, clean := quickVerdicts(t, s, loc, doc.root); quick && !clean {
				t.Errorf("the quick check vouches at %q for a document the full check rejects:\n%s", loc, data)
			}
		}
	})
}

// TestLoadWithoutQuickCheck loads every spec of testdata with the quick
// check and without, and compares what Load returns.
func TestLoadWithoutQuickCheck(t *testing.T) {
	s, err := loadSchema()
	if err != nil {
		t.Fatal(err)
	}
	full := &specSchema{compiled: s.compiled, raw: s.raw}
	var specs []string
	for _, dir := range []string{"good", "bad", "edge", "generators", "memberlists", "subscribers"} {
		entries, err := os.ReadDir(filepath.Join("testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, filepath.Join("testdata", dir))
		for _, e := range entries {
			specs = append(specs, filepath.Join("testdata", dir, e.Name()))
		}
	}
	defer func(saved func() (*specSchema, error)) { loadSchema = saved }(loadSchema)
	load := func(path string) (*Desired, string) {
		d, err := Load([]string{path})
		if err != nil {
			return d, err.Error()
		}
		return d, ""
	}
	for _, path := range specs {
		quickD, quickErr := load(path)
		loadSchema = func() (*specSchema, error) { return full, nil }
		fullD, fullErr := load(path)
		loadSchema = func() (*specSchema, error) { return s, nil }
		if quickErr != fullErr || !reflect.DeepEqual(quickD, fullD) {
			t.Errorf("Load(%s) with the quick check:\n%v\n%s\nwithout:\n%v\n%s", path, quickD, quickErr, fullD, fullErr)
		}
	}
}
