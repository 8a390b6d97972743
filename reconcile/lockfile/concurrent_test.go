package lockfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// setSyncFile replaces the journal's sync for one test.
func setSyncFile(t *testing.T, fn func(*os.File) error) {
	t.Helper()
	old := syncFile
	syncFile = fn
	t.Cleanup(func() { syncFile = old })
}

// slowSync is a sync that takes at least 2ms, as on a real disk: long
// enough for concurrent Records to pile up behind it.
func slowSync(f *os.File) error {
	time.Sleep(2 * time.Millisecond)
	return f.Sync()
}

// openCommunity opens a new lockfile holding one created community, for
// the groups of workerEntries.
func openCommunity(t *testing.T) *File {
	t.Helper()
	f, err := Open(filepath.Join(t.TempDir(), "genuin.lock"), 0, "test")
	must(t, err)
	f.Init("sandbox")
	must(t, f.Record(Entry{Op: OpPut, Address: "community/c", Community: &Community{Handle: "c", Status: StatusPending}}))
	must(t, f.Record(Entry{Op: OpCreated, Address: "community/c", ID: "c-1"}))
	return f
}

// workerEntries are what one apply worker records for group n of worker
// w: the intent before the create, then its result.
func workerEntries(prefix string, w, n int) (addr string, put, created Entry) {
	addr = fmt.Sprintf("group/c/%s%d-%d", prefix, w, n)
	put = Entry{Op: OpPut, Address: addr, Group: &Group{Community: "community/c", CommunityID: "c-1",
		Status: StatusPending, ChatID: "chat-" + addr}}
	created = Entry{Op: OpCreated, Address: addr, ID: "id-" + addr}
	return addr, put, created
}

// runWorkers records perWorker groups from each of workers goroutines and
// returns the first error of each worker that failed.
func runWorkers(f *File, workers, perWorker int) []error {
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := range perWorker {
				_, put, created := workerEntries("", w, n)
				for _, e := range []Entry{put, created} {
					if err := f.Record(e); err != nil {
						errs[w] = err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return errs
}

// checkGroups fails unless the lockfile at path holds every group that
// runWorkers records, created.
func checkGroups(t *testing.T, path string, workers, perWorker int) {
	t.Helper()
	lf, err := Load(path)
	must(t, err)
	for w := range workers {
		for n := range perWorker {
			addr, _, _ := workerEntries("", w, n)
			if g := lf.State().Groups[addr]; g == nil || g.Status != StatusCreated || g.GroupID != "id-"+addr {
				t.Fatalf("%s: %+v", addr, g)
			}
		}
	}
}

// TestConcurrentRecordsShareSyncs: 32 workers recording at once lose no
// entry, and share journal syncs (group commit) instead of paying one per
// entry, while Read sees a state no Record is changing.
func TestConcurrentRecordsShareSyncs(t *testing.T) {
	setSyncFile(t, slowSync)
	const workers, perWorker = 32, 8
	f := openCommunity(t)
	before := f.Syncs()

	stop := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			f.Read(func(st *State) {
				for _, g := range st.Groups {
					if g.Status == StatusCreated && g.GroupID == "" {
						t.Error("Read saw a created group without its id")
					}
				}
			})
		}
	})
	errs := runWorkers(f, workers, perWorker)
	close(stop)
	reader.Wait()
	must(t, errors.Join(errs...))

	records, syncs := int64(workers*perWorker*2), f.Syncs()-before
	t.Logf("%d records, %d syncs: %.3f syncs per record", records, syncs, float64(syncs)/float64(records))
	if syncs == 0 || syncs >= records/4 {
		t.Errorf("%d syncs for %d records: group commit does not share syncs", syncs, records)
	}
	must(t, f.Close())
	checkGroups(t, f.Path(), workers, perWorker)
}

// TestFailedSyncBreaksTheFile: once a journal sync fails, the Record that
// ran it, every Record waiting for it and every later Record, Checkpoint
// and Close fail with an error wrapping the failure; no Record that
// started after a failure was reported succeeds; and the journal, kept,
// holds every entry acknowledged before.
func TestFailedSyncBreaksTheFile(t *testing.T) {
	errDisk := errors.New("disk on fire")
	var calls atomic.Int64
	setSyncFile(t, func(f *os.File) error {
		if calls.Add(1) > 5 {
			return errDisk
		}
		return slowSync(f)
	})
	f := openCommunity(t)

	const workers = 16
	var (
		mu     sync.Mutex
		acked  []string
		failed atomic.Bool
		errs   = make([]error, workers)
		wg     sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for n := 0; ; n++ {
				addr, put, _ := workerEntries("", w, n)
				afterFailure := failed.Load()
				if err := f.Record(put); err != nil {
					failed.Store(true)
					errs[w] = err
					return
				}
				if afterFailure {
					t.Errorf("%s was acknowledged after a Record failed", addr)
				}
				mu.Lock()
				acked = append(acked, addr)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if !errors.Is(err, errDisk) {
			t.Errorf("worker %d: %v, want an error wrapping %v", w, err, errDisk)
		}
	}

	calls.Store(-1000) // the disk recovers: the File stays broken
	_, put, _ := workerEntries("later", 0, 0)
	if err := f.Record(put); !errors.Is(err, errDisk) {
		t.Errorf("a Record after the failure: %v", err)
	}
	if err := f.Checkpoint(); !errors.Is(err, errDisk) {
		t.Errorf("a Checkpoint after the failure: %v", err)
	}
	if err := f.Close(); !errors.Is(err, errDisk) {
		t.Errorf("Close after the failure: %v", err)
	}
	if _, err := os.Stat(JournalPath(f.Path())); err != nil {
		t.Fatalf("a broken File must keep its journal: %v", err)
	}
	lf, err := Load(f.Path())
	must(t, err)
	for _, addr := range acked {
		if lf.State().Groups[addr] == nil {
			t.Errorf("%s was acknowledged but is lost", addr)
		}
	}
	t.Logf("%d entries acknowledged before the failure", len(acked))
}

// TestCheckpointRacesRecords: checkpoints (forced by a tiny size threshold,
// and called explicitly) run while workers Record, and lose nothing: the
// lockfile and the journal a crash leaves hold every entry.
func TestCheckpointRacesRecords(t *testing.T) {
	old := checkpointMin
	checkpointMin = 0 // fold the journal once it outgrows the lockfile
	t.Cleanup(func() { checkpointMin = old })
	setSyncFile(t, slowSync)
	const workers, perWorker = 16, 40
	f := openCommunity(t)

	stop := make(chan struct{})
	var explicit sync.WaitGroup
	explicit.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				if err := f.Checkpoint(); err != nil {
					t.Error(err)
				}
			}
		}
	})
	errs := runWorkers(f, workers, perWorker)
	close(stop)
	explicit.Wait()
	must(t, errors.Join(errs...))

	var serial int64
	f.Read(func(st *State) { serial = st.Serial })
	if serial < 5 {
		t.Errorf("only %d checkpoints ran", serial)
	}
	t.Logf("%d checkpoints", serial)
	// The process dies: what the lockfile and the journal hold is all
	// there is.
	die(f)
	checkGroups(t, f.Path(), workers, perWorker)
}

// TestSyncCoversEarlierWrites: Write makes an entry part of the state at
// once, but durable only with a Sync, and one Sync covers every entry
// written before it: an applier writes a result and lets the sync before
// its next request cover it.
func TestSyncCoversEarlierWrites(t *testing.T) {
	f := openCommunity(t)
	_, put, created := workerEntries("w", 0, 0)
	first, err := f.Write(put)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.Write(created)
	if err != nil {
		t.Fatal(err)
	}
	if second != first+1 {
		t.Fatalf("sequence numbers %d then %d", first, second)
	}
	var status string
	f.Read(func(st *State) { status = st.Groups[put.Address].Status })
	if status != StatusCreated {
		t.Fatalf("the state does not hold the written entries yet: status %q", status)
	}
	before := f.Syncs()
	if err := f.Sync(second); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(first); err != nil {
		t.Fatal(err)
	}
	if got := f.Syncs() - before; got != 1 {
		t.Fatalf("%d syncs for two entries written before one Sync, want 1", got)
	}
	if _, err := f.Write(Entry{Op: OpCreated, Address: "group/c/none", ID: "x"}); err == nil {
		t.Fatal("a result for a record that does not exist must be refused")
	}
	// The refused entry was not written: a Sync of a number past the last
	// entry is an error, not a wait for ever.
	if err := f.Sync(second + 1); err == nil {
		t.Fatal("Sync of an entry never written must fail")
	}
}
