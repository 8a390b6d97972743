package lockfile

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReserial: a rendering with its serial replaced is the rendering of
// the state with that serial, whether or not its digits grow.
func TestReserial(t *testing.T) {
	st, err := Parse("base", []byte(baseLockfile))
	must(t, err)
	for _, serial := range []int64{9, 10, 99, 100, 7} {
		data, err := Marshal(st)
		must(t, err)
		st.Serial = serial
		want, _ := Marshal(st)
		if got := reserial(data, serial); string(got) != string(want) {
			t.Errorf("serial %d:\n%s\nwant\n%s", serial, got, want)
		}
	}
}

// TestMarshalEscapes: strings and field values are escaped as
// encoding/json escapes them, so that format 2 shows them as format 1 did;
// a field value is compact on its line.
func TestMarshalEscapes(t *testing.T) {
	st := New("https://x/?a=1&b=<2>")
	st.Communities["community/c"] = &Community{Handle: "c", Status: StatusPending, Fields: Fields{
		"name":    json.RawMessage("\"a <b> & c\u2028 \\u00e9 \\\" x, y: z\""),
		"actions": json.RawMessage(" [ {\"a\" : 1 ,\n \"b\":[ ]}, {} ] "),
	}}
	data, err := Marshal(st)
	must(t, err)
	for _, want := range []string{
		`"endpoint": "https://x/?a=1\u0026b=\u003c2\u003e",`,
		`"name": "a \u003cb\u003e \u0026 c\u2028 \u00e9 \" x, y: z"`,
		`"actions": [{"a": 1, "b": []}, {}],`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("no %s in\n%s", want, data)
		}
	}
	again, err := Parse("again", data)
	must(t, err)
	if got := string(again.Communities["community/c"].Fields["actions"]); got != `[{"a":1,"b":[]},{}]` {
		t.Errorf("read back as %s: want it compact", got)
	}
}

// TestMarshalRefusesWhatFormat2CannotHold: a member identity that is
// neither user:<id> nor phone:<digits>, or a field value that is not
// JSON, has no rendering.
func TestMarshalRefusesWhatFormat2CannotHold(t *testing.T) {
	for name, g := range map[string]*Group{
		"an identity":   {Status: StatusPending, ChatID: "c", Members: map[string]string{"email:a": ""}},
		"a field value": {Status: StatusPending, ChatID: "c", Fields: Fields{"name": json.RawMessage(`{`)}},
	} {
		st := New("sandbox")
		st.Groups["group/c/g"] = g
		if _, err := Marshal(st); err == nil || !strings.Contains(err.Error(), "group/c/g") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
