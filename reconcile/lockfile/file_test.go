package lockfile

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openTemp(t *testing.T) *File {
	t.Helper()
	f, err := Open(filepath.Join(t.TempDir(), "genuin.lock"), 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func sampleGroup() *Group {
	return &Group{Community: "community/c", Status: StatusPending, ChatID: "chat",
		Fields: Fields{"name": json.RawMessage(`"G"`)}}
}

func TestCheckpointRoundTripAndSerial(t *testing.T) {
	f := openTemp(t)
	if f.State() != nil {
		t.Fatal("a missing lockfile must load with no state")
	}
	st := f.Init("sandbox")
	must(t, f.Record(Entry{Op: OpPut, Address: "group/c/g", Group: sampleGroup()}))
	must(t, f.Record(Entry{Op: OpCreated, Address: "group/c/g", ID: "gid"}))
	must(t, f.Record(Entry{Op: OpMembers, Address: "group/c/g", Added: map[string]string{"user:u": "u"}}))
	must(t, f.Checkpoint())
	first, _ := os.ReadFile(f.Path())
	if st.Serial != 1 || !strings.HasSuffix(string(first), "}\n") {
		t.Fatalf("serial %d, content %q", st.Serial, first)
	}
	// A checkpoint that changes nothing writes nothing and keeps the serial.
	must(t, f.Checkpoint())
	if st.Serial != 1 {
		t.Fatalf("no-op checkpoint moved the serial to %d", st.Serial)
	}
	must(t, f.Close())
	if _, err := os.Stat(JournalPath(f.Path())); !os.IsNotExist(err) {
		t.Error("Close must remove the journal")
	}

	again, err := Load(f.Path())
	must(t, err)
	g := again.State().Groups["group/c/g"]
	if again.State().Lineage != st.Lineage || g.Status != StatusCreated || g.GroupID != "gid" || g.Members["user:u"] != "u" {
		t.Fatalf("round trip lost data: %+v", g)
	}
	data, _ := Marshal(again.State())
	if string(data) != string(first) {
		t.Error("the file is not the deterministic rendering of the state")
	}
}

// TestJournalReplayAfterCrash leaves a journal behind, as a killed process
// would, and checks that Load rebuilds the same state.
func TestJournalReplayAfterCrash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "genuin.lock")
	f, err := Open(path, 0, "test")
	must(t, err)
	f.Init("sandbox")
	must(t, f.Record(Entry{Op: OpPut, Address: "group/c/g", Group: sampleGroup()}))
	must(t, f.Checkpoint())
	must(t, f.Record(Entry{Op: OpCreated, Address: "group/c/g", ID: "gid", ShareURL: "u"}))
	must(t, f.Record(Entry{Op: OpFields, Address: "group/c/g", Fields: Fields{"tags": json.RawMessage(`["x"]`)}, Cleared: []string{"name"}}))
	must(t, f.Record(Entry{Op: OpMembers, Address: "group/c/g", Added: map[string]string{"phone:91": "m1", "user:u": "u"}}))
	must(t, f.Record(Entry{Op: OpMembers, Address: "group/c/g", Removed: []string{"user:u"}}))
	want, _ := Marshal(f.State())
	die(f) // the process dies: no checkpoint, the journal stays

	// A torn last line (a crash in the middle of an append) is dropped.
	j, err := os.OpenFile(JournalPath(path), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = j.WriteString(`1234abcd {"op":"delete","addr`)
	must(t, err)
	j.Close()

	again, err := Open(path, 0, "test")
	must(t, err)
	if again.Recovered() != 4 {
		t.Errorf("recovered %d entries, want 4", again.Recovered())
	}
	got, _ := Marshal(again.State())
	if string(got) != string(want) {
		t.Fatalf("replayed state differs:\n%s\nwant\n%s", got, want)
	}
	// Appending after a torn line cuts it off first.
	must(t, again.Record(Entry{Op: OpCreated, Address: "group/c/g", ID: "gid2"}))
	die(again)
	third, err := Load(path)
	must(t, err)
	if third.State().Groups["group/c/g"].GroupID != "gid2" {
		t.Error("entry appended after a torn line was lost")
	}
}

func TestStaleJournalIsIgnored(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "genuin.lock")
	f, err := Open(path, 0, "test")
	must(t, err)
	f.Init("sandbox")
	must(t, f.Record(Entry{Op: OpPut, Address: "group/c/g", Group: sampleGroup()}))
	stale, _ := os.ReadFile(JournalPath(path))
	must(t, f.Close())
	// A crash between the lockfile's rename and the journal's reset leaves
	// a journal of the previous serial: its entries are already folded in.
	must(t, os.WriteFile(JournalPath(path), stale, 0o644))
	again, err := Load(path)
	must(t, err)
	if again.Recovered() != 0 || again.State().Serial != 1 {
		t.Fatalf("recovered %d, serial %d", again.Recovered(), again.State().Serial)
	}
}

func TestDamagedFilesAreReportedAndKept(t *testing.T) {
	lockfiles := map[string]string{
		"truncated lockfile":      "{\n  \"format_version\": 1,\n  \"lineage\": \"x\",\n  \"groups\": {",
		"wrong type in lockfile":  "{\n  \"format_version\": 1,\n  \"lineage\": \"x\",\n  \"serial\": \"seven\"\n}\n",
		"unknown field":           "{\n  \"format_version\": 1,\n  \"lineage\": \"x\",\n  \"surprise\": 1\n}\n",
		"future lockfile version": "{\n  \"format_version\": 99,\n  \"lineage\": \"x\"\n}\n",
	}
	for name, content := range lockfiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "genuin.lock")
			must(t, os.WriteFile(path, []byte(content), 0o644))
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("want an error naming the file, got %v", err)
			}
			if after, _ := os.ReadFile(path); string(after) != content {
				t.Error("a damaged lockfile must be left untouched")
			}
		})
	}
	t.Run("corrupt journal line", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "genuin.lock")
		f, err := Open(path, 0, "test")
		must(t, err)
		f.Init("sandbox")
		must(t, f.Record(Entry{Op: OpPut, Address: "group/c/g", Group: sampleGroup()}))
		must(t, f.Record(Entry{Op: OpCreated, Address: "group/c/g", ID: "gid"}))
		die(f)
		data, _ := os.ReadFile(JournalPath(path))
		broken := strings.Replace(string(data), `"gid"`, `"gix"`, 1)
		must(t, os.WriteFile(JournalPath(path), []byte(broken), 0o644))
		_, err = Load(path)
		if err == nil || !strings.Contains(err.Error(), JournalPath(path)+":3: journal is damaged (checksum mismatch)") {
			t.Fatalf("want a positioned checksum error, got %v", err)
		}
		if after, _ := os.ReadFile(JournalPath(path)); string(after) != broken {
			t.Error("a damaged journal must be left untouched")
		}
	})
}

func TestSyntaxErrorHasPosition(t *testing.T) {
	_, err := Parse("genuin.lock", []byte("{\n  \"format_version\": 1,\n  \"lineage\": x\n}"))
	if err == nil || !strings.Contains(err.Error(), "genuin.lock:3:") {
		t.Fatalf("want genuin.lock:3:col, got %v", err)
	}
}

func TestLockIsExclusiveAndNamesTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuin.lock")
	first, err := Open(path, 0, "genuinctl apply")
	must(t, err)
	_, err = Open(path, 0, "genuinctl apply")
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Holder.PID != os.Getpid() || locked.Holder.Command != "genuinctl apply" {
		t.Fatalf("want a LockedError naming this process, got %v", err)
	}
	if !strings.Contains(err.Error(), "pid ") || !strings.Contains(err.Error(), "since ") || !strings.Contains(err.Error(), "pass --lock-timeout") {
		t.Errorf("message lacks the holder or the advice: %v", err)
	}
	// One that waited in vain is not told to pass the flag it passed.
	_, err = Open(path, 150*time.Millisecond, "genuinctl apply")
	if !errors.As(err, &locked) || !strings.Contains(err.Error(), "still locked by pid") ||
		!strings.Contains(err.Error(), "after waiting 150ms") || strings.Contains(err.Error(), "pass --lock-timeout") {
		t.Errorf("after --lock-timeout 150ms: %v", err)
	}
	// A waiter gets the lock once the holder lets go.
	go func() {
		time.Sleep(100 * time.Millisecond)
		first.Close()
	}()
	second, err := Open(path, 5*time.Second, "genuinctl apply")
	must(t, err)
	must(t, second.Close())
}

func TestReadOnlyFileRefusesWrites(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "genuin.lock"))
	must(t, err)
	f.Init("sandbox")
	if err := f.Record(Entry{Op: OpDelete, Address: "group/c/g"}); err == nil {
		t.Error("Record on a read-only File must fail")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestIgnoredJournalIsRemoved: a journal Load ignores (empty, a torn header,
// an older serial) is removed by an explicit Checkpoint, even with nothing
// recorded, so no file looks like unsaved results; a Close with nothing
// recorded leaves it, as it leaves everything.
func TestIgnoredJournalIsRemoved(t *testing.T) {
	for name, content := range map[string]string{"empty": "", "torn header": `1234abcd {"journal":1,"lin`} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "genuin.lock")
			f, err := Open(path, 0, "test")
			must(t, err)
			f.Init("sandbox")
			must(t, f.Record(Entry{Op: OpPut, Address: "group/c/g", Group: sampleGroup()}))
			must(t, f.Close())
			must(t, os.WriteFile(JournalPath(path), []byte(content), 0o644))

			again, err := Open(path, 0, "test")
			must(t, err)
			must(t, again.Close())
			if _, err := os.Stat(JournalPath(path)); err != nil {
				t.Errorf("a Close with nothing recorded removed the journal (%v)", err)
			}

			again, err = Open(path, 0, "test")
			must(t, err)
			must(t, again.Checkpoint())
			must(t, again.Close())
			if _, err := os.Stat(JournalPath(path)); !os.IsNotExist(err) {
				t.Errorf("the ignored journal is still there after a checkpoint (%v)", err)
			}
		})
	}
}

// TestNothingRecordedNothingWritten: a File that records nothing writes
// nothing, whatever the lockfile's formatting: no re-formatting, no serial
// bump, no journal created or removed. Recording something that changes
// nothing rewrites nothing either: content is compared in canonical form.
func TestNothingRecordedNothingWritten(t *testing.T) {
	for name, content := range ValidLockfiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "genuin.lock")
			must(t, os.WriteFile(path, []byte(content), 0o644))
			unchanged := func(when string) {
				t.Helper()
				if after, _ := os.ReadFile(path); string(after) != content {
					t.Errorf("%s: the lockfile was rewritten:\n%s", when, after)
				}
				if _, err := os.Stat(JournalPath(path)); !os.IsNotExist(err) {
					t.Errorf("%s: a journal was left (%v)", when, err)
				}
			}

			f, err := Open(path, 0, "test")
			must(t, err)
			must(t, f.Close())
			unchanged("open and close")

			f, err = Open(path, 0, "test")
			must(t, err)
			if err := f.Record(Entry{Op: OpPut, Address: "group/acme/x", Group: &Group{Status: StatusPending, ChatID: "chat-1"}}); err == nil {
				t.Fatal("a put of another group's chat_id was accepted")
			}
			must(t, f.Checkpoint())
			must(t, f.Close())
			unchanged("a refused entry and a checkpoint")

			f, err = Open(path, 0, "test")
			must(t, err)
			must(t, f.Record(Entry{Op: OpDelete, Address: "group/acme/absent"}))
			must(t, f.Record(Entry{Op: OpFields, Address: "group/acme/two", Fields: Fields{"name": json.RawMessage(`"Two"`)}}))
			must(t, f.Close())
			unchanged("entries that change nothing")
			if f.State().Serial != 3 {
				t.Errorf("serial %d, want 3", f.State().Serial)
			}
		})
	}
}

// TestInitWritesNothing: a command that initialises a state and records
// nothing (an import that was refused) leaves no lockfile behind.
func TestInitWritesNothing(t *testing.T) {
	f := openTemp(t)
	f.Init("sandbox")
	must(t, f.Checkpoint())
	must(t, f.Close())
	for _, p := range []string{f.Path(), JournalPath(f.Path())} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was written (%v)", p, err)
		}
	}
}

// TestReplayedJournalIsFoldedByCheckpointOnly: a journal a killed run left
// is folded in by an explicit Checkpoint (apply with nothing to change),
// never by a Close with nothing recorded (a refused command).
func TestReplayedJournalIsFoldedByCheckpointOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuin.lock")
	must(t, os.WriteFile(path, []byte(strings.ReplaceAll(baseLockfile, "\n", "\r\n")), 0o644))
	f, err := Open(path, 0, "test")
	must(t, err)
	must(t, f.Record(Entry{Op: OpCreated, Address: "group/acme/two", ID: "g-2"}))
	die(f) // the process dies: the journal stays
	lockBefore, _ := os.ReadFile(path)
	journalBefore, _ := os.ReadFile(JournalPath(path))

	f, err = Open(path, 0, "test")
	must(t, err)
	if f.Recovered() != 1 {
		t.Fatalf("recovered %d", f.Recovered())
	}
	must(t, f.Close())
	lockAfter, _ := os.ReadFile(path)
	journalAfter, _ := os.ReadFile(JournalPath(path))
	if string(lockAfter) != string(lockBefore) || string(journalAfter) != string(journalBefore) {
		t.Fatal("a Close with nothing recorded changed the lockfile or the journal")
	}

	f, err = Open(path, 0, "test")
	must(t, err)
	must(t, f.Checkpoint())
	must(t, f.Close())
	if _, err := os.Stat(JournalPath(path)); !os.IsNotExist(err) {
		t.Error("the checkpoint left the journal")
	}
	folded, err := Load(path)
	must(t, err)
	if g := folded.State().Groups["group/acme/two"]; folded.State().Serial != 4 || g.Status != StatusCreated || g.Members["user:u2"] != "u2" {
		t.Errorf("serial %d, group %+v", folded.State().Serial, g)
	}
}

// TestLoadRefusesNonRegularFiles: a lockfile or journal committed as a
// symlink to a device is refused before a byte of it is read.
func TestLoadRefusesNonRegularFiles(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	for _, name := range []string{"genuin.lock", "genuin.lock.journal"} {
		dir := t.TempDir()
		if err := os.Symlink("/dev/zero", filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		_, err := Load(filepath.Join(dir, "genuin.lock"))
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s -> /dev/zero: %v", name, err)
		}
	}
}

// TestRebind: a rebound lockfile is written at once, with its journal
// removed, so that a journal written after it (and left by a crash) names
// the same endpoint as the lockfile and replays.
func TestRebind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuin.lock")
	must(t, os.WriteFile(path, []byte(baseLockfile), 0o644))
	f, err := Open(path, 0, "test")
	must(t, err)
	serial := f.State().Serial
	must(t, f.Rebind("sandbox:other"))
	must(t, f.Record(Entry{Op: OpCreated, Address: "group/acme/two", ID: "g-2"}))
	die(f) // the process dies: the journal stays

	again, err := Load(path)
	must(t, err)
	if st := again.State(); st.Endpoint != "sandbox:other" || st.Serial != serial+1 || again.Recovered() != 1 {
		t.Fatalf("after a rebind and a crash: endpoint %q serial %d recovered %d", st.Endpoint, st.Serial, again.Recovered())
	}
	ro, err := Load(path)
	must(t, err)
	if err := ro.Rebind("x"); !errors.Is(err, errReadOnly) {
		t.Errorf("Rebind of a read-only File = %v", err)
	}
}

// TestFormat1IsRewrittenByAWriteOnly: a format 1 lockfile stays as it is
// through commands that change nothing, and becomes format 2, serial
// plus one, at the first checkpoint that writes.
func TestFormat1IsRewrittenByAWriteOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuin.lock")
	must(t, os.WriteFile(path, []byte(baseLockfileV1), 0o644))
	f, err := Open(path, 0, "test")
	must(t, err)
	must(t, f.Record(Entry{Op: OpFields, Address: "group/acme/two", Fields: Fields{"name": json.RawMessage(`"Two"`)}}))
	must(t, f.Checkpoint())
	must(t, f.Close())
	if data, _ := os.ReadFile(path); string(data) != baseLockfileV1 {
		t.Fatalf("a checkpoint that changes nothing rewrote format 1:\n%s", data)
	}

	f, err = Open(path, 0, "test")
	must(t, err)
	must(t, f.Record(Entry{Op: OpFields, Address: "group/acme/two", Fields: Fields{"name": json.RawMessage(`"Deux"`)}}))
	must(t, f.Close())
	want := strings.NewReplacer(`"serial": 3`, `"serial": 4`, `"name": "Two"`, `"name": "Deux"`).Replace(baseLockfile)
	if data, _ := os.ReadFile(path); string(data) != want {
		t.Errorf("written as:\n%s\nwant\n%s", data, want)
	}
}

// die leaves f as a killed process would: its lock released, its journal
// as written, nothing checkpointed.
func die(f *File) {
	d := f.store.(*disk)
	d.lock.release()
	d.lock = nil
	_ = d.closeJournal()
}
