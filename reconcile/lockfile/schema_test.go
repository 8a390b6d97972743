package lockfile_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/schema"
)

// TestLockfileMatchesSchema validates a real lockfile, with every kind of
// record, against schema/lockfile.schema.json.
func TestLockfileMatchesSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource("lockfile.schema.json", bytes.NewReader(schema.Lockfile)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("lockfile.schema.json")
	if err != nil {
		t.Fatal(err)
	}
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
			Status: lockfile.StatusPending, ChatID: "chat", Fields: lockfile.Fields{"tags": json.RawMessage(`["a"]`)}}},
		{Op: lockfile.OpCreated, Address: "group/c/g", ID: "gid"},
		{Op: lockfile.OpMembers, Address: "group/c/g", Added: map[string]string{"user:u": "u", "phone:919876543210": ""}},
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
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("the lockfile does not match its schema: %#v\n%s", err, data)
	}
}
