package pgstate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// Store is a lockfile.Storage in a PostgreSQL database: one project's
// lockfile content and journal as rows of the tables migrations create,
// written over one connection. The writers' lock is a session advisory
// lock on that connection, which the server releases when the connection
// ends, however the runner ends.
//
// Durability is the database's: every write is one transaction, committed
// with synchronous_commit on before the call returns. A Sync inserts every
// line appended since the last one in a single statement: one round trip
// for all the results concurrent workers recorded meanwhile (group
// commit, as the lockfile's journal has).
type Store struct {
	cfg  *Config
	conn *pgx.Conn
	// locked says this Store holds the project's advisory lock.
	locked bool

	// mu guards pending: Append runs during a Sync.
	mu sync.Mutex
	// pending are the lines appended since the last Sync, one after the
	// other: the next Sync writes them as one row.
	pending []byte
	// nextRow is the seq of the journal's next row.
	nextRow int64
	// rows are the rows of the journal Read returned, for ContinueJournal.
	rows []journalRow

	roundTrips atomic.Int64
}

// journalRow is where one row of the journal ends in the journal's content.
type journalRow struct {
	seq, end int64
}

// New returns a Store for the state cfg names; it connects on first use.
func New(cfg *Config) *Store { return &Store{cfg: cfg} }

// opTimeout bounds one database call, so that a database that stops
// answering fails the command: a checkpoint writes about 10 MB, gzipped,
// at 20,000 groups.
const opTimeout = 2 * time.Minute

// Name is the URL without its password, with its project.
func (s *Store) Name() string { return s.cfg.String() }

// JournalName names the journal's rows.
func (s *Store) JournalName() string { return s.cfg.String() + " (journal)" }

// RepairAdvice says how to repair a project's rows that genuinctl refused
// to load: there is no git history to restore them from.
func (s *Store) RepairAdvice(journal bool) string {
	if journal {
		return fmt.Sprintf("the journal was left untouched: restore genuinctl.journal's rows of project %q from a backup, "+
			"or delete them to drop the results they hold", s.cfg.Project)
	}
	return fmt.Sprintf("it was left untouched: restore genuinctl.states' row of project %q from a backup, "+
		"or replace it with a good lockfile (genuinctl state push --force)", s.cfg.Project)
}

// RoundTrips is the number of statements this Store sent.
func (s *Store) RoundTrips() int64 { return s.roundTrips.Load() }

// connect opens the connection, once.
func (s *Store) connect(ctx context.Context) error {
	if s.conn != nil {
		return nil
	}
	conn, err := pgx.ConnectConfig(ctx, s.cfg.conn)
	if err != nil {
		return s.fail("connect to "+s.Name(), err)
	}
	s.conn = conn
	return nil
}

// fail wraps a database error with what was being done, never quoting
// the password, wherever the password came from, and says what a refused
// privilege needs. The ops of Lock and Read name the state; a File names
// it in every error of the other calls.
func (s *Store) fail(op string, err error) error {
	msg := fmt.Sprintf("%s: %v", op, err)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "42501" { // insufficient_privilege
		msg += "; the role needs CREATE on the database for the first write (or an existing genuinctl schema it may create tables in), " +
			"then SELECT, INSERT, UPDATE and DELETE on the genuinctl tables (SELECT only, to plan)"
	}
	return &dbError{msg: s.cfg.secrets.String(msg), err: err}
}

// dbError is a database error with its message redacted.
type dbError struct {
	msg string
	err error
}

func (e *dbError) Error() string { return e.msg }
func (e *dbError) Unwrap() error { return e.err }

// call runs one database call with a bounded context, after connecting.
func (s *Store) call(op string, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.connect(ctx); err != nil {
		return err
	}
	s.roundTrips.Add(1)
	if err := fn(ctx); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// lockKey is the project's advisory lock key.
func (s *Store) lockKey() int64 {
	sum := sha256.Sum256([]byte("genuinctl state " + s.cfg.Project))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// lockPoll is how often Lock tries again while another runner holds the
// lock.
const lockPoll = 100 * time.Millisecond

// Lock creates or migrates the schema, then takes the project's advisory
// lock, waiting up to timeout, and records the holder for the error of
// the runners it keeps out.
func (s *Store) Lock(timeout time.Duration, command string) error {
	err := s.call("migrate the state schema of "+s.Name(), func(ctx context.Context) error {
		// Most runs find the schema current: a read, with no transaction.
		if v, err := schemaVersion(ctx, s.conn); err != nil || v == len(migrations) {
			return err
		}
		return migrate(ctx, s.conn)
	})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		err := s.call("lock "+s.Name(), func(ctx context.Context) error {
			return s.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, s.lockKey()).Scan(&ok)
		})
		if err != nil {
			return err
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return &lockfile.LockedError{Path: s.Name(), Holder: s.holder(), Waited: timeout,
				Released: "the database releases the lock when that runner's connection ends, even if it was killed"}
		}
		time.Sleep(lockPoll)
	}
	s.locked = true
	host, _ := os.Hostname()
	return s.call("record the lock's holder in "+s.Name(), func(ctx context.Context) error {
		_, err := s.conn.Exec(ctx, `INSERT INTO genuinctl.holders (project, pid, host, command, started_at, backend_pid)
			VALUES ($1, $2, $3, $4, $5, pg_backend_pid())
			ON CONFLICT (project) DO UPDATE SET pid = excluded.pid, host = excluded.host,
				command = excluded.command, started_at = excluded.started_at, backend_pid = excluded.backend_pid`,
			s.cfg.Project, os.Getpid(), host, command, time.Now().UTC().Truncate(time.Second))
		return err
	})
}

// holder is who holds the project's lock: the holders row of the session
// that holds it, if it wrote one yet (empty otherwise).
func (s *Store) holder() lockfile.Holder {
	var h lockfile.Holder
	_ = s.call("read the lock's holder", func(ctx context.Context) error {
		// The row of a killed holder stays until the next holder writes
		// its own: only the session holding this very lock counts.
		key := uint64(s.lockKey())
		err := s.conn.QueryRow(ctx, `SELECT h.pid, h.host, h.command, h.started_at FROM genuinctl.holders h
			WHERE h.project = $1 AND EXISTS (SELECT 1 FROM pg_locks l
				WHERE l.locktype = 'advisory' AND l.granted AND l.pid = h.backend_pid
				AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
				AND l.classid::bigint = $2 AND l.objid::bigint = $3 AND l.objsubid = 1)`,
			s.cfg.Project, int64(key>>32), int64(key&0xffffffff)).Scan(&h.PID, &h.Host, &h.Command, &h.Started)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	return h
}

// Read reads the lockfile's content and the journal in one snapshot, so
// that a checkpoint committed meanwhile is seen whole or not at all. A
// database without the schema holds no state: Read creates nothing.
func (s *Store) Read() (lockfile.Stored, error) {
	var st lockfile.Stored
	s.rows = nil
	err := s.call("read "+s.Name(), func(ctx context.Context) error {
		return pgx.BeginTxFunc(ctx, s.conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			if v, err := schemaVersion(ctx, tx); err != nil || v == 0 {
				return err
			}
			var data []byte
			switch err := tx.QueryRow(ctx, `SELECT lockfile FROM genuinctl.states WHERE project = $1`, s.cfg.Project).Scan(&data); {
			case err == nil:
				if st.Lockfile, err = decompress(data); err != nil {
					return err
				}
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			}
			rows, err := tx.Query(ctx, `SELECT seq, line FROM genuinctl.journal WHERE project = $1 ORDER BY seq`, s.cfg.Project)
			if err != nil {
				return err
			}
			var journal bytes.Buffer
			var seq int64
			var line []byte
			_, err = pgx.ForEachRow(rows, []any{&seq, &line}, func() error {
				journal.Write(line)
				s.rows = append(s.rows, journalRow{seq: seq, end: int64(journal.Len())})
				return nil
			})
			if len(s.rows) > 0 {
				st.Journal = journal.Bytes()
			}
			return err
		})
	})
	return st, err
}

// CreateJournal replaces any journal with the header line.
func (s *Store) CreateJournal(header []byte) error { return s.ResetJournal(header) }

// ContinueJournal continues the journal Read returned, first cutting it
// at good: the rows past it are deleted, and a row it cuts keeps its first
// part. genuinctl writes whole lines, so only a row written by hand can
// hold a torn line, which is dropped as a torn line of a file is.
func (s *Store) ContinueJournal(good int64) error {
	keep, cut := int64(-1), int64(-1) // the last row kept; its length, if cut
	for i, r := range s.rows {
		start := int64(0)
		if i > 0 {
			start = s.rows[i-1].end
		}
		if start < good {
			keep = r.seq
			if r.end > good {
				cut = good - start
			}
		}
	}
	s.nextRow = keep + 1
	return s.call("continue the journal", func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM genuinctl.journal WHERE project = $1 AND seq > $2`, s.cfg.Project, keep); err != nil {
				return err
			}
			if cut < 0 {
				return nil
			}
			_, err := tx.Exec(ctx, `UPDATE genuinctl.journal SET line = substring(line FROM 1 FOR $3) WHERE project = $1 AND seq = $2`,
				s.cfg.Project, keep, cut)
			return err
		})
	})
}

// Append queues a line for the next Sync.
func (s *Store) Append(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, line...)
	return nil
}

// Sync writes every line appended since the last Sync as one row, in one
// statement and one transaction.
func (s *Store) Sync() error {
	s.mu.Lock()
	lines := s.pending
	s.pending = nil
	s.mu.Unlock()
	if len(lines) == 0 {
		return nil
	}
	err := s.call("write the journal", func(ctx context.Context) error {
		_, err := s.conn.Exec(ctx, `INSERT INTO genuinctl.journal (project, seq, line) VALUES ($1, $2, $3)`,
			s.cfg.Project, s.nextRow, lines)
		return err
	})
	if err == nil {
		s.nextRow++
	}
	return err
}

// ResetJournal deletes the journal's rows and the lines not yet synced
// (a checkpoint holds them), and writes the header row, in one
// transaction.
func (s *Store) ResetJournal(header []byte) error {
	s.mu.Lock()
	s.pending = nil
	s.mu.Unlock()
	s.nextRow = 1
	return s.call("reset the journal", func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM genuinctl.journal WHERE project = $1`, s.cfg.Project); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO genuinctl.journal (project, seq, line) VALUES ($1, 0, $2)`, s.cfg.Project, header)
			return err
		})
	})
}

// WriteState replaces the project's lockfile content in one statement,
// gzip-compressed: a 5,000-group lockfile of 4.9 MB is stored in 0.7 MB,
// written several times faster than PostgreSQL's own compression does it.
func (s *Store) WriteState(data []byte) error {
	packed, err := compress(data)
	if err != nil {
		return err
	}
	return s.call("write the state", func(ctx context.Context) error {
		_, err := s.conn.Exec(ctx, `INSERT INTO genuinctl.states (project, lockfile) VALUES ($1, $2)
			ON CONFLICT (project) DO UPDATE SET lockfile = excluded.lockfile, written_at = now()`, s.cfg.Project, packed)
		return err
	})
}

// RemoveJournal deletes the journal's rows.
func (s *Store) RemoveJournal() error {
	s.mu.Lock()
	s.pending = nil
	s.mu.Unlock()
	return s.call("remove the journal", func(ctx context.Context) error {
		_, err := s.conn.Exec(ctx, `DELETE FROM genuinctl.journal WHERE project = $1`, s.cfg.Project)
		return err
	})
}

// Close removes the holder's row, if this Store holds the lock, and ends
// the connection, which releases the lock.
func (s *Store) Close() error {
	if s.conn == nil {
		return nil
	}
	var err error
	if s.locked {
		err = s.call("release the lock", func(ctx context.Context) error {
			_, err := s.conn.Exec(ctx, `DELETE FROM genuinctl.holders WHERE project = $1 AND backend_pid = pg_backend_pid()`, s.cfg.Project)
			return err
		})
		s.locked = false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if cerr := s.conn.Close(ctx); err == nil && cerr != nil {
		err = s.fail("disconnect", cerr)
	}
	s.conn = nil
	return err
}
