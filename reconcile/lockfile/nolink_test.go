package lockfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// linkSetup makes dir/victim.txt and dir/spec, and returns the lockfile
// path in dir/spec and the victim's path.
func linkSetup(t *testing.T) (lockPath, victim string) {
	t.Helper()
	dir := t.TempDir()
	victim = filepath.Join(dir, "victim.txt")
	must(t, os.WriteFile(victim, []byte("precious\n"), 0o644))
	must(t, os.Mkdir(filepath.Join(dir, "spec"), 0o755))
	return filepath.Join(dir, "spec", "genuin.lock"), victim
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot create a symlink here: %v", err)
	}
}

func checkVictim(t *testing.T, victim string) {
	t.Helper()
	if data, err := os.ReadFile(victim); err != nil || string(data) != "precious\n" {
		t.Errorf("the file a symlink points to was changed: %q, %v", data, err)
	}
}

func wantSymlinkError(t *testing.T, err error, name string) {
	t.Helper()
	var nr *NotRegularError
	if !errors.As(err, &nr) {
		t.Fatalf("want a *NotRegularError, got %v", err)
	}
	if want := name + " is a symlink: genuinctl never writes through one; remove it"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %q, want it to start with %q", err, want)
	}
}

// TestSymlinkedLockFileIsRefused: a genuin.lock.lck symlink is never
// opened for writing: the file it points to keeps its content, and a
// dangling one creates nothing.
func TestSymlinkedLockFileIsRefused(t *testing.T) {
	path, victim := linkSetup(t)
	symlink(t, "../victim.txt", LockPath(path))
	_, err := Open(path, 0, "test")
	wantSymlinkError(t, err, "genuin.lock.lck")
	checkVictim(t, victim)

	path, _ = linkSetup(t)
	missing := filepath.Join(filepath.Dir(filepath.Dir(path)), "created.txt")
	symlink(t, missing, LockPath(path))
	_, err = Open(path, 0, "test")
	wantSymlinkError(t, err, "genuin.lock.lck")
	if _, err := os.Lstat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dangling lock file symlink created its target: %v", err)
	}
}

// TestSymlinkedJournalIsRefused: a genuin.lock.journal symlink is never
// written through, whether Open finds it or it appears before the journal
// is created or continued.
func TestSymlinkedJournalIsRefused(t *testing.T) {
	path, victim := linkSetup(t)
	must(t, os.WriteFile(path, []byte(emptyLockfile), 0o644))
	symlink(t, "../victim.txt", JournalPath(path))
	_, err := Open(path, 0, "test")
	wantSymlinkError(t, err, "genuin.lock.journal")
	checkVictim(t, victim)

	// Appearing after Open: the journal's own opens refuse it.
	path, victim = linkSetup(t)
	f, err := Open(path, 0, "test")
	must(t, err)
	f.Init("sandbox")
	symlink(t, "../victim.txt", JournalPath(path))
	err = f.Record(Entry{Op: OpPut, Address: "group/c/g", Group: &Group{Status: StatusPending, ChatID: "chat"}})
	wantSymlinkError(t, errors.Unwrap(err), "genuin.lock.journal")
	f.Close()
	checkVictim(t, victim)

	_ = os.Remove(JournalPath(path))
	symlink(t, "../victim.txt", JournalPath(path))
	_, err = continueJournal(JournalPath(path), 0)
	wantSymlinkError(t, err, "genuin.lock.journal")
	checkVictim(t, victim)
}

// TestSymlinkedLockfile: a symlinked genuin.lock is read by Load (plan,
// validate, state list) but refused by a writer, whose checkpoint would
// replace the link rather than update what it points to.
func TestSymlinkedLockfile(t *testing.T) {
	path, _ := linkSetup(t)
	real := filepath.Join(filepath.Dir(filepath.Dir(path)), "real.lock")
	must(t, os.WriteFile(real, []byte(baseLockfile), 0o644))
	symlink(t, "../real.lock", path)
	f, err := Load(path)
	must(t, err)
	if f.State() == nil || len(f.State().Groups) != 3 {
		t.Fatalf("Load did not read through the symlink: %+v", f.State())
	}
	_, err = Open(path, 0, "test")
	wantSymlinkError(t, err, "genuin.lock")
	if data, _ := os.ReadFile(real); string(data) != baseLockfile {
		t.Error("the lockfile a symlink points to was changed")
	}
	if info, err := os.Lstat(path); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v", err)
	}
}

// TestLockFileNotRegular: a directory (or any file that is not regular)
// in the lock file's place is refused with a clear message.
func TestLockFileNotRegular(t *testing.T) {
	path, _ := linkSetup(t)
	must(t, os.Mkdir(LockPath(path), 0o755))
	_, err := Open(path, 0, "test")
	var nr *NotRegularError
	if !errors.As(err, &nr) || !strings.Contains(err.Error(), "genuin.lock.lck is not a regular file") {
		t.Fatalf("got %v", err)
	}
}

// TestLockHolderDetails: the lock file holds the holder's details while
// locked, and is emptied (not removed) on release.
func TestLockHolderDetails(t *testing.T) {
	path, _ := linkSetup(t)
	f, err := Open(path, 0, "the command")
	must(t, err)
	_, err = Open(path, 0, "second")
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Holder.PID != os.Getpid() || locked.Holder.Command != "the command" {
		t.Errorf("want a LockedError naming this process, got %v", err)
	}
	must(t, f.Close())
	if data, err := os.ReadFile(LockPath(path)); err != nil || len(data) != 0 {
		t.Errorf("after release: %q, %v", data, err)
	}
}
