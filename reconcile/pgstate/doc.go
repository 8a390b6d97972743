// Package pgstate keeps genuinctl's state in PostgreSQL, for teams whose
// applies run on many machines: a lockfile.Storage whose bytes are rows.
//
// Each project (the state URL's project parameter) has one row of
// genuinctl.states holding its lockfile content, as Marshal renders it
// and "state pull" writes it, and rows of genuinctl.journal holding its
// journal's checksummed lines since the last checkpoint. A lockfile.File
// does the rest exactly as on disk, so the records, the invariants and the
// crash safety are the lockfile's: an intent is committed before its
// create is sent, each result before its worker's next request (one
// INSERT for every line recorded while the previous one ran), and a
// runner killed at any moment leaves a journal the next run replays.
//
// Writers hold a session advisory lock on their one connection, which the
// server releases when the connection ends, however the runner ends; a
// genuinctl.holders row names the holder for the error of the others.
// Readers (plan, state pull) take no lock and read the content and the
// journal in one repeatable-read snapshot.
//
// The schema is created on first write by versioned migrations (see
// migrate.go), applied once each under a transaction advisory lock.
// Nothing here ever prints or returns a password: errors are scrubbed of
// the connection's password and name the state by its URL without it.
package pgstate
