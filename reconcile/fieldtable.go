package reconcile

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// Field is what genuinctl knows of one value of a community or a group.
// Each field is declared once, in the table of its kind (communityFields
// and groupFields in fields.go): Diff, the create and update requests,
// import and the text rendering read it there, and nothing else names it.
type Field struct {
	// Name names the field in the lockfile and the plan: its key in the
	// spec, dotted for a nested one ("settings.discoverable").
	Name string
	// Updatable fields can be changed by update_conversation. The others
	// are create-only: a change to one is blocked.
	Updatable bool
	// UnmanagedWhenAbsent fields are left as applied when the spec leaves
	// them out, rather than cleared.
	UnmanagedWhenAbsent bool
	// Personal fields hold personal data: renderings mask their values
	// unless asked not to. None does yet: members, whose phone numbers are
	// the personal data genuinctl handles, are not fields.
	Personal bool
}

// LookupField returns the field named name of a kind of object
// (KindCommunity or KindGroup); false when that kind has no such field.
func LookupField(kind, name string) (Field, bool) {
	switch kind {
	case KindCommunity:
		return communityFields.lookup(name)
	case KindGroup:
		return groupFields.lookup(name)
	}
	return Field{}, false
}

// fieldDef is a Field of objects that the spec declares as an S and the
// API creates with an R, with the conversions of its value.
//
// The lockfile and the plan hold a value in the lockfile's own encoding:
// the JSON of a plain Go value built from the spec (a string, a list, or a
// struct of this package), never of a wire struct of internal/genuin, so
// that a field added to a request changes no recorded value. The wire
// mapping goes from that encoding to a request, never back.
type fieldDef[S, R any] struct {
	Field
	// value reads the field from the spec: its encoding, or nil when the
	// spec leaves it unset.
	value func(obj *S) json.RawMessage
	// create sets the create request's field from a recorded value.
	create func(req *R, value json.RawMessage) error
	// update sets the update_conversation request's field from a recorded
	// value, nil when the spec cleared the field; nil for create-only fields.
	update func(req *genuin.UpdateConversationRequest, value json.RawMessage) error
	// valueType is the Go type whose JSON is the field's encoding.
	valueType reflect.Type
}

// createOnly declares a field that only the create request sets. get reads
// the spec's value and whether the spec sets it; the value's JSON is the
// lockfile's encoding, and set puts it into the create request.
func createOnly[V, S, R any](name string, get func(*S) (V, bool), set func(*R, V)) fieldDef[S, R] {
	return fieldDef[S, R]{
		Field: Field{Name: name},
		value: func(obj *S) json.RawMessage {
			v, ok := get(obj)
			if !ok {
				return nil
			}
			data, err := json.Marshal(v)
			if err != nil {
				panic(fmt.Sprintf("encode field %s: %v", name, err)) // plain data: cannot fail
			}
			return data
		},
		create:    decoded(set),
		valueType: reflect.TypeFor[V](),
	}
}

// updatable declares a field that update_conversation can change too:
// update puts a value into its request. A field the spec cleared reaches
// update as V's zero value (an empty description, no tags, no topics).
func updatable[V, S, R any](name string, get func(*S) (V, bool), set func(*R, V), update func(*genuin.UpdateConversationRequest, V)) fieldDef[S, R] {
	f := createOnly(name, get, set)
	f.Updatable = true
	f.update = decoded(update)
	return f
}

// unmanagedWhenAbsent marks a field that the spec stops managing when it
// leaves it out.
func unmanagedWhenAbsent[S, R any](f fieldDef[S, R]) fieldDef[S, R] {
	f.UnmanagedWhenAbsent = true
	return f
}

// decoded turns a setter of V values into a setter of encoded ones; nil
// stands for V's zero value.
func decoded[V, R any](set func(*R, V)) func(*R, json.RawMessage) error {
	return func(req *R, value json.RawMessage) error {
		var v V
		if value != nil {
			if err := json.Unmarshal(value, &v); err != nil {
				return err
			}
		}
		set(req, v)
		return nil
	}
}

// The presence rules say when the spec sets a field. A field it leaves
// unset has no value in the lockfile or the plan.

// always: every object has the field.
func always[S, V any](get func(*S) V) func(*S) (V, bool) {
	return func(obj *S) (V, bool) { return get(obj), true }
}

// ifText: the field is set when it is not empty.
func ifText[S any](get func(*S) string) func(*S) (string, bool) {
	return func(obj *S) (string, bool) { v := get(obj); return v, v != "" }
}

// ifList: the field is set when it has an element.
func ifList[S, E any](get func(*S) []E) func(*S) ([]E, bool) {
	return func(obj *S) ([]E, bool) { v := get(obj); return v, len(v) > 0 }
}

// ifTrue: the flag is set when it is true.
func ifTrue[S any](get func(*S) bool) func(*S) (bool, bool) {
	return func(obj *S) (bool, bool) { v := get(obj); return v, v }
}

// ifGiven: the field is set when the spec gives it, even as false or 0.
func ifGiven[S, V any](get func(*S) *V) func(*S) (V, bool) {
	return func(obj *S) (V, bool) {
		p := get(obj)
		if p == nil {
			var zero V
			return zero, false
		}
		return *p, true
	}
}

// fieldTable declares every field of one kind of object.
type fieldTable[S, R any] []fieldDef[S, R]

// field returns the field named name, or nil.
func (t fieldTable[S, R]) field(name string) *fieldDef[S, R] {
	for i := range t {
		if t[i].Name == name {
			return &t[i]
		}
	}
	return nil
}

// lookup returns the Field named name; false when there is none.
func (t fieldTable[S, R]) lookup(name string) (Field, bool) {
	if f := t.field(name); f != nil {
		return f.Field, true
	}
	return Field{}, false
}

// values reads every field the spec sets on obj, in the lockfile's encoding.
func (t fieldTable[S, R]) values(obj *S) lockfile.Fields {
	values := lockfile.Fields{}
	for _, f := range t {
		if v := f.value(obj); v != nil {
			values[f.Name] = v
		}
	}
	return values
}

// updatable reports whether update_conversation can change the field
// named name; a name the table does not know is not.
func (t fieldTable[S, R]) updatable(name string) bool {
	f := t.field(name)
	return f != nil && f.Updatable
}

// changes lists the fields whose applied value differs from the wanted
// one, sorted by name. A field unmanaged when absent that the spec leaves
// out is not a change.
func (t fieldTable[S, R]) changes(applied, want lockfile.Fields) []FieldChange {
	if t.unchanged(applied, want) {
		return nil // the usual case, told without sorting the names
	}
	return t.sortedChanges(applied, want)
}

// sortedChanges is changes, name by name in sorted order.
func (t fieldTable[S, R]) sortedChanges(applied, want lockfile.Fields) []FieldChange {
	var out []FieldChange
	for _, name := range sortedNames(applied, want) {
		before, after := applied[name], want[name]
		if f := t.field(name); after == nil && f != nil && f.UnmanagedWhenAbsent {
			continue
		}
		if !lockfile.EqualJSON(before, after) {
			out = append(out, FieldChange{Name: name, Before: before, After: after})
		}
	}
	return out
}

// unchanged reports whether sortedChanges(applied, want) would find none,
// without sorting the names or allocating.
func (t fieldTable[S, R]) unchanged(applied, want lockfile.Fields) bool {
	for name, after := range want {
		if !lockfile.EqualJSON(applied[name], after) {
			return false
		}
	}
	for name, before := range applied {
		if _, ok := want[name]; ok {
			continue
		}
		if f := t.field(name); (f == nil || !f.UnmanagedWhenAbsent) && !lockfile.EqualJSON(before, nil) {
			return false
		}
	}
	return true
}

// fill sets the create request's fields from recorded values. A value
// whose field this build does not know is an error, not dropped: the
// request would not be the one recorded.
func (t fieldTable[S, R]) fill(req *R, values lockfile.Fields) error {
	for _, name := range sortedNames(values, nil) {
		f := t.field(name)
		if f == nil {
			return fmt.Errorf("field %q: not a field this version of genuinctl knows", name)
		}
		if err := f.create(req, values[name]); err != nil {
			return fmt.Errorf("field %s: %w", name, err)
		}
	}
	return nil
}
