package reconcile

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/schema"
	"github.com/genuin/genuinctl/spec"
)

// nonFieldKeys are the keys of a community or group in the spec (schema,
// decoder, expand) that are not fields of the table, each with the reason.
// A key on neither list fails TestFieldTableCoversSchema and
// TestFieldTableCoversExpand.
var nonFieldKeys = map[string]map[string]string{
	KindCommunity: {
		"handle": "the community's identity: it is in its address, and cannot change",
	},
	KindGroup: {
		"key":                 "the group's identity: it is in its address, and cannot change",
		"community":           "where the group lives: its address and the record's community",
		"community_id":        "where the group lives: its address and the record's community_id",
		"members":             "membership: members_added and members_removed, recorded as members",
		"member_lists":        "membership: resolved into members by the spec loader",
		"chat_id":             "the group's id: the create sends it, the record holds it as its chat_id, and a change is blocked",
		"phones_in_create":    "how the create sends phone members, not a value of the group: recorded as its members",
		"subscribers_removed": "subscriptions: subscribers_removed, each sent once and recorded as subscribers_removed",
	},
}

// nonFieldGoFields are the Go fields of spec.Community and spec.Group that
// are not fields of the table; every other one must change a field's value.
var nonFieldGoFields = map[string]map[string]string{
	KindCommunity: {
		"Handle": "identity (handle)",
		"Pos":    "where the spec declares it: the change's provenance",
	},
	KindGroup: {
		"Key":                "identity (key)",
		"Community":          "placement (community)",
		"CommunityID":        "placement (community_id)",
		"Members":            "membership (members, member_lists)",
		"Pos":                "where the spec declares it: the change's provenance",
		"ChatID":             "identity (chat_id): the record's chat_id",
		"PhonesInCreate":     "how members are sent (phones_in_create)",
		"SubscribersRemoved": "subscriptions (subscribers_removed)",
	},
}

// tableNames are the field names of a kind's table.
func tableNames(kind string) []string {
	var names []string
	if kind == KindCommunity {
		for _, f := range communityFields {
			names = append(names, f.Name)
		}
	} else {
		for _, f := range groupFields {
			names = append(names, f.Name)
		}
	}
	return names
}

// TestFieldTableDeclarations: names are unique and not also non-field
// keys; every field reaches the create request, and exactly the updatable
// ones reach update_conversation.
func TestFieldTableDeclarations(t *testing.T) {
	for _, kind := range []string{KindCommunity, KindGroup} {
		seen := map[string]bool{}
		for _, name := range tableNames(kind) {
			if seen[name] {
				t.Errorf("%s field %s declared twice", kind, name)
			}
			if _, ok := nonFieldKeys[kind][name]; ok {
				t.Errorf("%s field %s is also listed as a non-field key", kind, name)
			}
			seen[name] = true
		}
	}
	for _, f := range communityFields {
		if f.create == nil || f.update != nil || f.Updatable {
			t.Errorf("community field %s: every community field is create-only (the API has no community update)", f.Name)
		}
	}
	for _, f := range groupFields {
		if f.create == nil || (f.update != nil) != f.Updatable {
			t.Errorf("group field %s: updatable=%v but update set=%v", f.Name, f.Updatable, f.update != nil)
		}
	}
}

// TestFieldEncodingsUseNoWireTypes is the point of the field table: a
// recorded value is the JSON of a type of this package or of Go, never of
// internal/genuin's wire structs, so a field added to a request cannot
// change a recorded value (and turn every group with a video into a
// blocked change). Before the table, recorded_video was encoded as a
// *genuin.RecordedVideo, actions as []genuin.Action and categories as
// *genuin.Categories: each would fail here.
func TestFieldEncodingsUseNoWireTypes(t *testing.T) {
	wire := reflect.TypeFor[genuin.Action]().PkgPath()
	check := func(kind, name string, typ reflect.Type) {
		for _, found := range typesFrom(typ, wire, map[reflect.Type]bool{}) {
			t.Errorf("%s field %s: its lockfile encoding uses the wire type %s", kind, name, found)
		}
	}
	for _, f := range communityFields {
		check(KindCommunity, f.Name, f.valueType)
	}
	for _, f := range groupFields {
		check(KindGroup, f.Name, f.valueType)
	}
}

// typesFrom lists the types of package pkg that typ is made of.
func typesFrom(typ reflect.Type, pkg string, seen map[reflect.Type]bool) []string {
	if seen[typ] {
		return nil
	}
	seen[typ] = true
	var found []string
	if typ.PkgPath() == pkg {
		found = append(found, typ.String())
	}
	switch typ.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		found = append(found, typesFrom(typ.Elem(), pkg, seen)...)
	case reflect.Map:
		found = append(found, typesFrom(typ.Key(), pkg, seen)...)
		found = append(found, typesFrom(typ.Elem(), pkg, seen)...)
	case reflect.Struct:
		for i := range typ.NumField() {
			found = append(found, typesFrom(typ.Field(i).Type, pkg, seen)...)
		}
	}
	return found
}

// TestFieldValueTypesDescribeTheEncoding: each field's valueType is really
// the type of its recorded value (what TestFieldEncodingsUseNoWireTypes
// relies on): the compatibility spec's values decode into it with no
// unknown key and encode back to the same bytes.
func TestFieldValueTypesDescribeTheEncoding(t *testing.T) {
	d := loadCompatSpec(t)
	check := func(addr string, values lockfile.Fields, typeOf func(string) reflect.Type) {
		for name, raw := range values {
			v := reflect.New(typeOf(name))
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v.Interface()); err != nil {
				t.Errorf("%s %s: %s does not decode into %s: %v", addr, name, raw, typeOf(name), err)
				continue
			}
			if again, _ := json.Marshal(v.Interface()); !bytes.Equal(again, raw) {
				t.Errorf("%s %s: %s re-encodes as %s", addr, name, raw, again)
			}
		}
	}
	for h, c := range d.Communities {
		check(h, communityFields.values(c), func(n string) reflect.Type { return communityFields.field(n).valueType })
	}
	for a, g := range d.Groups {
		check(a, groupFields.values(g), func(n string) reflect.Type { return groupFields.field(n).valueType })
	}
}

// TestFieldTableCoversSchema: every key the spec schema gives a community,
// a group or a generator's group template is a field or a non-field key,
// and every field is a key of the schema (a dotted name a nested one).
func TestFieldTableCoversSchema(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(schema.Spec, &root); err != nil {
		t.Fatal(err)
	}
	defs := root["$defs"].(map[string]any)
	for def, kind := range map[string]string{"community": KindCommunity, "group": KindGroup, "groupTemplate": KindGroup} {
		obj := defs[def].(map[string]any)
		for _, key := range uncovered(kind, "", schemaKeys(root, obj)) {
			t.Errorf("schema $defs/%s has %q, which is neither a %s field nor a non-field key", def, key, kind)
		}
		for _, name := range tableNames(kind) {
			if !schemaHas(root, obj, strings.Split(name, ".")) {
				t.Errorf("%s field %s is not in the schema's $defs/%s", kind, name, def)
			}
		}
	}
}

// schemaKeys returns an object schema's properties as a tree: a key with
// properties of its own maps to their tree, others to nil.
func schemaKeys(root, obj map[string]any) map[string]any {
	tree := map[string]any{}
	props, _ := resolve(root, obj)["properties"].(map[string]any)
	for key, prop := range props {
		tree[key] = nil
		if p := resolve(root, prop.(map[string]any)); p["properties"] != nil {
			tree[key] = schemaKeys(root, p)
		}
	}
	return tree
}

func schemaHas(root, obj map[string]any, path []string) bool {
	props, _ := resolve(root, obj)["properties"].(map[string]any)
	prop, ok := props[path[0]].(map[string]any)
	if !ok || len(path) == 1 {
		return ok
	}
	return schemaHas(root, prop, path[1:])
}

// resolve follows a local "$ref" ("#/$defs/group/properties/settings").
func resolve(root, node map[string]any) map[string]any {
	ref, ok := node["$ref"].(string)
	if !ok {
		return node
	}
	var at any = root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		at = at.(map[string]any)[part]
	}
	return resolve(root, at.(map[string]any))
}

// uncovered returns the keys of a tree (of spec keys) that are neither a
// field nor a non-field key. A key that is not a field but has keys of its
// own is covered when they are (settings: settings.discoverable).
func uncovered(kind, prefix string, tree map[string]any) []string {
	var out []string
	for key, sub := range tree {
		name := prefix + key
		if slices.Contains(tableNames(kind), name) || (prefix == "" && nonFieldKeys[kind][key] != "") {
			continue
		}
		if subtree, ok := sub.(map[string]any); ok && len(subtree) > 0 {
			out = append(out, uncovered(kind, name+".", subtree)...)
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// TestFieldTableCoversDecoder: the spec decoder fills every field. The
// compatibility spec's every-field community and group set each field,
// and their values all differ from a minimal one's.
func TestFieldTableCoversDecoder(t *testing.T) {
	d := loadCompatSpec(t)
	full, min := communityFields.values(d.Communities["every-field"]), communityFields.values(d.Communities["minimal"])
	for _, name := range tableNames(KindCommunity) {
		if full[name] == nil || lockfile.EqualJSON(full[name], min[name]) {
			t.Errorf("community field %s: the decoder does not read it from %s (got %s)", name, compatSpec, full[name])
		}
	}
	full, min = groupFields.values(d.Groups["group/every-field/every-field"]), groupFields.values(d.Groups["group/minimal/minimal"])
	for _, name := range tableNames(KindGroup) {
		if full[name] == nil || lockfile.EqualJSON(full[name], min[name]) {
			t.Errorf("group field %s: the decoder does not read it from %s (got %s)", name, compatSpec, full[name])
		}
	}
}

// TestFieldTableCoversExpand: every key expand writes is a field or a
// non-field key, and loading expand's output gives every field its value
// back.
func TestFieldTableCoversExpand(t *testing.T) {
	d := loadCompatSpec(t)
	out, err := spec.Expand(d)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Communities []map[string]any `yaml:"communities"`
		Groups      []map[string]any `yaml:"groups"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Communities {
		for _, key := range uncovered(KindCommunity, "", c) {
			t.Errorf("expand writes community key %q, neither a field nor a non-field key", key)
		}
	}
	for _, g := range doc.Groups {
		for _, key := range uncovered(KindGroup, "", g) {
			t.Errorf("expand writes group key %q, neither a field nor a non-field key", key)
		}
	}

	path := filepath.Join(t.TempDir(), "expanded.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := spec.Load([]string{path})
	if err != nil {
		t.Fatalf("load expand's output: %v", err)
	}
	for h, c := range d.Communities {
		if got, want := communityFields.values(again.Communities[h]), communityFields.values(c); !reflect.DeepEqual(got, want) {
			t.Errorf("community %s through expand: %s, want %s", h, fieldsJSON(got), fieldsJSON(want))
		}
	}
	for a, g := range d.Groups {
		if got, want := groupFields.values(again.Groups[a]), groupFields.values(g); !reflect.DeepEqual(got, want) {
			t.Errorf("group %s through expand: %s, want %s", a, fieldsJSON(got), fieldsJSON(want))
		}
	}
}

func fieldsJSON(f lockfile.Fields) string {
	data, _ := json.Marshal(f)
	return string(data)
}

// TestFieldTableCoversSpecTypes: every piece of data in spec.Community and
// spec.Group, down to each key of a recorded video or an action, shows in
// some field's value, unless it is on nonFieldGoFields. A field the spec
// gains and the table forgets fails here.
func TestFieldTableCoversSpecTypes(t *testing.T) {
	checkSpecType(t, KindCommunity, communityFields)
	checkSpecType(t, KindGroup, groupFields)
}

func checkSpecType[S, R any](t *testing.T, kind string, table fieldTable[S, R]) {
	typ := reflect.TypeFor[S]()
	for i := range typ.NumField() {
		top := typ.Field(i)
		if nonFieldGoFields[kind][top.Name] != "" {
			continue
		}
		for _, leaf := range leavesOf(top.Type, []step{{field: i}}, typ.Name()+"."+top.Name) {
			obj := new(S)
			v := follow(reflect.ValueOf(obj).Elem(), leaf.path)
			before := table.values(obj)
			v.Set(nonZero(v.Type()))
			if after := table.values(obj); reflect.DeepEqual(before, after) {
				t.Errorf("spec.%s shows in no %s field: add it to the table, or to nonFieldGoFields with the reason", leaf.name, kind)
			}
		}
	}
}

// step is one step from a value to a part of it: a struct field, the
// pointee of a pointer ('*') or the first element of a slice ('0').
type step struct {
	field int
	into  byte
}

type leaf struct {
	path []step
	name string
}

// leavesOf lists the data in a value of type typ: scalars, lists of
// scalars and pointers to scalars; structs, pointers to structs and lists
// of structs are walked into.
func leavesOf(typ reflect.Type, path []step, name string) []leaf {
	walk := func(into byte, elem reflect.Type, suffix string) []leaf {
		return leavesOf(elem, append(slices.Clone(path), step{into: into}), name+suffix)
	}
	switch {
	case typ.Kind() == reflect.Struct:
		var out []leaf
		for i := range typ.NumField() {
			out = append(out, leavesOf(typ.Field(i).Type, append(slices.Clone(path), step{field: i}), name+"."+typ.Field(i).Name)...)
		}
		return out
	case typ.Kind() == reflect.Pointer && typ.Elem().Kind() == reflect.Struct:
		return walk('*', typ.Elem(), "")
	case typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.Struct:
		return walk('0', typ.Elem(), "[0]")
	}
	return []leaf{{path: path, name: name}}
}

// follow walks a path from v, making nil pointers and empty lists on the
// way hold one zero value.
func follow(v reflect.Value, path []step) reflect.Value {
	for _, s := range path {
		switch s.into {
		case '*':
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		case '0':
			if v.Len() == 0 {
				v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			}
			v = v.Index(0)
		default:
			v = v.Field(s.field)
		}
	}
	return v
}

// nonZero returns a value of typ that is not its zero value.
func nonZero(typ reflect.Type) reflect.Value {
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(typ.Elem()))
		v.Elem().Set(nonZero(typ.Elem()))
	case reflect.Slice:
		v.Set(reflect.Append(v, nonZero(typ.Elem())))
	default:
		panic("nonZero: add a case for " + typ.String())
	}
	return v
}

// TestCreateRefusesUnknownField: a recorded value this build has no field
// for is refused rather than dropped from the request.
func TestCreateRefusesUnknownField(t *testing.T) {
	values := lockfile.Fields{"name": json.RawMessage(`"G"`), "type": json.RawMessage(`4`), "colour": json.RawMessage(`"red"`)}
	if _, err := groupRequest(values, "chat-1", "cid", nil); err == nil || !strings.Contains(err.Error(), `"colour"`) {
		t.Errorf("err = %v", err)
	}
	if _, err := communityRequest("c", values); err == nil || !strings.Contains(err.Error(), `"colour"`) {
		t.Errorf("err = %v", err)
	}
}

// TestUpdateRefusesCreateOnlyField: update_conversation gets only what it
// can change.
func TestUpdateRefusesCreateOnlyField(t *testing.T) {
	for _, name := range []string{"type", "recorded_video", "unknown"} {
		_, err := updateRequest(updateBatch{fields: []FieldChange{{Name: name, After: json.RawMessage(`1`)}}})
		if err == nil || !strings.Contains(err.Error(), "update_conversation cannot change") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestLookupField: the exported view of the tables.
func TestLookupField(t *testing.T) {
	if f, ok := LookupField(KindGroup, "settings.discoverable"); !ok || !f.Updatable || !f.UnmanagedWhenAbsent {
		t.Errorf("group settings.discoverable = %+v, %v", f, ok)
	}
	if f, ok := LookupField(KindCommunity, "name"); !ok || f.Updatable {
		t.Errorf("community name = %+v, %v", f, ok)
	}
	if _, ok := LookupField(KindCommunity, "topics"); ok {
		t.Error("communities have no topics")
	}
}

// TestFieldTableAttributes pins what the API allows: changing one of these
// lists changes plans, and needs a reason from the API's documentation.
func TestFieldTableAttributes(t *testing.T) {
	var updatable, unmanaged, personal []string
	for _, kind := range []string{KindCommunity, KindGroup} {
		for _, name := range tableNames(kind) {
			f, _ := LookupField(kind, name)
			if f.Updatable {
				updatable = append(updatable, kind+"/"+name)
			}
			if f.UnmanagedWhenAbsent {
				unmanaged = append(unmanaged, kind+"/"+name)
			}
			if f.Personal {
				personal = append(personal, kind+"/"+name)
			}
		}
	}
	want := []string{"group/name", "group/description", "group/tags", "group/dp", "group/topics", "group/settings.discoverable"}
	if !slices.Equal(updatable, want) {
		t.Errorf("updatable = %v, want %v", updatable, want)
	}
	if want := []string{"group/dp", "group/settings.discoverable"}; !slices.Equal(unmanaged, want) {
		t.Errorf("unmanaged when absent = %v, want %v", unmanaged, want)
	}
	if len(personal) != 0 {
		t.Errorf("personal = %v, want none", personal)
	}
}

// TestDiffClearsOnlyManagedFields: a recorded value the spec leaves out is
// cleared by an update, unless its field is unmanaged when absent.
func TestDiffClearsOnlyManagedFields(t *testing.T) {
	st := loadCompatState(t)
	rec := st.Groups["group/minimal/minimal"]
	for name, value := range map[string]string{
		"description": `"old"`, "tags": `["x"]`, "topics": `[1]`, "dp": `"old.png"`, "settings.discoverable": `true`,
	} {
		rec.Fields[name] = json.RawMessage(value)
	}
	p := Diff(loadCompatSpec(t), st, Options{})
	if got := summaryOf(p); got != "group/minimal/minimal:update" {
		t.Fatalf("changes = %s", got)
	}
	if got, want := fieldNames(p.Changes[0].Fields), []string{"description", "tags", "topics"}; !slices.Equal(got, want) {
		t.Errorf("cleared %v, want %v", got, want)
	}
	req, err := updateRequest(updateBatch{fields: p.Changes[0].Fields})
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := json.Marshal(req); string(body) != `{"description":"","tags":"","topics":[]}` {
		t.Errorf("update_conversation body = %s", body)
	}
}

// TestUnchangedAgreesWithChanges checks the fast path of changes against
// the sorted comparison it skips: unchanged holds exactly when that finds
// no change, for every mix of absent, equal, equivalent and other values.
func TestUnchangedAgreesWithChanges(t *testing.T) {
	values := []json.RawMessage{nil, json.RawMessage(`null`), json.RawMessage(`"a"`), json.RawMessage(`"b"`),
		json.RawMessage(` "a" `), json.RawMessage(`true`), json.RawMessage(`[1, 2]`), json.RawMessage(`[1,2]`)}
	// name: updatable; settings.discoverable and dp: unmanaged when
	// absent; color: a field this build does not know.
	names := []string{"name", "settings.discoverable", "dp", "color"}
	fields := func(n int) lockfile.Fields {
		f := lockfile.Fields{}
		for _, name := range names {
			if v := values[n%len(values)]; v != nil {
				f[name] = v
			}
			n /= len(values)
		}
		return f
	}
	cases := 1
	for range names {
		cases *= len(values)
	}
	same := 0
	for i := 0; i < cases; i += 5 {
		for j := 0; j < cases; j += 41 {
			applied, want := fields(i), fields(j)
			sorted := groupFields.sortedChanges(applied, want)
			if got := groupFields.unchanged(applied, want); got != (len(sorted) == 0) {
				t.Fatalf("applied %s, want %s: unchanged = %v, the sorted comparison finds %v", applied, want, got, sorted)
			}
			if len(sorted) == 0 {
				same++
			}
		}
	}
	if same == 0 {
		t.Fatal("no case without changes was compared")
	}
}
