// Package lockfile holds genuinctl's memory of what exists on the platform:
// the State of every community and group the tool created, with the ids the
// API returned and the member ids it handed back. There is no read API, so a
// record lost here is an object the tool can never manage again.
//
// Invariants:
//   - The file is JSON with its keys in a fixed order (map keys sorted),
//     indented, one record per object, one line per member and per field,
//     and a trailing newline, so it diffs cleanly in git: Marshal(s) is
//     deterministic, and Parse(Marshal(s)) is s (field values equal as
//     JSON).
//   - Writes are atomic: a temporary file in the same directory is written
//     and synced, renamed over the lockfile, and the directory is synced. A
//     crash leaves either the old or the new file, never a torn one.
//   - Every change is an Entry, appended and synced to the journal before
//     Record returns; a checkpoint folds the journal into the lockfile.
//   - Under concurrency, entries reach the journal in the order they
//     change the state (one mutex covers check, apply and write), and
//     concurrent Records share syncs: the first to need one syncs every
//     entry written so far, the others wait for it (group commit). A
//     checkpoint waits for the sync in progress before it resets the
//     journal, and the lockfile it writes makes every entry durable.
//   - A failed write or sync breaks the File: every Record, waiting or
//     later, fails, nothing more is written, and the journal is kept for
//     the next run to replay. All work stops at once.
//   - Loading validates everything, in one walk of the bytes that builds
//     the State as it goes (decode.go), and refuses with every problem as
//     file:line:col: address: message (file:line for the journal): content
//     that is not UTF-8 JSON or has anything after the document; the shape
//     of schema/lockfile.schema.json (schema/lockfile-v1.schema.json for
//     format 1: a key missing, unknown, duplicated or in another case, a
//     wrong type, null anywhere but inside a field's value, an integer out
//     of range, a member listed twice); another format_version; and the
//     rules of State.Validate that a schema cannot state: record keys that
//     are addresses, a community's handle equal to its address's, a created
//     community with its community_id, known statuses, a non-empty chat_id
//     no other group has, a group's community equal to its address's, member
//     identities, create_members only on a pending group, subscribers_removed
//     user:<id> identities listed once, 0 <= serial < MaxInt64. The rules of
//     a record are checked once it is read, unless it has a problem of its
//     shape. A journal's header and entries are held to the same rules,
//     and each entry is checked as Record checks it while it is replayed.
//     A group's community need not be recorded ("state rm" may forget it).
//   - Record refuses an entry that would break a rule (a record that does
//     not validate, another group's chat_id, an entry of the wrong kind for
//     its address) before writing anything, and Checkpoint never writes a
//     state that breaks one: genuinctl never writes what it would refuse to
//     read.
//   - A refused file is never rewritten: Load writes nothing.
//   - A command that changes nothing writes nothing: Close checkpoints only
//     if Record was called since the last checkpoint, and content is
//     compared in canonical form (Marshal of the state read), so a lockfile
//     re-formatted by an editor, jq or a CRLF checkout is not rewritten and
//     its serial does not move. A journal left by an interrupted run is
//     folded in only by an explicit Checkpoint (or with the next result
//     recorded); Close never creates, truncates or removes a journal it
//     did not write.
//   - The serial grows by one on every write that changes content.
//   - Format 2 is format 1 made smaller, still one line per member: a
//     group's members, one object of identity to member id in format 1,
//     are its users (a sorted array of the user ids whose member id is
//     the user id: nearly all), its phones (digits to member id) and its
//     user_member_ids (user id to "", a member whose add is uncertain),
//     each optional; a field's value is compact on its line. Everything
//     else is as in format 1. Parse reads both formats into the same
//     State (FormatVersion 2); Marshal writes format 2 only, so a format 1
//     lockfile is rewritten as format 2 by the first checkpoint that
//     changes its content, and by nothing else. The journal's format is
//     unchanged: its records keep format 1's members. A later change of
//     the file bumps format_version again and keeps a reader for every
//     released format.
//
// Many runners: a new lockfile's lineage is derived from its endpoint
// (LineageFor), and a group's chat_id from the lineage and its address
// (ChatIDFor, version 4 layout), so runners that share neither a lock nor
// a lockfile name the same chat for the same address. Merge is the
// three-way merge of two lockfiles grown from one base (the git merge
// driver, whose three files may be of either format): it unions records, merges one record field by field and member
// by member, keeps the lineage, takes the larger serial plus one, and
// refuses a real conflict (*ConflictError).
//
// Storage: a File keeps its bytes, the lockfile's content and the
// journal's lines, in a Storage: files on disk by default (Load, Open), or
// anything that keeps the promises Storage lists (LoadStorage,
// OpenStorage): reconcile/pgstate keeps them in PostgreSQL. Everything
// above (validation, replay, group commit, checkpoints, the rules of
// Record) is the File's, the same on every Storage. Pull and File.Push
// move a state's content between Storages byte for byte.
//
// The package imports nothing else of genuinctl's: records keep the applied
// values of fields as compact JSON keyed by field name, and the reconciler
// decides what they mean. The shapes it checks mirror
// schema/lockfile.schema.json and schema/lockfile-v1.schema.json; tests
// hold each format's shape and schema in agreement.
package lockfile
