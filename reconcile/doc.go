// Package reconcile turns a spec and a lockfile into a Plan, and a Plan into
// API calls.
//
// Diff compares spec.Desired with lockfile.State and returns plain data:
// one Change per address (create, update, pending, blocked), sorted by
// address with communities first, each with its provenance (file:line) and
// its exact API call count. It makes no network call, so plans are safe on
// pull requests from forks. What the API cannot do (change a community, a
// group's create-only fields, delete anything) is a blocked change with the
// reason and what to do, never dropped. A group's chat_id may come from
// the spec; once created it is fixed, and changing it is blocked too.
//
// The spec's moved blocks are resolved against the lockfile first
// (moved.go): each record they carry to a new address is a move change
// (no API call; one OpMove journal entry at apply), and the rest of the
// plan is diffed against the state as moved. Select narrows a plan to
// --target and --exclude globs over Addresses, with the community creates
// that selected groups need.
//
// Every field of a community or a group is declared once, in the field
// table of its kind (fields.go): its name in the plan and the lockfile,
// whether update_conversation can change it or it is create-only, whether
// the spec stops managing it when it leaves it out, whether it is personal
// data, how its value is read from the spec and how it goes on the wire.
// Diff, the create and update requests, import and the text rendering read
// the tables. Recorded values are in the lockfile's own encoding, the JSON
// of plain values built from the spec, never of internal/genuin's wire
// structs: a field added to a request changes no recorded value.
//
// Apply executes a Plan with a pool of workers, one address at a time each
// (schedule.go): a group waits for its community's create, one address's
// requests stay in order, nothing else waits. Its invariants:
//   - Before a create, the intent (with the chat_id generated at plan time)
//     is durable; every result is written to the journal as it arrives and
//     is durable before the worker that got it sends its next request
//     (lockfile.File.Write, then Sync: workers share fsyncs).
//   - A create whose outcome is unknown (a lost answer) stays pending and is
//     re-sent with the same chat_id; a re-send the API refuses is confirmed
//     by a harmless update_conversation on that chat_id. Creates are never
//     repeated under a new id.
//   - One failure stops only its address (and the groups of a community
//     that could not be created); all errors come back together.
//   - A cancelled context, or the circuit breaker (too many of the latest
//     requests failed), starts no new request; the ones in flight finish
//     and are recorded. A result that cannot be recorded stops every worker.
//   - Members are added by user_id inside a group's create (the member id of
//     a user_id member is the user id) and by phone in update_conversation,
//     whose answer is the only one that says which member id a phone got;
//     with phones_in_create, phones ride in the create too and are recorded
//     without a member id.
//   - A subscriber removal (subscribers_removed, by user id) is sent once and
//     recorded once answered; one whose answer was lost is not recorded and
//     is sent again. A user taken off the spec's list is forgotten by an
//     update that makes no request (nothing re-subscribes anyone). A group
//     created with subscribers_removed is updated right after its create.
//     Subscriber removals count toward Limits.MaxRemovals.
//
// Save and SavedPlan.Resume bind a plan to the records it was computed from:
// a saved plan is refused on a lockfile whose records moved in a way the
// plan does not explain, and resumed (only what is not recorded yet) on
// one that a partial run of the same plan moved.
package reconcile
