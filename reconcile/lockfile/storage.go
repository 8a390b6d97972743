package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Storage keeps the bytes of a state: the lockfile's content as Marshal
// renders it, and the journal's checksummed lines. The lockfile and its
// journal on disk are the default (see Load and Open); reconcile/pgstate
// keeps them in PostgreSQL. A File does everything else the same way on
// every Storage: validation, replay, the rules of Record, group commit,
// checkpoints. So the invariants of this package hold on each, provided
// the Storage keeps these promises:
//
//   - WriteState replaces the content atomically and durably: a crash
//     leaves the old content or the new one, never a mix.
//   - Sync returns once every line appended before it began is durable,
//     and the journal keeps its lines in the order they were appended; a
//     line is never durable without those appended before it.
//   - The lock taken by Lock is exclusive among writers of the same state
//     and ends with its holder, however the holder ends (killed, cut off):
//     it can never get stuck.
//
// A File calls Append with its own mutex held and Sync without it, so that
// lines appended during a sync wait for the next one. It never runs two
// Syncs at once, nor any other method during a Sync but Append.
type Storage interface {
	// Name names the state in messages: the lockfile's path, or the
	// database and project (never a password).
	Name() string
	// JournalName names the journal in messages.
	JournalName() string
	// Lock takes the writers' lock, waiting up to timeout; command
	// describes the holder to the processes it keeps out, whose error is a
	// *LockedError. It also refuses a state this process cannot write
	// safely (a lockfile that is a symlink, say).
	Lock(timeout time.Duration, command string) error
	// Read returns what is stored, as one consistent snapshot.
	Read() (Stored, error)
	// CreateJournal starts a new journal holding the header line only.
	CreateJournal(header []byte) error
	// ContinueJournal continues the journal Read returned, after cutting
	// it to its first good bytes (a torn last line lies beyond them).
	ContinueJournal(good int64) error
	// Append adds one line to the journal, not yet durable.
	Append(line []byte) error
	// Sync makes every line appended so far durable.
	Sync() error
	// ResetJournal empties the journal, leaving the header line only.
	ResetJournal(header []byte) error
	// WriteState replaces the lockfile's content with data.
	WriteState(data []byte) error
	// RemoveJournal removes the journal, whether it is open or was only
	// read: its entries are in the content WriteState wrote.
	RemoveJournal() error
	// Close ends the use of the Storage: it releases the lock, if taken,
	// and anything held open. A File closes a Storage it loaded from once
	// read, one it opened on in File.Close.
	Close() error
}

// RepairAdvisor is a Storage whose content is not repaired as files in git
// are: the advice of a refusal to load it (an *InvalidError) is its own.
type RepairAdvisor interface {
	// RepairAdvice says that the content was left untouched and how to
	// repair it: the journal's when journal, else the lockfile's.
	RepairAdvice(journal bool) string
}

// Stored is a Storage's content as Read finds it.
type Stored struct {
	// Lockfile is the content WriteState last wrote, nil if none was ever
	// written.
	Lockfile []byte
	// Journal is the journal's content, nil if there is none.
	Journal []byte
}

// Disk is the default Storage: the lockfile at path, with its journal and
// lock file beside it.
func Disk(path string) Storage { return &disk{path: path} }

// disk is the default Storage: the lockfile at path, with its journal
// (JournalPath) and its lock file (LockPath) beside it. Nothing is ever
// written through a symlink (nolink.go).
type disk struct {
	path    string
	lock    *lock
	journal *os.File
}

// syncFile makes a journal's content durable: a variable so that tests can
// slow it down or make it fail.
var syncFile = (*os.File).Sync

func (d *disk) Name() string        { return d.path }
func (d *disk) JournalName() string { return JournalPath(d.path) }

func (d *disk) Lock(timeout time.Duration, command string) error {
	l, err := acquireLock(LockPath(d.path), timeout, command)
	if err != nil {
		return err
	}
	// A writer never writes through a symlink: refuse one here, before
	// anything is read or recorded.
	for _, p := range []string{d.path, d.JournalName()} {
		if err := checkWritable(p); err != nil {
			l.release()
			return err
		}
	}
	d.lock = l
	return nil
}

func (d *disk) Read() (Stored, error) {
	lockfile, err := readIfExists(d.path)
	if err != nil {
		return Stored{}, fmt.Errorf("read lockfile: %w", err)
	}
	journal, err := readIfExists(d.JournalName())
	if err != nil {
		return Stored{}, fmt.Errorf("read journal: %w", err)
	}
	return Stored{Lockfile: lockfile, Journal: journal}, nil
}

// readIfExists is readBounded, with no content and no error for a file
// that does not exist.
func readIfExists(path string) ([]byte, error) {
	data, err := readBounded(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// CreateJournal also syncs the directory so that the file survives a
// crash; the sync of the first entry appended covers the header.
func (d *disk) CreateJournal(header []byte) error {
	f, err := openRegular(d.JournalName(), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(header); err != nil {
		f.Close()
		return err
	}
	d.journal = f
	return syncDir(d.JournalName())
}

func (d *disk) ContinueJournal(good int64) error {
	f, err := continueJournal(d.JournalName(), good)
	if err != nil {
		return err
	}
	d.journal = f
	return nil
}

// continueJournal reopens a journal for appending, cutting off a torn last
// line first.
func continueJournal(path string, good int64) (*os.File, error) {
	f, err := openRegular(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(good, 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (d *disk) Append(line []byte) error {
	_, err := d.journal.Write(line)
	return err
}

func (d *disk) Sync() error { return syncFile(d.journal) }

func (d *disk) ResetJournal(header []byte) error {
	if err := d.journal.Truncate(0); err != nil {
		return err
	}
	if _, err := d.journal.Seek(0, 0); err != nil {
		return err
	}
	return d.Append(header)
}

// WriteState writes the lockfile atomically. It is committed to git:
// readable like any other file.
func (d *disk) WriteState(data []byte) error { return WriteAtomic(d.path, data, 0o644) }

func (d *disk) RemoveJournal() error {
	if err := d.closeJournal(); err != nil {
		return err
	}
	if err := os.Remove(d.JournalName()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (d *disk) closeJournal() error {
	if d.journal == nil {
		return nil
	}
	err := d.journal.Close()
	d.journal = nil
	return err
}

func (d *disk) Close() error {
	err := d.closeJournal()
	if d.lock != nil {
		if rerr := d.lock.release(); err == nil {
			err = rerr
		}
		d.lock = nil
	}
	return err
}
