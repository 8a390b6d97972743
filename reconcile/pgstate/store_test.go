package pgstate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/genuin/genuinctl/internal/pgtest"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/pgstate"
)

// database is a fresh database on the shared test server, with the
// password in PGPASSWORD as a user would give it.
type database struct {
	srv *pgtest.Server
	url string
}

func newDatabase(t *testing.T) database {
	t.Helper()
	srv := pgtest.Require(t)
	t.Setenv("PGPASSWORD", srv.Password)
	return database{srv: srv, url: srv.NewDatabase(t)}
}

// store is a Store of one project of the database.
func (db database) store(t *testing.T, project string) *pgstate.Store {
	t.Helper()
	cfg, err := pgstate.ParseURL(db.url + "&project=" + project)
	must(t, err)
	return pgstate.New(cfg)
}

func (db database) open(t *testing.T, project string) *lockfile.File {
	t.Helper()
	f, err := lockfile.OpenStorage(db.store(t, project), 0, "test")
	must(t, err)
	return f
}

func (db database) load(t *testing.T, project string) *lockfile.File {
	t.Helper()
	f, err := lockfile.LoadStorage(db.store(t, project))
	must(t, err)
	return f
}

// count runs a count query in the test's database.
func (db database) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.url)
	must(t, err)
	defer conn.Close(ctx)
	var n int
	must(t, conn.QueryRow(ctx, query, args...).Scan(&n))
	return n
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// community records a created community, as apply's first results do.
func community(t *testing.T, f *lockfile.File) {
	t.Helper()
	f.Init("sandbox")
	must(t, f.Record(lockfile.Entry{Op: lockfile.OpPut, Address: "community/c", Community: &lockfile.Community{Handle: "c", Status: lockfile.StatusPending}}))
	must(t, f.Record(lockfile.Entry{Op: lockfile.OpCreated, Address: "community/c", ID: "c-1"}))
}

// group records the intent and the result of one group's create.
func group(t *testing.T, f *lockfile.File, name string) {
	t.Helper()
	addr := "group/c/" + name
	must(t, f.Record(lockfile.Entry{Op: lockfile.OpPut, Address: addr, Group: &lockfile.Group{Community: "community/c",
		CommunityID: "c-1", Status: lockfile.StatusPending, ChatID: "chat-" + name}}))
	must(t, f.Record(lockfile.Entry{Op: lockfile.OpCreated, Address: addr, ID: "id-" + name}))
}

func marshal(t *testing.T, st *lockfile.State) []byte {
	t.Helper()
	data, err := lockfile.Marshal(st)
	must(t, err)
	return data
}

// TestRecordCloseLoad: what a writer records and checkpoints, a reader of
// the same project reads back, and Pull gives it as the lockfile Marshal
// renders.
func TestRecordCloseLoad(t *testing.T) {
	db := newDatabase(t)
	f := db.open(t, "p")
	community(t, f)
	group(t, f, "one")
	must(t, f.Close())

	got := db.load(t, "p").State()
	if got == nil || got.Serial != 1 || got.Groups["group/c/one"].GroupID != "id-one" {
		t.Fatalf("read back %+v", got)
	}
	pulled, replayed, err := lockfile.Pull(db.store(t, "p"))
	must(t, err)
	if replayed != 0 || !bytes.Equal(pulled, marshal(t, got)) {
		t.Errorf("pull: %d replayed, content\n%s", replayed, pulled)
	}
	if n := db.count(t, `SELECT count(*) FROM genuinctl.journal`); n != 0 {
		t.Errorf("%d journal rows after Close, want none", n)
	}
}

// TestKilledWriterLosesNothing: a writer whose connection ends without a
// Close (a runner killed with -9) leaves every recorded entry in the
// journal's rows, and its lock free: the next writer gets the lock,
// replays the entries and folds them in.
func TestKilledWriterLosesNothing(t *testing.T) {
	db := newDatabase(t)
	f := db.open(t, "p")
	community(t, f)
	group(t, f, "one")
	group(t, f, "two")
	killBackends(t, db)

	next, err := lockfile.OpenStorage(db.store(t, "p"), 10*time.Second, "test")
	must(t, err)
	if n := next.Recovered(); n != 6 {
		t.Errorf("replayed %d entries, want 6", n)
	}
	for _, name := range []string{"one", "two"} {
		if g := next.State().Groups["group/c/"+name]; g == nil || g.GroupID != "id-"+name {
			t.Errorf("%s after the kill: %+v", name, g)
		}
	}
	must(t, next.Checkpoint())
	must(t, next.Close())
	if n := db.count(t, `SELECT count(*) FROM genuinctl.journal`); n != 0 {
		t.Errorf("%d journal rows after the checkpoint, want none", n)
	}
	if st := db.load(t, "p").State(); st.Serial != 1 || len(st.Groups) != 2 {
		t.Errorf("after the fold: serial %d, %d groups", st.Serial, len(st.Groups))
	}
}

// killBackends ends every genuinctl connection to the test's database, as
// the server does when a runner dies.
func killBackends(t *testing.T, db database) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.srv.AdminConn(ctx)
	must(t, err)
	defer conn.Close(ctx)
	name := db.url[strings.LastIndex(db.url, "/")+1 : strings.Index(db.url, "?")]
	_, err = conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND application_name = 'genuinctl'`, name)
	must(t, err)
}

// TestLockNamesHolder: a second writer of a project is refused at once
// with a *LockedError naming the first (this process, its command), and
// with --lock-timeout waits until the first lets go. Another project of
// the same database is not locked.
func TestLockNamesHolder(t *testing.T) {
	db := newDatabase(t)
	first, err := lockfile.OpenStorage(db.store(t, "p"), 0, "genuinctl apply")
	must(t, err)

	_, err = lockfile.OpenStorage(db.store(t, "p"), 0, "genuinctl apply")
	var locked *lockfile.LockedError
	if !errors.As(err, &locked) || locked.Holder.PID != os.Getpid() || locked.Holder.Command != "genuinctl apply" {
		t.Fatalf("second writer: want a LockedError naming pid %d, got %v", os.Getpid(), err)
	}
	for _, want := range []string{"project=p", "is locked by pid", "connection ends"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q: %v", want, err)
		}
	}
	other := db.open(t, "q")
	must(t, other.Close())

	released := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		first.Close()
		close(released)
	}()
	waiter, err := lockfile.OpenStorage(db.store(t, "p"), time.Minute, "genuinctl apply")
	must(t, err)
	<-released
	must(t, waiter.Close())
	if n := db.count(t, `SELECT count(*) FROM genuinctl.holders`); n != 0 {
		t.Errorf("%d holder rows once every writer closed, want none", n)
	}
}

// TestProjectsAreSeparate: two projects of one database hold their own
// states and journals.
func TestProjectsAreSeparate(t *testing.T) {
	db := newDatabase(t)
	a, b := db.open(t, "a"), db.open(t, "b")
	community(t, a)
	community(t, b)
	group(t, a, "only-in-a")
	must(t, a.Close())
	must(t, b.Close())
	if st := db.load(t, "b").State(); st.Groups["group/c/only-in-a"] != nil || len(st.Communities) != 1 {
		t.Errorf("project b: %+v", st)
	}
	if st := db.load(t, "a").State(); st.Groups["group/c/only-in-a"] == nil {
		t.Errorf("project a lost its group: %+v", st)
	}
}

// TestReaderCreatesNothing: a plan reads a database genuinctl never wrote
// to as "no state yet", creating no schema: it may run with a read-only
// role.
func TestReaderCreatesNothing(t *testing.T) {
	db := newDatabase(t)
	if st := db.load(t, "p").State(); st != nil {
		t.Fatalf("state of an empty database: %+v", st)
	}
	if n := db.count(t, `SELECT count(*) FROM pg_namespace WHERE nspname = 'genuinctl'`); n != 0 {
		t.Errorf("a reader created the schema")
	}
}

// TestMigrations: the first writer creates the schema, later ones find it
// current, and a schema from a newer genuinctl is refused, unchanged.
func TestMigrations(t *testing.T) {
	db := newDatabase(t)
	must(t, db.open(t, "p").Close())
	must(t, db.open(t, "p").Close())
	if n := db.count(t, `SELECT count(*) FROM genuinctl.migrations`); n != 1 {
		t.Fatalf("%d migrations recorded, want 1", n)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.url)
	must(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO genuinctl.migrations (version) VALUES (99)`)
	conn.Close(ctx)
	must(t, err)
	for name, open := range map[string]func() error{
		"writer": func() error { _, err := lockfile.OpenStorage(db.store(t, "p"), 0, "test"); return err },
		"reader": func() error { _, err := lockfile.LoadStorage(db.store(t, "p")); return err },
	} {
		if err := open(); err == nil || !strings.Contains(err.Error(), "version 99, made by a newer genuinctl") {
			t.Errorf("%s of a newer schema: %v", name, err)
		}
	}
}

// TestPushPullRoundTrip: a lockfile pushed into a project comes back from
// Pull byte for byte, whatever its formatting; Push refuses what would
// lose records, and writes nothing for content already there.
func TestPushPullRoundTrip(t *testing.T) {
	db := newDatabase(t)
	src := lockfile.New("sandbox")
	src.Serial = 3
	src.Communities["community/c"] = &lockfile.Community{Handle: "c", Status: lockfile.StatusCreated, CommunityID: "c-1"}
	// A lockfile as an editor may leave it: other indentation.
	data := bytes.ReplaceAll(marshal(t, src), []byte("\n  "), []byte("\n\t"))

	push := func(data []byte, force bool) (bool, error) {
		f := db.open(t, "p")
		defer f.Close()
		return f.Push("genuin.lock", data, force)
	}
	if changed, err := push(data, false); err != nil || !changed {
		t.Fatalf("push: %v, %v", changed, err)
	}
	pulled, _, err := lockfile.Pull(db.store(t, "p"))
	must(t, err)
	if !bytes.Equal(pulled, data) {
		t.Fatalf("the round trip changed the bytes:\n%s\nwant\n%s", pulled, data)
	}
	if changed, err := push(marshal(t, src), false); err != nil || changed {
		t.Errorf("push of the same content: changed %v, %v", changed, err)
	}

	older, otherLineage, sameSerial, otherRepo := *src, *src, *src, *src
	older.Serial = 2
	otherLineage.Lineage = lockfile.NewUUID()
	sameSerial.Communities = map[string]*lockfile.Community{"community/d": {Handle: "d", Status: lockfile.StatusPending}}
	// Another repository's lockfile of the same endpoint: the same lineage,
	// a later serial, none of the target's records.
	otherRepo.Serial = 9
	otherRepo.Communities = sameSerial.Communities
	for name, c := range map[string]struct {
		st   *lockfile.State
		want string
	}{
		"an older serial": {&older, "newer than genuin.lock"},
		"another lineage": {&otherLineage, "holds another state"},
		"the same serial": {&sameSerial, "other content at the same serial 3"},
		"other records":   {&otherRepo, "records objects that genuin.lock does not, or under other ids (community/c)"},
	} {
		_, err := push(marshal(t, c.st), false)
		var refused *lockfile.PushRefusedError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want a refusal saying %q, got %v", name, c.want, err)
		}
	}
	if after, _, _ := lockfile.Pull(db.store(t, "p")); !bytes.Equal(after, data) {
		t.Errorf("a refused push changed the state")
	}
	if changed, err := push(marshal(t, &otherRepo), true); err != nil || !changed {
		t.Errorf("a forced push: changed %v, %v", changed, err)
	}
}

// TestConcurrentRecordsShareRoundTrips: 32 workers recording at once lose
// nothing and share commits: far fewer journal inserts than entries.
func TestConcurrentRecordsShareRoundTrips(t *testing.T) {
	const workers, perWorker = 32, 10
	db := newDatabase(t)
	store := db.store(t, "p")
	f, err := lockfile.OpenStorage(store, 0, "test")
	must(t, err)
	community(t, f)
	before := f.Syncs()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := range perWorker {
				group(t, f, fmt.Sprintf("w%d-%d", w, n))
			}
		})
	}
	wg.Wait()
	entries, syncs := int64(workers*perWorker*2), f.Syncs()-before
	t.Logf("%d entries in %d commits, %d round trips in all", entries, syncs, store.RoundTrips())
	if syncs >= entries {
		t.Errorf("%d commits for %d entries: no group commit", syncs, entries)
	}
	killBackends(t, db)
	if st := db.load(t, "p").State(); len(st.Groups) != workers*perWorker {
		t.Errorf("%d groups recorded, want %d", len(st.Groups), workers*perWorker)
	}
}

// TestWrongPasswordIsNotEchoed: a refused password appears in no error.
func TestWrongPasswordIsNotEchoed(t *testing.T) {
	db := newDatabase(t)
	const wrong = "wrong-Pa55word-xyz"
	t.Setenv("PGPASSWORD", wrong)
	_, err := lockfile.LoadStorage(db.store(t, "p"))
	if err == nil || !strings.Contains(err.Error(), "password authentication failed") || strings.Contains(err.Error(), wrong) {
		t.Errorf("want an authentication error without the password, got %v", err)
	}
}

// TestTornLineIsDropped: a journal row whose last line lacks its newline
// (genuinctl never writes one: only a hand-made row can) is replayed up to
// the torn line, which the next write cuts off, keeping the row's whole
// lines, as on disk.
func TestTornLineIsDropped(t *testing.T) {
	db := newDatabase(t)
	f := db.open(t, "p")
	community(t, f)
	killBackends(t, db)
	whole := `{"op":"put","address":"group/c/hand","group":{"community":"community/c","community_id":"c-1","status":"pending","chat_id":"chat-hand"}}`
	row := fmt.Sprintf("%08x %s\n0123abcd {\"op\":\"cre", crc32.ChecksumIEEE([]byte(whole)), whole)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.url)
	must(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO genuinctl.journal (project, seq, line)
		SELECT project, max(seq) + 1, $1 FROM genuinctl.journal WHERE project = 'p' GROUP BY project`, []byte(row))
	conn.Close(ctx)
	must(t, err)

	next := db.open(t, "p")
	if n := next.Recovered(); n != 3 {
		t.Errorf("replayed %d entries, want the 3 whole ones", n)
	}
	group(t, next, "after")
	killBackends(t, db)
	st := db.load(t, "p").State()
	if st.Groups["group/c/hand"] == nil || st.Groups["group/c/after"] == nil {
		t.Errorf("after the torn line: %+v", st.Groups)
	}
}

// TestDamagedRowsAdvice: rows genuinctl refuses to load are left as they
// are, and the refusal says how to repair them in the database, not in
// git.
func TestDamagedRowsAdvice(t *testing.T) {
	db := newDatabase(t)
	f := db.open(t, "p")
	community(t, f)
	must(t, f.Close())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.url)
	must(t, err)
	defer conn.Close(ctx)
	for _, c := range []struct{ sql, want string }{
		{`INSERT INTO genuinctl.journal (project, seq, line) VALUES ('p', 0, convert_to('garbage' || chr(10), 'UTF8'))`, `restore genuinctl.journal's rows of project "p" from a backup`},
		{`DELETE FROM genuinctl.journal; UPDATE genuinctl.states SET lockfile = convert_to('{"format_version": 2', 'UTF8')`, "replace it with a good lockfile (genuinctl state push --force)"},
	} {
		_, err := conn.Exec(ctx, c.sql)
		must(t, err)
		_, err = lockfile.LoadStorage(db.store(t, "p"))
		var invalid *lockfile.InvalidError
		if !errors.As(err, &invalid) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "git") {
			t.Errorf("after %s: %v", c.sql, err)
		}
	}
}
