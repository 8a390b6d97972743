// Package lockfile holds genuinctl's memory of what exists on the platform:
// the State of every community and group the tool created, with the ids the
// API returned and the member ids it handed back. There is no read API, so a
// record lost here is an object the tool can never manage again.
//
// Invariants:
//   - The file is JSON with sorted keys, indented, one record per object and
//     a trailing newline, so it diffs cleanly in git.
//   - Writes are atomic: a temporary file in the same directory is written
//     and synced, renamed over the lockfile, and the directory is synced. A
//     crash leaves either the old or the new file, never a torn one.
//   - The serial grows by one on every write that changes content; a write
//     that changes nothing leaves the file untouched.
//   - A file that does not parse, or has an unknown format version, is
//     reported with its position and never overwritten.
//
// The package imports nothing else of genuinctl's: records keep the applied
// values of fields as canonical JSON keyed by field name, and the reconciler
// decides what they mean.
package lockfile
