// Package spec reads the spec language: the YAML files, kept in git, that
// declare the communities, groups (loops) and members genuinctl provisions.
// Load turns them into a Desired, the plain data the reconciler diffs
// against the lockfile.
//
// # The language
//
// A spec is one or more files; a directory stands for every *.yaml and
// *.yml below it, in sorted order, skipping directories whose name starts
// with '.'. Each file holds one YAML document that starts with
// "version: 1" and may have these top-level lists:
//
//	communities: handle (identity), name, description, tags, dp, banner,
//	             categories {existing, new}, is_ai_generated,
//	             is_ai_generated_dp, is_ai_generated_banner,
//	             users [{user_id}], type, actions [{action_id, access_type_id}]
//	groups:      key, community, name, description, tags, dp, topics,
//	             settings {discoverable}, type (default 4), template_id,
//	             actions, is_ai_generated, recorded_video {...},
//	             members [{user_id} | {phone}]
//
// Field names are the API's own, so the Create Community, Create Group and
// Update Conversation guides read across; schema/spec.schema.json documents
// every field and gives editors completion. Where the wire differs the spec
// is friendlier: tags are a list (sent comma-joined, so a tag holds no
// comma), recorded_video.meta_data.topic becomes Video.Topic.
//
// A community is addressed community/<handle>; a group
// group/<community>/<key>, where key is a stable slug that never changes
// while the display name may. A community and its groups may live in
// different files.
//
// A member is a user id (a UUID, stored in lower case) or a phone number
// with its country code: a leading '+' and any spaces, '-', '.', '(' and
// ')' are dropped, leaving 8 to 15 digits that do not start with 0
// ("+91 98765-43210" is 919876543210). Quote phone numbers: an unquoted
// integer is accepted, a float is not. A group's members are de-duplicated
// by identity, keeping the first position.
//
// # Checks
//
// Load is strict and reports every problem at once. Each file is parsed
// with yaml.v3 into a node tree; duplicate keys, aliases and non-standard
// tags are rejected. The tree, as a JSON-like value, is validated against
// the embedded JSON Schema, and each schema error is reported at the YAML
// node its instance location points to, worded from the broken keyword:
// an unknown key with a did-you-mean suggestion, a wrong type, a value out
// of range, a missing key. Checks the schema cannot express run after it:
// unknown communities, an address or handle defined twice, phone numbers.
// Nodes the schema already reported are not checked again, so one mistake
// gives one diagnostic.
//
// # Invariants
//
//   - Load never panics, whatever the input.
//   - On error, Load returns a nil Desired and a *multierror.Error whose
//     entries are *Diagnostic, each with a position (file:line:col, or
//     file:line when yaml.v3 gives no column, or the path alone when the
//     path itself cannot be read), sorted by position and de-duplicated.
//     err.Error() prints one per line; Diagnostics returns them.
//   - On success, Desired's maps are non-nil, every group's community is in
//     Communities, Group.Type is set (4 unless given), tags keep their
//     order, members are normalised and unique within a group, and every
//     Pos is the position of the list item ("- key: ...") that declares it.
package spec
