package lockfile

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// File is a lockfile with its journal, and the state they hold: on disk
// (Load, Open) or in another Storage (LoadStorage, OpenStorage). Load
// gives a read-only File; Open also takes the writer's lock, after which
// Record and Checkpoint write.
//
// A File writes only what it was asked to: Record appends to the journal,
// Checkpoint folds the journal into the lockfile, and Close checkpoints
// only if this process recorded something. A command that records nothing
// (one that was refused, or found nothing to do) leaves the lockfile and
// any journal exactly as they were.
//
// A File is safe for concurrent use by many apply workers: see Record for
// how their entries share syncs and what a failed write does, and Read for
// reading the state meanwhile. Close only after every Record has returned.
type File struct {
	store Storage

	// mu guards everything below. Record checks, applies and writes an
	// entry under it, so the journal's order is the state's; it is
	// released while the journal syncs.
	mu sync.Mutex
	// synced is broadcast, on mu, when a sync ends, when a checkpoint makes
	// entries durable, and when the File breaks.
	synced sync.Cond
	// appended numbers the entries written to the journal; durable is the
	// number of the last one that is durable (synced, or folded into the
	// lockfile). syncing says a sync is running, with mu released.
	appended, durable int64
	syncing           bool
	// broken is the first failed write or sync: once set, nothing more is
	// written.
	broken error
	// syncs counts journal syncs, for measuring group commit.
	syncs int64

	// locked says the File holds the writer's lock: false for a
	// read-only File, or once closed.
	locked bool
	state  *State
	// written identifies the canonical rendering (Marshal) of the state
	// last read or written, zero before the first write of a new
	// lockfile: content equal to it needs no write, whatever the file's
	// formatting. A digest, not the bytes: a 20,000-group lockfile renders
	// to 70 MB, which an apply would otherwise hold for its whole run.
	written rendering
	// replayed is what Load found in the journal of an interrupted run.
	replayed *journalContent
	// recorded says Record (or Rebind) changed the state since the last
	// checkpoint.
	recorded bool
	// chats indexes the state's chat_ids for Record; built on first use.
	chats chatIndex
	// journalOpen says this File writes the journal; journalSize is its
	// size in bytes.
	journalOpen bool
	journalSize int64
	// bytesWritten counts journal and lockfile bytes written, for measuring
	// the cost of recording a result.
	bytesWritten int64
}

// JournalPath is the journal beside the lockfile at path.
func JournalPath(path string) string { return path + ".journal" }

// LockPath is the file whose advisory lock guards the lockfile at path.
func LockPath(path string) string { return path + ".lck" }

// Load reads the lockfile at path, validates it, and replays the journal
// an interrupted run left beside it. A missing lockfile gives a File whose
// State is nil. A lockfile or journal that is damaged or breaks a rule
// (see Parse) is an *InvalidError naming every problem with its position;
// Load never writes, so both files are left as they are.
func Load(path string) (*File, error) { return LoadStorage(Disk(path)) }

// LoadStorage is Load from any Storage, which it closes once read.
func LoadStorage(s Storage) (*File, error) {
	f, err := load(s, false)
	if cerr := s.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	return f, err
}

// load reads the Storage's content; a File to be written also keeps the
// canonical form of the lockfile, to compare content with at checkpoints.
func load(s Storage, writable bool) (*File, error) {
	stored, err := s.Read()
	if err != nil {
		return nil, err
	}
	return loadStored(s, stored, writable)
}

// loadStored is load of what s.Read returned, with the Storage's own
// advice in a refusal, if it has some.
func loadStored(s Storage, stored Stored, writable bool) (*File, error) {
	f, err := parseStored(s, stored, writable)
	var invalid *InvalidError
	if a, ok := s.(RepairAdvisor); ok && errors.As(err, &invalid) {
		invalid.Advice = a.RepairAdvice(invalid.File == s.JournalName())
	}
	return f, err
}

// parseStored parses and replays what s.Read returned.
func parseStored(s Storage, stored Stored, writable bool) (*File, error) {
	f := &File{store: s}
	f.synced.L = &f.mu
	var err error
	if stored.Lockfile != nil {
		if f.state, err = Parse(s.Name(), stored.Lockfile); err != nil {
			return nil, err
		}
		if writable {
			data, err := Marshal(f.state)
			if err != nil {
				return nil, err
			}
			f.written = renderingOf(data)
		}
	}
	if err := f.replay(stored.Journal); err != nil {
		return nil, err
	}
	return f, nil
}

// Open takes the exclusive lock (waiting up to timeout), then loads. Close
// releases it. A lockfile, journal or lock file that is a symlink, or not
// a regular file, is refused with a *NotRegularError: genuinctl never
// writes through a link (Load still reads a symlinked lockfile).
func Open(path string, timeout time.Duration, command string) (*File, error) {
	return OpenStorage(Disk(path), timeout, command)
}

// OpenStorage is Open on any Storage.
func OpenStorage(s Storage, timeout time.Duration, command string) (*File, error) {
	if err := s.Lock(timeout, command); err != nil {
		s.Close()
		return nil, err
	}
	f, err := load(s, true)
	if err != nil {
		s.Close()
		return nil, err
	}
	f.locked = true
	return f, nil
}

// replay applies the journal's entries, if the journal belongs to this
// lockfile at its current serial. Each entry is checked as Record checks
// it, and the result must be a valid state.
func (f *File) replay(journal []byte) error {
	jpath := f.store.JournalName()
	if journal == nil {
		return nil
	}
	jc, err := parseJournal(jpath, journal)
	if err != nil || jc == nil || len(jc.entries) == 0 {
		return err // a journal without entries holds nothing to replay
	}
	h := jc.header
	refuse := func(line int, format string, args ...any) error {
		p := Problem{Pos: Pos{File: jpath, Line: line}, Message: fmt.Sprintf(format, args...)}
		return &InvalidError{File: jpath, Problems: []Problem{p}, Advice: adviceJournal}
	}
	switch {
	case f.state == nil:
		f.state = New(h.Endpoint)
		f.state.Lineage, f.state.Serial = h.Lineage, h.Serial
	case h.Lineage != f.state.Lineage:
		return refuse(1, "the journal belongs to another lockfile (lineage %s, not %s of %s)", h.Lineage, f.state.Lineage, f.Path())
	case h.Serial < f.state.Serial:
		return nil // already folded into the lockfile by a checkpoint
	case h.Serial > f.state.Serial:
		return refuse(1, "the journal continues serial %d but %s is at serial %d (an older copy of the lockfile?)", h.Serial, f.Path(), f.state.Serial)
	case h.Endpoint != f.state.Endpoint:
		return refuse(1, "the journal is for endpoint %q but %s is for %q", h.Endpoint, f.Path(), f.state.Endpoint)
	}
	idx, err := replayEntries(jpath, f.state, jc)
	if err != nil {
		f.state = nil
		return err
	}
	f.chats = idx
	f.replayed = jc
	return nil
}

// replayEntries applies a journal's entries to st, each checked as Record
// checks it; the result must be a valid state. It returns the state's chat
// index.
func replayEntries(jpath string, st *State, jc *journalContent) (chatIndex, error) {
	idx := newChatIndex(st)
	for i := range jc.entries {
		if err := st.record(&jc.entries[i], idx); err != nil {
			p := Problem{Pos: Pos{File: jpath, Line: jc.lines[i]}, Message: fmt.Sprintf("entry %d: %v", i+1, err)}
			return nil, &InvalidError{File: jpath, Problems: []Problem{p}, Advice: adviceJournal}
		}
	}
	if probs := st.problems(); len(probs) > 0 {
		return nil, &InvalidError{File: jpath, Problems: finish(jpath, nil, probs),
			Advice: "replaying the journal gives an invalid state; " + adviceJournal}
	}
	return idx, nil
}

// Recovered is the number of results Load replayed from the journal of an
// interrupted run.
func (f *File) Recovered() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.replayed == nil {
		return 0
	}
	return len(f.replayed.entries)
}

// Parse decodes and validates lockfile content, format 1 or 2; name is
// used in error messages. It refuses, as an *InvalidError listing every
// problem as name:line:col: address: message, content that:
//
//   - is not UTF-8 or not JSON, or has anything after the document;
//   - does not have the shape of schema/lockfile.schema.json (format 2)
//     or schema/lockfile-v1.schema.json (format 1): a key missing,
//     unknown or duplicated, a value of the wrong type, null anywhere but
//     inside a field's value, an integer out of range, a member listed
//     twice;
//   - has another format_version;
//   - breaks a rule of State.Validate (addresses, statuses, ids, unique
//     chat_ids, members, serial range).
//
// The State it returns has FormatVersion, whichever format it read.
func Parse(name string, data []byte) (*State, error) {
	d := newDecoder(data)
	err := d.document()
	// The decoder checks that strings are UTF-8 and the rest is ASCII,
	// unless it stops at a syntax error or before data after the
	// document: the first invalid byte is found then.
	if err != nil || d.pos < len(data) {
		if off := invalidUTF8(data); off >= 0 {
			return nil, damaged(name, data, int64(off), "invalid UTF-8")
		}
	}
	if err != nil {
		var syn *syntaxError
		errors.As(err, &syn)
		return nil, damaged(name, data, syn.offset, err.Error())
	}
	// Another format is refused before its content is judged by this one.
	if v := d.version; v != "" && v != strconv.Itoa(formatV1) && v != strconv.Itoa(FormatVersion) {
		i, _ := lookup(lockfileShape, "format_version")
		p := problemAt(d.headOff[i], []string{"format_version"}, "lockfile format_version %s is not supported by this genuinctl (it reads versions %d and %d)", v, formatV1, FormatVersion)
		return nil, &InvalidError{File: name, Problems: finish(name, data, []Problem{p}),
			Advice: "it was left untouched: use the genuinctl that wrote it"}
	}
	if len(d.probs) > 0 {
		return nil, &InvalidError{File: name, Problems: finish(name, data, d.probs), Advice: adviceInvalid}
	}
	return d.st, nil
}

// invalidUTF8 is the offset of the first byte of data that is not UTF-8,
// or -1.
func invalidUTF8(data []byte) int {
	if utf8.Valid(data) {
		return -1
	}
	off := 0
	for off < len(data) {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		off += size
	}
	return off
}

// damaged is the error for content that is not a JSON document.
func damaged(name string, data []byte, offset int64, msg string) error {
	p := problemAt(offset, nil, "lockfile is damaged (%s)", msg)
	return &InvalidError{File: name, Problems: finish(name, data, []Problem{p}), Advice: adviceDamaged}
}

// Path is where the lockfile lives: its path, or its Storage's Name.
func (f *File) Path() string { return f.store.Name() }

// JournalPath names the journal.
func (f *File) JournalPath() string { return f.store.JournalName() }

// State returns the state, or nil when there is no lockfile yet. While
// other goroutines may Record, read the state only through Read.
func (f *File) State() *State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

// Read runs fn with the state (nil when there is no lockfile yet), which
// no Record changes until fn returns: an apply's workers read the state
// through it. fn must not keep the state, nor call the File's methods
// (they would wait for fn forever).
func (f *File) Read(fn func(st *State)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.state)
}

// Init gives a File without a lockfile a new, empty state for endpoint.
// It writes nothing; the first Record or Checkpoint does.
func (f *File) Init(endpoint string) *State {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state == nil {
		f.state = New(endpoint)
	}
	return f.state
}

// Rebind binds a lockfile to another endpoint and checkpoints at once, so
// that the lockfile and every journal written after it agree on the
// endpoint. Whether its records may follow is the caller's decision: the
// lockfile cannot tell where the objects it records live.
func (f *File) Rebind(endpoint string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.locked {
		return errReadOnly
	}
	if f.state == nil {
		return errors.New("rebind: the lockfile has no state; Init it first")
	}
	if f.state.Endpoint == endpoint {
		return nil
	}
	if err := f.quiesce(); err != nil {
		return err
	}
	f.state.Endpoint = endpoint
	f.recorded = true
	return f.checkpoint()
}

var errReadOnly = errors.New("the lockfile was opened read-only")

// checkpointMin is the journal size below which Sync never checkpoints: a
// checkpoint holds every writer while it rewrites the lockfile, so a
// rollout of a few thousand groups runs without one (the journal is
// folded in at Close), and replaying a journal this size after a crash
// takes a fraction of a second. A variable so that tests can force
// checkpoints.
var checkpointMin int64 = 8 << 20

// Record checks one entry, applies it to the state and appends it to the
// journal, synced, before returning: once Record returns nil, a crash
// cannot lose it. It is Write, then Sync of what Write returned.
func (f *File) Record(e Entry) error {
	seq, err := f.Write(e)
	if err != nil {
		return err
	}
	return f.Sync(seq)
}

// Write checks one entry, applies it to the state and appends it to the
// journal, returning its sequence number before it is durable: Sync(seq)
// makes it durable, with every entry written before it. An entry that
// breaks a rule (Entry.Validate, a chat_id another group has, a record
// that does not exist) is refused and nothing is written. An applier
// writes a result and syncs it before its next request, so that the sync
// covers its next intent too.
//
// Write and Sync are safe for concurrent use, and concurrent Syncs share
// fsyncs (group commit): each entry is checked, applied and written in
// turn, so the journal holds them in the order the state took them, and
// the first Sync to find its entry unsynced syncs every entry written so
// far, while the others wait for a sync that covers theirs and write more
// entries for the next one.
//
// A failed write or sync breaks the File, and all work stops at once:
// that call, every Sync waiting and every later Write, Sync, Checkpoint,
// Rebind and Close fail with an error wrapping the failure, and nothing
// more is written. The journal keeps every entry that was synced, and the
// next run replays it.
func (f *File) Write(e Entry) (seq int64, err error) {
	line, err := journalLine(e)
	if err != nil {
		return 0, fmt.Errorf("encode journal entry: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case !f.locked:
		return 0, errReadOnly
	case f.state == nil:
		return 0, errors.New("record: the lockfile has no state; Init it first")
	case f.broken != nil:
		return 0, f.brokenError()
	}
	if f.chats == nil {
		f.chats = newChatIndex(f.state)
	}
	if err := f.state.record(&e, f.chats); err != nil {
		return 0, err
	}
	// The state holds the entry now: from here on, a failure breaks the
	// File, so that no checkpoint writes a state its journal lacks.
	f.recorded = true
	if err := f.openJournal(); err != nil {
		return 0, f.fail(fmt.Errorf("open journal: %w", err))
	}
	if err := f.store.Append(line); err != nil {
		return 0, f.fail(fmt.Errorf("write journal %s: %w", f.JournalPath(), err))
	}
	f.journalSize += int64(len(line))
	f.bytesWritten += int64(len(line))
	f.appended++
	return f.appended, nil
}

// Sync returns once the entry Write numbered seq, and every one before
// it, is durable (0 waits for nothing). A journal grown past the
// lockfile's size is then folded in by a checkpoint, which keeps the bytes
// written per result bounded.
func (f *File) Sync(seq int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.locked {
		return errReadOnly
	}
	if seq > f.appended {
		return fmt.Errorf("sync: entry %d was never written (the last is %d)", seq, f.appended)
	}
	if err := f.waitDurable(seq); err != nil {
		return err
	}
	if f.journalGrown() {
		// Concurrent Syncs may all find the journal grown: the first
		// folds it, and the others, once a sync in progress is done,
		// find it small again.
		if err := f.quiesce(); err != nil || !f.journalGrown() {
			return err
		}
		return f.checkpoint()
	}
	return nil
}

// journalGrown reports whether the journal outgrew the lockfile, so that a
// checkpoint keeps the bytes written per result bounded.
func (f *File) journalGrown() bool {
	return f.journalOpen && f.journalSize > max(f.written.size, checkpointMin)
}

// waitDurable returns once entry seq is durable: it waits for the sync in
// progress, if any, and when that one did not cover seq it syncs every
// entry written so far itself. It is called, and returns, with mu held.
func (f *File) waitDurable(seq int64) error {
	for f.durable < seq {
		switch {
		case f.broken != nil:
			return f.brokenError()
		case f.syncing:
			f.synced.Wait()
		default:
			if err := f.syncJournal(); err != nil {
				return err
			}
		}
	}
	return nil
}

// syncJournal syncs the entries written so far, with mu released so that
// other Records write theirs meanwhile, for the next sync.
func (f *File) syncJournal() error {
	f.syncing = true
	upto := f.appended
	f.mu.Unlock()
	err := f.store.Sync()
	f.mu.Lock()
	f.syncing = false
	f.syncs++
	if err != nil {
		return f.fail(fmt.Errorf("sync journal %s: %w", f.JournalPath(), err))
	}
	f.durable = upto
	f.synced.Broadcast()
	return nil
}

// fail breaks the File with err, the first failed write or sync, and
// wakes the Records waiting for a sync, which fail too. It returns err.
func (f *File) fail(err error) error {
	f.broken = err
	f.synced.Broadcast()
	return err
}

// brokenError is what a File refuses writes with once broken.
func (f *File) brokenError() error {
	return fmt.Errorf("lockfile %s: nothing more is written after a failed write: %w", f.Path(), f.broken)
}

// quiesce waits for the sync in progress, if any, so that the journal can
// be reset or its header change, and refuses a broken File. It is called
// with mu held.
func (f *File) quiesce() error {
	for f.syncing {
		f.synced.Wait()
	}
	if f.broken != nil {
		return f.brokenError()
	}
	return nil
}

// openJournal continues the replayed journal or starts a new one.
func (f *File) openJournal() error {
	if f.journalOpen {
		return nil
	}
	if f.replayed != nil {
		if err := f.store.ContinueJournal(f.replayed.good); err != nil {
			return err
		}
		f.journalSize = f.replayed.good
	} else {
		header, err := f.header()
		if err != nil {
			return err
		}
		if err := f.store.CreateJournal(header); err != nil {
			return err
		}
		f.journalSize = int64(len(header))
	}
	f.journalOpen = true
	return nil
}

// header renders the journal's first line.
func (f *File) header() ([]byte, error) {
	return journalLine(journalHeader{Journal: JournalVersion, Lineage: f.state.Lineage, Endpoint: f.state.Endpoint, Serial: f.state.Serial})
}

// Checkpoint folds the journal into the lockfile: it writes the state
// atomically if its content differs from the lockfile's (compared in
// canonical form, so a re-formatted but equal lockfile is not rewritten),
// incrementing the serial, then empties the journal. A command calls it to
// fold a journal Load replayed even when it records nothing itself (apply
// with nothing to change); it also removes a journal Load ignored (empty, a
// torn header, an older serial). With nothing recorded or replayed it
// writes no lockfile. A state that breaks a rule is never written.
//
// Checkpoint is safe while other goroutines Record: it waits for the
// journal sync in progress, and the lockfile it writes makes every entry
// written so far durable, so Records waiting for a sync return at once.
// A failed write breaks the File (see Record).
func (f *File) Checkpoint() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.locked {
		return errReadOnly
	}
	return f.checkpoint()
}

// checkpoint is Checkpoint, called with mu held.
func (f *File) checkpoint() error {
	if err := f.quiesce(); err != nil {
		return err
	}
	if f.state == nil {
		return nil
	}
	if f.recorded || f.replayed != nil {
		if err := f.fold(); err != nil {
			return err
		}
	}
	return f.resetJournal()
}

// fold writes the state as the lockfile unless the lockfile holds that
// content already, then marks every entry written so far durable: the
// lockfile holds them.
func (f *File) fold() error {
	data, err := Marshal(f.state)
	if err != nil {
		return err
	}
	if renderingOf(data) != f.written {
		if probs := f.state.problems(); len(probs) > 0 {
			return &InvalidError{File: f.Path(), Problems: finish(f.Path(), nil, probs),
				Advice: "the state is invalid and was not written; the journal keeps every result"}
		}
		f.state.Serial++
		data = reserial(data, f.state.Serial)
		if err := f.store.WriteState(data); err != nil {
			f.state.Serial--
			return f.fail(fmt.Errorf("write lockfile: %w", err))
		}
		f.written = renderingOf(data)
		f.bytesWritten += int64(len(data))
	}
	f.recorded = false
	f.durable = f.appended
	f.synced.Broadcast()
	return nil
}

// BytesWritten is the number of journal and lockfile bytes this File wrote.
func (f *File) BytesWritten() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bytesWritten
}

// Syncs is the number of journal syncs this File made: with concurrent
// Records, well under one per entry.
func (f *File) Syncs() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.syncs
}

// resetJournal empties the journal after a checkpoint folded it in. With no
// journal open, any journal is one Load replayed (now folded in) or
// ignored (empty, a torn header, an older serial): it is removed.
func (f *File) resetJournal() error {
	f.replayed = nil
	if !f.journalOpen {
		if err := f.store.RemoveJournal(); err != nil {
			return fmt.Errorf("remove journal: %w", err)
		}
		return nil
	}
	header, err := f.header()
	if err == nil {
		err = f.store.ResetJournal(header)
	}
	if err == nil {
		f.journalSize = int64(len(header))
		f.syncs++
		err = f.store.Sync()
	}
	if err != nil {
		return f.fail(fmt.Errorf("reset journal: %w", err))
	}
	return nil
}

// Close checkpoints a writable File if this process recorded anything
// since its last checkpoint, removes the journal it wrote, and releases the
// lock. A File that recorded nothing writes nothing: the lockfile and any
// journal stay as they were (call Checkpoint first to fold a replayed
// journal). A broken File writes nothing either: it keeps its journal for
// the next run to replay, and Close reports the failure. Call Close only
// after every Record has returned. A read-only File needs no Close.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.locked {
		return nil
	}
	var err error
	if f.recorded || f.broken != nil {
		err = f.checkpoint()
	}
	if f.journalOpen && err == nil {
		err = f.store.RemoveJournal()
	}
	f.journalOpen = false
	if cerr := f.store.Close(); err == nil {
		err = cerr
	}
	f.locked = false
	return err
}

// WriteAtomic replaces path with data: write a temporary file beside it,
// sync it, rename it over path and sync the directory.
func WriteAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(perm); err != nil {
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

// rendering identifies a lockfile's content: its SHA-256 and size.
type rendering struct {
	sum  [sha256.Size]byte
	size int64
}

func renderingOf(data []byte) rendering {
	return rendering{sum: sha256.Sum256(data), size: int64(len(data))}
}
