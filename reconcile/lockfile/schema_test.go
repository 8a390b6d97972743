package lockfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/schema"
)

var (
	schemaOnce      sync.Once
	lockfileSchemas map[int]*jsonschema.Schema
	schemaErr       error
)

// v1SchemaPath is the schema of format 1, which genuinctl no longer
// writes (and so does not embed) but still reads.
const v1SchemaPath = "../../schema/lockfile-v1.schema.json"

// compiledSchema is the schema of a lockfile format:
// schema/lockfile.schema.json for format 2, schema/lockfile-v1.schema.json
// for format 1, compiled once.
func compiledSchema(t testing.TB, format int) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		v1, err := os.ReadFile(v1SchemaPath)
		if err != nil {
			schemaErr = err
			return
		}
		lockfileSchemas = map[int]*jsonschema.Schema{}
		for format, src := range map[int][]byte{1: v1, lockfile.FormatVersion: schema.Lockfile} {
			c := jsonschema.NewCompiler()
			c.Draft = jsonschema.Draft2020
			name := fmt.Sprintf("lockfile-%d.schema.json", format)
			if schemaErr = c.AddResource(name, bytes.NewReader(src)); schemaErr != nil {
				return
			}
			if lockfileSchemas[format], schemaErr = c.Compile(name); schemaErr != nil {
				return
			}
		}
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return lockfileSchemas[format]
}

// formatOf is the format_version of a decoded lockfile, as the schema to
// hold it to: 1, or else the current format.
func formatOf(doc any) int {
	if m, ok := doc.(map[string]any); ok && m["format_version"] == json.Number("1") {
		return 1
	}
	return lockfile.FormatVersion
}

// decodeJSON decodes one JSON document, numbers kept exact, as the schema
// validator wants them.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	err := dec.Decode(&doc)
	return doc, err
}

// TestLockfileMatchesSchema validates a real lockfile, with every kind of
// record, against schema/lockfile.schema.json.
func TestLockfileMatchesSchema(t *testing.T) {
	sch := compiledSchema(t, lockfile.FormatVersion)
	path := filepath.Join(t.TempDir(), "genuin.lock")
	f, err := lockfile.Open(path, 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	f.Init("sandbox")
	for _, e := range []lockfile.Entry{
		{Op: lockfile.OpPut, Address: "community/c", Community: &lockfile.Community{Handle: "c", Status: lockfile.StatusPending,
			Fields: lockfile.Fields{"name": json.RawMessage(`"C"`)}}},
		{Op: lockfile.OpCreated, Address: "community/c", ID: "cid", ShareURL: "https://x/c"},
		{Op: lockfile.OpPut, Address: "group/c/g", Group: &lockfile.Group{Community: "community/c", CommunityID: "cid",
			Status: lockfile.StatusPending, ChatID: "chat", Fields: lockfile.Fields{"tags": json.RawMessage(`["a"]`)},
			CreateMembers: []string{"user:u"}}},
		{Op: lockfile.OpCreated, Address: "group/c/g", ID: "gid"},
		{Op: lockfile.OpMembers, Address: "group/c/g", Added: map[string]string{"phone:919876543210": "", "phone:919800000000": "m-1", "user:v": ""}},
		{Op: lockfile.OpPut, Address: "group/c/pending", Group: &lockfile.Group{Community: "community/c", CommunityID: "cid",
			Status: lockfile.StatusPending, ChatID: "chat3", CreateMembers: []string{"user:a", "user:b"}}},
		{Op: lockfile.OpPut, Address: "group/f2a05adb-93ce-4a19-b003-3523fa745667/p", Group: &lockfile.Group{
			CommunityID: "f2a05adb-93ce-4a19-b003-3523fa745667", Status: lockfile.StatusPending, ChatID: "chat2"}},
	} {
		if err := f.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decodeJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("the lockfile does not match its schema: %#v\n%s", err, data)
	}
}

// TestSchemaAgreesWithParse: the schema of each format accepts every
// lockfile of that format Parse accepts, and refuses every invalid
// lockfile of the corpus whose rule a schema can state; the corpus says
// which rules only Parse checks, and the schema indeed accepts those.
// FuzzParse checks the first half on any input.
func TestSchemaAgreesWithParse(t *testing.T) {
	valid := map[string]string{"base": lockfile.BaseLockfile, "empty": lockfile.EmptyLockfile}
	for name, content := range lockfile.ValidLockfiles {
		valid[name] = content
	}
	for name, pair := range lockfile.FormatPairs {
		valid[name+" (format 1)"], valid[name+" (format 2)"] = pair[0], pair[1]
	}
	for name, content := range valid {
		doc, err := decodeJSON([]byte(content))
		if err != nil {
			t.Fatal(err)
		}
		if err := compiledSchema(t, formatOf(doc)).Validate(doc); err != nil {
			t.Errorf("%s: Parse accepts it, the schema does not: %v", name, err)
		}
	}
	for _, c := range lockfile.InvalidLockfiles {
		doc, err := decodeJSON([]byte(c.Content()))
		if err != nil {
			continue // not JSON: nothing for a schema to say
		}
		format := c.Format
		if format == 0 {
			format = lockfile.FormatVersion
		}
		err = compiledSchema(t, format).Validate(doc)
		switch {
		case c.Schema && err == nil:
			t.Errorf("%s: the schema accepts it, but it states the rule (%s)", c.Name, c.Message)
		case !c.Schema && err != nil:
			t.Errorf("%s: the schema refuses it (%v): mark the case Schema: true", c.Name, err)
		}
	}
}

// FuzzParse: Parse never panics; what it refuses it refuses with an
// *InvalidError whose every problem has a position; what it accepts, the
// schema of its format accepts too, and it renders (Marshal) into a
// lockfile that parses back to an equal state with the same rendering.
func FuzzParse(f *testing.F) {
	f.Add([]byte(lockfile.BaseLockfile))
	f.Add([]byte(lockfile.EmptyLockfile))
	for _, content := range lockfile.ValidLockfiles {
		f.Add([]byte(content))
	}
	for _, pair := range lockfile.FormatPairs {
		f.Add([]byte(pair[0]))
		f.Add([]byte(pair[1]))
	}
	for _, c := range lockfile.InvalidLockfiles {
		f.Add([]byte(c.Content()))
	}
	compiledSchema(f, 1)
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := lockfile.Parse("fuzz.lock", data)
		if err != nil {
			var invalid *lockfile.InvalidError
			if !errors.As(err, &invalid) || len(invalid.Problems) == 0 {
				t.Fatalf("refused without problems: %v", err)
			}
			for _, p := range invalid.Problems {
				if p.Pos.File != "fuzz.lock" || p.Pos.Line == 0 || p.Pos.Col == 0 {
					t.Errorf("a problem without a position: %q", p.String())
				}
			}
			return
		}
		doc, err := decodeJSON(data)
		if err != nil {
			t.Fatalf("Parse accepted what is not JSON: %v", err)
		}
		if err := compiledSchema(t, formatOf(doc)).Validate(doc); err != nil {
			t.Fatalf("Parse accepted what the schema refuses: %v", err)
		}
		out, err := lockfile.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		again, err := lockfile.Parse("again.lock", out)
		if err != nil {
			t.Fatalf("the rendering of an accepted lockfile does not parse: %v\n%s", err, out)
		}
		if out2, _ := lockfile.Marshal(again); !bytes.Equal(out, out2) {
			t.Fatalf("the rendering is not stable:\n%s\n%s", out, out2)
		}
		if !sameState(st, again) {
			t.Fatalf("the state changed in a round trip:\n%+v\n%+v", st, again)
		}
		if doc, _ := decodeJSON(out); compiledSchema(t, lockfile.FormatVersion).Validate(doc) != nil {
			t.Fatalf("the rendering does not match the schema:\n%s", out)
		}
	})
}

// sameState compares two states, field values as JSON values.
func sameState(a, b *lockfile.State) bool {
	return reflect.DeepEqual(withoutFields(a), withoutFields(b)) && reflect.DeepEqual(fieldValues(a), fieldValues(b))
}

func withoutFields(st *lockfile.State) lockfile.State {
	out := *st
	out.Communities, out.Groups = map[string]*lockfile.Community{}, map[string]*lockfile.Group{}
	for k, c := range st.Communities {
		c := *c
		c.Fields = nil
		out.Communities[k] = &c
	}
	for k, g := range st.Groups {
		g := *g
		g.Fields = nil
		out.Groups[k] = &g
	}
	return out
}

func fieldValues(st *lockfile.State) map[string]any {
	out := map[string]any{}
	add := func(addr string, fields lockfile.Fields) {
		for name, raw := range fields {
			v, err := decodeJSON(raw)
			if err != nil {
				v = "undecodable: " + err.Error()
			}
			out[addr+" "+name] = v
		}
	}
	for k, c := range st.Communities {
		add(k, c.Fields)
	}
	for k, g := range st.Groups {
		add(k, g.Fields)
	}
	return out
}
