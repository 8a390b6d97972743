package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File is a lockfile on disk with its journal, and the state they hold.
// Load gives a read-only File; Open also takes the writer's lock, after
// which Record and Checkpoint write.
type File struct {
	path  string
	state *State
	// written is the lockfile content last read or written, to skip no-op
	// checkpoints and to size the journal.
	written []byte
	// replayed is what Load found in the journal of an interrupted run.
	replayed *journalContent
	lock     *lock
	journal  *journalWriter
	// bytesWritten counts journal and lockfile bytes written, for measuring
	// the cost of recording a result.
	bytesWritten int64
}

// JournalPath is the journal beside the lockfile at path.
func JournalPath(path string) string { return path + ".journal" }

// LockPath is the file whose advisory lock guards the lockfile at path.
func LockPath(path string) string { return path + ".lck" }

// Load reads the lockfile at path and replays the journal an interrupted
// run left beside it. A missing lockfile gives a File whose State is nil;
// a damaged one, or a damaged journal, is an error naming the position,
// and both files are left as they are.
func Load(path string) (*File, error) {
	f := &File{path: path}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read lockfile: %w", err)
	default:
		if f.state, err = Parse(path, data); err != nil {
			return nil, err
		}
		f.written = data
	}
	if err := f.replay(); err != nil {
		return nil, err
	}
	return f, nil
}

// Open takes the exclusive lock (waiting up to timeout), then loads. Close
// releases it.
func Open(path string, timeout time.Duration, command string) (*File, error) {
	l, err := acquireLock(LockPath(path), timeout, command)
	if err != nil {
		return nil, err
	}
	f, err := Load(path)
	if err != nil {
		l.release()
		return nil, err
	}
	f.lock = l
	return f, nil
}

// replay applies the journal's entries, if the journal belongs to this
// lockfile at its current serial.
func (f *File) replay() error {
	jpath := JournalPath(f.path)
	jc, err := readJournal(jpath)
	if err != nil || jc == nil {
		return err
	}
	h := jc.header
	switch {
	case f.state == nil:
		f.state = New(h.Endpoint)
		f.state.Lineage, f.state.Serial = h.Lineage, h.Serial
	case h.Lineage != f.state.Lineage:
		return fmt.Errorf("%s belongs to another lockfile (lineage %s, not %s); it was left untouched: move it aside", jpath, h.Lineage, f.state.Lineage)
	case h.Serial < f.state.Serial:
		return nil // already folded into the lockfile by a checkpoint
	case h.Serial > f.state.Serial:
		return fmt.Errorf("%s continues serial %d but %s is at serial %d (an older copy?); both were left untouched", jpath, h.Serial, f.path, f.state.Serial)
	}
	for i := range jc.entries {
		if err := f.state.apply(&jc.entries[i]); err != nil {
			return fmt.Errorf("%s: entry %d: %w; the journal was left untouched", jpath, i+1, err)
		}
	}
	f.replayed = jc
	return nil
}

// Recovered is the number of results Load replayed from the journal of an
// interrupted run.
func (f *File) Recovered() int {
	if f.replayed == nil {
		return 0
	}
	return len(f.replayed.entries)
}

// Parse decodes lockfile content; name is used in error messages.
func Parse(name string, data []byte) (*State, error) {
	var st State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%s: lockfile is damaged (%s); it was left untouched: restore it from git or a backup", positioned(name, data, err), err)
	}
	if st.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: lockfile format_version %d is not supported by this genuinctl (it reads version %d)", name, st.FormatVersion, FormatVersion)
	}
	if st.Lineage == "" {
		return nil, fmt.Errorf("%s: lockfile has no lineage; it was left untouched", name)
	}
	if st.Communities == nil {
		st.Communities = map[string]*Community{}
	}
	if st.Groups == nil {
		st.Groups = map[string]*Group{}
	}
	return &st, nil
}

// positioned returns name:line:col for a JSON decoding error, or name.
func positioned(name string, data []byte, err error) string {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 {
		return name
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := int(offset) - bytes.LastIndexByte(data[:offset], '\n')
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}

// Path is where the lockfile lives.
func (f *File) Path() string { return f.path }

// State returns the state, or nil when there is no lockfile yet.
func (f *File) State() *State { return f.state }

// Init gives a File without a lockfile a new, empty state for endpoint.
// It writes nothing; the first Record or Checkpoint does.
func (f *File) Init(endpoint string) *State {
	if f.state == nil {
		f.state = New(endpoint)
	}
	return f.state
}

var errReadOnly = errors.New("the lockfile was opened read-only")

// Record applies one entry to the state and appends it to the journal,
// synced, before returning: once Record returns, a crash cannot lose it.
// A journal grown past the lockfile's size is folded in by a checkpoint,
// which keeps the bytes written per result bounded.
func (f *File) Record(e Entry) error {
	if f.lock == nil {
		return errReadOnly
	}
	if f.state == nil {
		return errors.New("record: the lockfile has no state; Init it first")
	}
	line, err := journalLine(e)
	if err != nil {
		return fmt.Errorf("encode journal entry: %w", err)
	}
	if err := f.state.apply(&e); err != nil {
		return err
	}
	if err := f.openJournal(); err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	if err := f.journal.append(line); err != nil {
		return fmt.Errorf("write journal %s: %w", JournalPath(f.path), err)
	}
	f.bytesWritten += int64(len(line))
	if f.journal.size > max(int64(len(f.written)), 1<<20) {
		return f.Checkpoint()
	}
	return nil
}

// openJournal continues the replayed journal or starts a new one.
func (f *File) openJournal() error {
	if f.journal != nil {
		return nil
	}
	var err error
	if f.replayed != nil {
		f.journal, err = continueJournal(JournalPath(f.path), f.replayed.good)
	} else {
		f.journal, err = createJournal(JournalPath(f.path), f.header())
	}
	return err
}

func (f *File) header() journalHeader {
	return journalHeader{Journal: JournalVersion, Lineage: f.state.Lineage, Endpoint: f.state.Endpoint, Serial: f.state.Serial}
}

// Checkpoint writes the state to the lockfile atomically, if its content
// changed since it was last read or written (incrementing the serial),
// then empties the journal.
func (f *File) Checkpoint() error {
	if f.lock == nil {
		return errReadOnly
	}
	if f.state == nil {
		return nil
	}
	data, err := Marshal(f.state)
	if err != nil {
		return err
	}
	if bytes.Equal(data, f.written) {
		return f.resetJournal()
	}
	f.state.Serial++
	if data, err = Marshal(f.state); err == nil {
		err = WriteAtomic(f.path, data)
	}
	if err != nil {
		f.state.Serial--
		return fmt.Errorf("write lockfile: %w", err)
	}
	f.written = data
	f.bytesWritten += int64(len(data))
	return f.resetJournal()
}

// BytesWritten is the number of journal and lockfile bytes this File wrote.
func (f *File) BytesWritten() int64 { return f.bytesWritten }

// resetJournal empties the journal after a checkpoint folded it in. With no
// journal open, any journal file is one Load replayed (now folded in) or
// ignored (empty, a torn header, an older serial): it is removed.
func (f *File) resetJournal() error {
	f.replayed = nil
	if f.journal == nil {
		if err := os.Remove(JournalPath(f.path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove journal: %w", err)
		}
		return nil
	}
	if err := f.journal.reset(f.header()); err != nil {
		return fmt.Errorf("reset journal: %w", err)
	}
	return nil
}

// Close checkpoints a writable File, removes its journal and releases the
// lock. A read-only File needs no Close.
func (f *File) Close() error {
	if f.lock == nil {
		return nil
	}
	err := f.Checkpoint()
	if f.journal != nil {
		if cerr := f.journal.close(); err == nil {
			err = cerr
		}
		f.journal = nil
		if err == nil {
			err = os.Remove(JournalPath(f.path))
		}
	}
	if rerr := f.lock.release(); err == nil {
		err = rerr
	}
	f.lock = nil
	return err
}

// Marshal renders a state deterministically: sorted keys, two-space
// indentation, trailing newline.
func Marshal(st *State) ([]byte, error) {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode lockfile: %w", err)
	}
	return append(data, '\n'), nil
}

// WriteAtomic replaces path with data: write a temporary file beside it,
// sync it, rename it over path and sync the directory.
func WriteAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	// A lockfile is committed to git: make it readable like any other file.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(path)
}

// syncDir syncs the directory holding path, making a rename or a new file
// in it durable.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
