package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

// TestInvalidLockfilesAreRefusedWithPosition: every invalid lockfile of
// the corpus is refused by Load with the problem at file:line:col, and left
// byte for byte as it was.
func TestInvalidLockfilesAreRefusedWithPosition(t *testing.T) {
	for _, c := range InvalidLockfiles {
		t.Run(c.Name, func(t *testing.T) {
			content := c.Content()
			path := filepath.Join(t.TempDir(), "genuin.lock")
			must(t, os.WriteFile(path, []byte(content), 0o644))
			_, err := Load(path)
			var invalid *InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("want an *InvalidError, got %v", err)
			}
			line, col := lineCol([]byte(content), int64(c.offset()))
			want := fmt.Sprintf("%s:%d:%d: %s", path, line, col, c.Message)
			found := false
			for _, p := range invalid.Problems {
				found = found || p.String() == want
			}
			if !found {
				t.Errorf("want the problem\n%s\ngot\n%v", want, err)
			}
			if !strings.Contains(err.Error(), "left untouched") {
				t.Errorf("the message does not say the file was left untouched: %v", err)
			}
			if after, _ := os.ReadFile(path); string(after) != content {
				t.Error("a refused lockfile must be left untouched")
			}
		})
	}
}

func TestValidLockfilesLoad(t *testing.T) {
	want, err := Parse("base", []byte(baseLockfile))
	must(t, err)
	canonical, err := Marshal(want)
	must(t, err)
	if string(canonical) != baseLockfile {
		t.Fatalf("baseLockfile is not in genuinctl's own formatting:\n%s", canonical)
	}
	for name, content := range ValidLockfiles {
		t.Run(name, func(t *testing.T) {
			st, err := Parse("genuin.lock", []byte(content))
			must(t, err)
			if got, _ := Marshal(st); string(got) != baseLockfile {
				t.Errorf("loaded another state:\n%s", got)
			}
		})
	}
	if _, err := Parse("empty", []byte(emptyLockfile)); err != nil {
		t.Error(err)
	}
}

// TestFormatPairs: a format 1 lockfile and its format 2 rendering load
// into one state, which Marshal writes as the second, byte for byte.
func TestFormatPairs(t *testing.T) {
	for name, pair := range FormatPairs {
		t.Run(name, func(t *testing.T) {
			for i, content := range pair {
				st, err := Parse("genuin.lock", []byte(content))
				must(t, err)
				if st.FormatVersion != FormatVersion {
					t.Errorf("format %d read as format_version %d", i+1, st.FormatVersion)
				}
				if got, _ := Marshal(st); string(got) != pair[1] {
					t.Errorf("format %d written as:\n%s", i+1, got)
				}
			}
		})
	}
}

// TestFormat2OrderIsFree: the order of users, phones and user_member_ids
// as read does not matter; Marshal sorts them.
func TestFormat2OrderIsFree(t *testing.T) {
	pair := FormatPairs["phones and users"]
	shuffled := strings.NewReplacer(`"u0",
        "u1"`, `"u1",
        "u0"`, `"919800000000": "m-0",
        "919876543210": "m-1"`, `"919876543210": "m-1",
        "919800000000": "m-0"`).Replace(pair[1])
	if shuffled == pair[1] {
		t.Fatal("nothing shuffled")
	}
	st, err := Parse("genuin.lock", []byte(shuffled))
	must(t, err)
	if got, _ := Marshal(st); string(got) != pair[1] {
		t.Errorf("written as:\n%s", got)
	}
}

// TestUsersShareTheirIdentity: a member by user id keeps one string, its
// member id the identity's tail (a million memberships load in less
// memory).
func TestUsersShareTheirIdentity(t *testing.T) {
	for name, content := range map[string]string{"format 1": baseLockfileV1, "format 2": baseLockfile} {
		st, err := Parse("genuin.lock", []byte(content))
		must(t, err)
		for identity, id := range st.Groups["group/acme/one"].Members {
			if identity == "user:u1" && unsafe.StringData(identity[len("user:"):]) != unsafe.StringData(id) {
				t.Errorf("%s: the member id of %s is a string of its own", name, identity)
			}
		}
	}
}

// TestCompatLockfileLoads: the lockfile the first release wrote
// (reconcile/testdata/compat) loads, and its format 2 rendering loads
// into the same state.
func TestCompatLockfileLoads(t *testing.T) {
	data, err := os.ReadFile("../testdata/compat/lockfile-v1.json")
	must(t, err)
	st, err := Parse("lockfile-v1.json", data)
	must(t, err)
	out, err := Marshal(st)
	must(t, err)
	again, err := Parse("lockfile-v2.json", out)
	must(t, err)
	again2, _ := Marshal(again)
	if !bytes.Equal(out, again2) || len(again.Groups) != len(st.Groups) || len(again.Communities) != len(st.Communities) {
		t.Fatalf("format 2 rendering does not round-trip:\n%s", out)
	}
	for addr, g := range st.Groups {
		if h := again.Groups[addr]; !maps.Equal(g.Members, h.Members) || !maps.EqualFunc(g.Fields, h.Fields, func(a, b json.RawMessage) bool { return EqualJSON(a, b) }) {
			t.Errorf("%s: %+v\nbecame %+v", addr, g, h)
		}
	}
	if len(out) >= len(data) {
		t.Errorf("format 2 is %d bytes, format 1 %d", len(out), len(data))
	}
}

// TestAllProblemsAreReported: several problems come back together, sorted
// by position, each on its own line.
func TestAllProblemsAreReported(t *testing.T) {
	content := strings.NewReplacer(
		`"serial": 3`, `"serial": -3`,
		`"chat_id": "chat-2"`, `"chat_id": "chat-1"`,
		`"handle": "acme"`, `"handle": "other"`,
	).Replace(baseLockfile)
	_, err := Parse("genuin.lock", []byte(content))
	if err == nil {
		t.Fatal("accepted")
	}
	want := `genuin.lock: 3 problems; the lockfile was left untouched: correct it (git diff shows what changed) or restore it from git
genuin.lock:4:3: serial -3 is negative
genuin.lock:8:7: community/acme: handle "other" is not the handle of the address ("acme")
genuin.lock:43:7: group/acme/two: chat_id "chat-1" is also the chat_id of group/acme/one: each group has its own`
	if err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

// TestLockfilesWrittenAreValid: whatever Record accepts checkpoints into a
// lockfile that loads, for every kind of entry.
func TestLockfilesWrittenAreValid(t *testing.T) {
	f := openTemp(t)
	f.Init("sandbox")
	for _, e := range []Entry{
		{Op: OpPut, Address: "community/c", Community: &Community{Handle: "c", Status: StatusPending, Fields: Fields{"name": json.RawMessage(`"C"`)}}},
		{Op: OpCreated, Address: "community/c", ID: "cid", ShareURL: "https://x/c"},
		{Op: OpPut, Address: "group/c/g", Group: &Group{Community: "community/c", CommunityID: "cid", Status: StatusPending, ChatID: "chat",
			CreateMembers: []string{"user:a", "user:b"}}},
		{Op: OpCreated, Address: "group/c/g"},
		{Op: OpMembers, Address: "group/c/g", Added: map[string]string{"phone:91": ""}, Removed: []string{"user:a"}},
		{Op: OpFields, Address: "group/c/g", Fields: Fields{"tags": json.RawMessage(`["x"]`)}, Cleared: []string{"name"}},
		{Op: OpMove, Address: "group/c/g", To: "group/c/h"},
		{Op: OpPut, Address: "group/c/g", Group: &Group{Community: "community/c", CommunityID: "cid", Status: StatusPending, ChatID: "chat2"}},
		{Op: OpDelete, Address: "group/c/g"},
	} {
		must(t, f.Record(e))
	}
	must(t, f.Close())
	again, err := Load(f.Path())
	must(t, err)
	g := again.State().Groups["group/c/h"]
	if g == nil || g.ChatID != "chat" || len(again.State().Groups) != 1 || g.Members["user:b"] != "b" || g.Members["user:a"] != "" {
		t.Errorf("state after reload: %+v", again.State().Groups)
	}
}

// TestRecordRefusesInvalidEntries: an entry that would break a rule is
// refused before anything is written: no journal appears, the state is
// unchanged.
func TestRecordRefusesInvalidEntries(t *testing.T) {
	group := func(chat string) *Group { return &Group{Community: "community/c", Status: StatusPending, ChatID: chat} }
	cases := map[string]struct {
		e    Entry
		want string
	}{
		"unknown op":            {Entry{Op: "rename", Address: "group/c/g"}, `unknown operation "rename"`},
		"put without a record":  {Entry{Op: OpPut, Address: "group/c/x"}, "put group/c/x: no record to store"},
		"put with both records": {Entry{Op: OpPut, Address: "group/c/x", Group: group("x"), Community: &Community{Handle: "c", Status: StatusPending}}, "both a community and a group"},
		"put of another group's chat_id": {Entry{Op: OpPut, Address: "group/c/x", Group: group("chat")},
			`put group/c/x: chat_id "chat" is already the chat_id of group/c/g`},
		"put with an empty chat_id":    {Entry{Op: OpPut, Address: "group/c/x", Group: group("")}, "chat_id is empty"},
		"put with an unknown status":   {Entry{Op: OpPut, Address: "group/c/x", Group: &Group{Status: "done", ChatID: "x"}}, `status "done"`},
		"put at a bad address":         {Entry{Op: OpPut, Address: "group/c", Group: group("x")}, "is not an address"},
		"put of a community as group":  {Entry{Op: OpPut, Address: "group/c/x", Community: &Community{Handle: "c", Status: StatusPending}}, "is a group's address"},
		"put with another handle":      {Entry{Op: OpPut, Address: "community/c", Community: &Community{Handle: "d", Status: StatusPending}}, `handle "d"`},
		"put created without id":       {Entry{Op: OpPut, Address: "community/c", Community: &Community{Handle: "c", Status: StatusCreated}}, "must have its community_id"},
		"created community without id": {Entry{Op: OpCreated, Address: "community/c"}, "a created community must have its community_id"},
		"created of nothing":           {Entry{Op: OpCreated, Address: "group/c/none"}, "no such record"},
		"created with fields":          {Entry{Op: OpCreated, Address: "group/c/g", Fields: Fields{}}, "a created entry takes no fields"},
		"members of a community":       {Entry{Op: OpMembers, Address: "community/c", Added: map[string]string{"user:a": "a"}}, "applies to a group"},
		"members not identities":       {Entry{Op: OpMembers, Address: "group/c/g", Added: map[string]string{"a": "a"}}, `member "a" is not`},
		"a phone not in digits":        {Entry{Op: OpMembers, Address: "group/c/g", Added: map[string]string{"phone:+91 98765 43210": "m"}}, `is not user:<id> or phone:<digits>`},
		"move to another community":    {Entry{Op: OpMove, Address: "group/c/g", To: "group/d/g"}, "it can move only to another key in c"},
		"move to a community address":  {Entry{Op: OpMove, Address: "group/c/g", To: "community/c"}, "moves only to a group's address"},
		"move onto a record":           {Entry{Op: OpMove, Address: "group/c/g", To: "group/c/h"}, "group/c/h is already recorded"},
		"move of nothing":              {Entry{Op: OpMove, Address: "group/c/none", To: "group/c/new"}, "no such group"},
		"members: a user with another member id": {Entry{Op: OpMembers, Address: "group/c/g", Added: map[string]string{"user:a": "b"}},
			`member "user:a" has member id "b": a member added by user id has its user id as member id ("a")`},
		"members: a member id with an escape": {Entry{Op: OpMembers, Address: "group/c/g", Added: map[string]string{"phone:91": "\x1b[2J"}},
			`member id "\x1b[2J" contains a control character`},
		"put with a chat_id with an escape": {Entry{Op: OpPut, Address: "group/c/x", Group: group("x\x1b]0;PWNED\a")},
			`chat_id "x\x1b]0;PWNED\a" contains a control character`},
		"created with a share_url with a space": {Entry{Op: OpCreated, Address: "group/c/g", ID: "g", ShareURL: "https://x/g "},
			`share_url "https://x/g " has leading or trailing whitespace`},
		"created with an id not UTF-8": {Entry{Op: OpCreated, Address: "group/c/g", ID: "g\xff"}, `id "g\xff" is not valid UTF-8`},
		"create_members when created":  {Entry{Op: OpPut, Address: "group/c/x", Group: &Group{Status: StatusCreated, ChatID: "x", CreateMembers: []string{"user:a"}}}, "pending create only"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "genuin.lock")
			f, err := Open(path, 0, "test")
			must(t, err)
			f.Init("sandbox")
			must(t, f.Record(Entry{Op: OpPut, Address: "group/c/g", Group: group("chat")}))
			must(t, f.Record(Entry{Op: OpPut, Address: "group/c/h", Group: group("chat-h")}))
			must(t, f.Checkpoint())
			before, _ := Marshal(f.State())
			journal, _ := os.ReadFile(JournalPath(path))
			err = f.Record(c.e)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error with %q, got %v", c.want, err)
			}
			if after, _ := Marshal(f.State()); string(after) != string(before) {
				t.Errorf("a refused entry changed the state:\n%s", after)
			}
			if after, _ := os.ReadFile(JournalPath(path)); string(after) != string(journal) {
				t.Error("a refused entry was written to the journal")
			}
			must(t, f.Close())
		})
	}
}

// TestValidateState covers State.Validate, for states built in code.
func TestValidateState(t *testing.T) {
	st := New("sandbox")
	must(t, st.Validate())
	st.Serial = math.MaxInt64
	st.Groups["group/c/g"] = nil
	st.Communities["community/c"] = &Community{Handle: "c", Status: StatusCreated}
	err := st.Validate()
	want := `3 problems; the state is invalid
serial 9223372036854775807 leaves no room for the next write
community/c: a created community must have its community_id
group/c/g: the record is null`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

// TestCheckpointNeverWritesAnInvalidState: a state broken behind Record's
// back is not written; the journal keeps what was recorded.
func TestCheckpointNeverWritesAnInvalidState(t *testing.T) {
	f := openTemp(t)
	f.Init("sandbox")
	must(t, f.Record(Entry{Op: OpPut, Address: "group/c/g", Group: sampleGroup()}))
	f.State().Groups["group/c/g"].Status = "confused"
	err := f.Checkpoint()
	if err == nil || !strings.Contains(err.Error(), `group/c/g: status "confused"`) {
		t.Fatalf("want the invalid state refused, got %v", err)
	}
	if _, err := os.Stat(f.Path()); !os.IsNotExist(err) {
		t.Error("an invalid state was written")
	}
	if _, err := os.Stat(JournalPath(f.Path())); err != nil {
		t.Error("the journal is gone")
	}
}

// BenchmarkParse measures loading a 10,000-group lockfile, with
// encoding/json's decoding of the same bytes for comparison: Parse
// decodes, checks the shape and checks the rules in one walk.
func BenchmarkParse(b *testing.B) {
	st := New("sandbox")
	st.Communities["community/acme"] = &Community{Handle: "acme", Status: StatusCreated, CommunityID: "c-1"}
	for i := range 10000 {
		g := &Group{Community: "community/acme", CommunityID: "c-1", Status: StatusCreated, ChatID: NewUUID(), GroupID: NewUUID(),
			Fields:  Fields{"name": json.RawMessage(fmt.Sprintf(`"Group %d"`, i)), "tags": json.RawMessage(`["a","b"]`)},
			Members: map[string]string{}}
		for j := range 3 {
			g.Members[fmt.Sprintf("user:%d", (i+j)%50)] = fmt.Sprintf("%d", (i+j)%50)
		}
		st.Groups[fmt.Sprintf("group/acme/g%05d", i)] = g
	}
	data, err := Marshal(st)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Parse("genuin.lock", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode only", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var st State
			if err := json.Unmarshal(data, &st); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestUncertainUserMemberIsValid: a user member recorded with no member id
// (an add whose answer was lost) is valid; with another user's id it is not.
func TestUncertainUserMemberIsValid(t *testing.T) {
	for _, content := range []string{
		strings.Replace(baseLockfileV1, `"user:u1": "u1"`, `"user:u1": ""`, 1),
		baseLockfile, // user_member_ids "u9": ""
	} {
		if _, err := Parse("genuin.lock", []byte(content)); err != nil {
			t.Error(err)
		}
	}
}
