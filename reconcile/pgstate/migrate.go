package pgstate

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Schema is the PostgreSQL schema holding every project's state.
const Schema = "genuinctl"

// migrations are the schema's versions, in order: migrations[i] makes
// version i+1. A released migration never changes; a new version appends
// one. Each runs once, in the transaction that records it.
var migrations = []string{
	// 1: one row per project for the lockfile's content as Marshal renders
	// it (what "state pull" writes), gzipped; the journal's checksummed
	// lines, a row for the lines of each commit (seq 0 is its header); and
	// who holds each project's lock.
	`CREATE TABLE genuinctl.states (
		project    text PRIMARY KEY,
		lockfile   bytea NOT NULL,
		written_at timestamptz NOT NULL DEFAULT now()
	);
	CREATE TABLE genuinctl.journal (
		project text NOT NULL,
		seq     bigint NOT NULL,
		line    bytea NOT NULL,
		PRIMARY KEY (project, seq)
	);
	CREATE TABLE genuinctl.holders (
		project     text PRIMARY KEY,
		pid         integer NOT NULL,
		host        text NOT NULL,
		command     text NOT NULL,
		started_at  timestamptz NOT NULL,
		backend_pid integer NOT NULL
	);`,
}

// migrationLock is the transaction advisory lock key that serialises
// migrations: two runners meeting a new database migrate one after the
// other, and the second finds nothing to do.
const migrationLock = 0x67656e75696e6d67 // "genuinmg"

// migrate brings the schema to the latest version, creating it on first
// use. It refuses a database migrated by a newer genuinctl.
func migrate(ctx context.Context, conn *pgx.Conn) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		// CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even
		// when the schema exists: a schema an administrator made for a
		// role without it is used as it is.
		var schema bool
		if err := tx.QueryRow(ctx, `SELECT to_regnamespace('genuinctl') IS NOT NULL`).Scan(&schema); err != nil {
			return err
		}
		if !schema {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA genuinctl`); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS genuinctl.migrations (
				version    integer PRIMARY KEY,
				applied_at timestamptz NOT NULL DEFAULT now()
			)`); err != nil {
			return err
		}
		var version int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM genuinctl.migrations`).Scan(&version); err != nil {
			return err
		}
		if err := checkVersion(version); err != nil {
			return err
		}
		for v := version + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO genuinctl.migrations (version) VALUES ($1)`, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// schemaVersion is the schema's version, 0 before the first migration,
// for readers: they never create anything.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var migrated, states bool
	err := q.QueryRow(ctx, `SELECT to_regclass('genuinctl.migrations') IS NOT NULL, to_regclass('genuinctl.states') IS NOT NULL`).Scan(&migrated, &states)
	switch {
	case err != nil:
		return 0, err
	case !migrated && states:
		return 0, fmt.Errorf("the %s schema is damaged: it holds states but no migrations table; restore it from a backup (or recreate genuinctl.migrations with its version 1 row)", Schema)
	case !migrated:
		return 0, nil
	}
	var version int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM genuinctl.migrations`).Scan(&version); err != nil {
		return 0, err
	}
	return version, checkVersion(version)
}

func checkVersion(version int) error {
	if version > len(migrations) {
		return fmt.Errorf("the database's %s schema is at version %d, made by a newer genuinctl (this one knows %d): upgrade genuinctl", Schema, version, len(migrations))
	}
	return nil
}
