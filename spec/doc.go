// Package spec reads the spec language: the YAML files, kept in git, that
// declare the communities, groups (loops) and members genuinctl provisions.
// Load turns them into a Desired, the plain data the reconciler diffs
// against the lockfile.
//
// # The language
//
// A spec is one or more files; a directory stands for every spec file
// below it (see Which files are spec files, below), in sorted order. Each
// file holds one YAML document that starts with "version: 1" and may have
// these top-level lists:
//
//	communities:  handle (identity), name, description, tags, dp, banner,
//	              categories {existing, new}, is_ai_generated,
//	              is_ai_generated_dp, is_ai_generated_banner,
//	              users [{user_id}], type, actions [{action_id, access_type_id}]
//	groups:       key, community (or community_id), chat_id, name, description, tags, dp, topics,
//	              settings {discoverable}, type (default 4), template_id,
//	              actions, is_ai_generated, recorded_video {...},
//	              members [{user_id} | {phone}], member_lists [name...],
//	              phones_in_create, subscribers_removed [{user_id, also_member} | {member_list, also_member}]
//	member_lists: name, and one of members [...], file: x.yaml, csv: x.csv
//	generators:   name, matrix {var: [values...] | {csv: x.csv}}, group
//	moved:        from, to (group addresses: a group's record follows its
//	              new key; Desired.Moved, checked for loops, duplicates and
//	              ends the spec declares; reconcile checks them against
//	              the lockfile)
//
// Field names are the API's own, so the Create Community, Create Group and
// Update Conversation guides read across; schema/spec.schema.json documents
// every field and gives editors completion. Where the wire differs the spec
// is friendlier: tags are a list (sent comma-joined, so a tag holds no
// comma), recorded_video.meta_data.topic becomes Video.Topic.
//
// A community is addressed community/<handle>; a group
// group/<community>/<key>, where key is a stable slug that never changes
// while the display name may. A group in an existing community that the
// spec does not manage names it by community_id instead of community, and
// is addressed group/<community_id>/<key>. A community and its groups may live in
// different files. Diagnostics also name member_list/<name> and
// generator/<name>.
//
// A member is a user id (a UUID, stored in lower case) or a phone number
// with its country code: a leading '+' and any spaces, '-', '.', '(' and
// ')' are dropped, leaving 8 to 15 digits that do not start with 0
// ("+91 98765-43210" is 919876543210). Quote phone numbers: an unquoted
// integer is accepted, a float is not. A group's members are de-duplicated
// by identity, keeping the first position.
//
// A phone number must be one that can exist: the API makes a placeholder
// user of any number it does not know. The judge is libphonenumber
// (github.com/nyaruka/phonenumbers): phonenumbers.Parse of "+" and the
// digits must keep every digit (no national prefix, as in "+44 (0)20 ...")
// and IsValidNumber must hold. Its reason is given where it tells one: no
// such country calling code, too short or too long for the country (by
// the lengths of its mobile and fixed-line numbers), no such number. The
// library takes some 16µs a number, so its rules are compiled once per
// calling code and accept a valid number in well under 1µs, leaving every
// other number to the library; TestPhoneRulesAgree checks they never
// accept one the library refuses.
//
// # Member lists
//
// A member list is a named list of members that groups share: written
// inline, in a YAML file holding a list of members, or in a CSV file with a
// header row and a user_id and/or phone column (a UTF-8 BOM and CRLF line
// ends are fine; each bad row is reported at its csvfile:line:col). Paths
// are relative to the spec file, and confined to the spec root (see Files
// a spec names, below). A YAML file named by a member list is not a spec
// file, even below a directory given to Load: a file holding a list is set
// aside until every spec file is read; one that no member list names is
// skipped if found below a directory, and reported as a spec file (which
// cannot be a list) if given. A group's members are its inline members, then
// each of its member_lists in order, with duplicates dropped; a group with
// one list and no inline members shares the list's slice, capped so that
// appending copies.
//
// # Subscribers removed
//
// A group's subscribers_removed names users who must not be subscribers
// (non-collaborators) of it: by user_id, or a member_list whose users are
// all named. update_conversation's subscribers_removed takes member ids,
// and only a user's is known offline (their user id), so a member list
// holding a phone is an error where subscribers_removed names it (the
// message gives the phone's position, never the number). The users are
// the inline ones, then each list's, de-duplicated by user id, the first
// kept, each at its position (the item, or the member in its list). A user
// who is also one of the group's members (by user id) is an error at the
// subscriber's position, unless its item says also_member: true: a member
// is a collaborator, not a subscriber, so both at once is usually one list
// used for both by mistake, while the Update Conversation guide's example
// does it on purpose (it adds as a member the user it removes as a
// subscriber).
//
// # Create options
//
// chat_id gives the group's create the chat_id the Create Group guide's
// example sends: a version-4 UUID, stored in lower case, different for
// every group of the spec (a duplicate is reported at the second naming
// the first). phones_in_create sends phone members inside the create, as
// that example does, rather than in an update right after it; their member
// ids then stay unknown (the create's answer does not say which member a
// phone became).
//
// # Generators
//
// A generator makes one group per row of its matrix, the cartesian product
// of its variables (the first varying slowest): a list variable gives its
// values, a CSV variable {csv: file} its rows. The group template's text
// fields (key, community, community_id, chat_id, name, description, dp,
// and the items of tags and member_lists) are Go text/template strings
// evaluated for each row:
// {{.topic}} is a list variable's value, {{.city.name}} a CSV variable's
// column. Templates may also call lower, upper, trim and slug ("New York"
// | slug is new-york). Other fields are copied as written. A generated
// group is checked like a written one and positioned at its CSV row (the
// first CSV variable's), or at the generator when the matrix has no CSV;
// two rows making one address is reported naming both. A template error
// that every row would repeat (a missing column, an unknown community or
// list) is reported once, at the first row. A matrix may make at most
// 100,000 groups.
//
// # Which files are spec files
//
// A file given to Load is a spec file, whatever it holds. Below a
// directory given, YAML that is not the spec's is common (CI workflows,
// docs and compose files, Helm charts, test fixtures) and must not break
// the spec, while a spec file must never be left out in silence. So:
//
//   - Names starting with '.' (.git, .github, .pre-commit-config.yaml) and
//     directories named testdata (Go's convention for test fixtures) are
//     left out unread; the directory given is read whatever its name. The
//     testdata directories left out are returned in Desired.Skipped.
//   - A *.yaml or *.yml file is a spec file when its top level is a mapping
//     holding "version: 1", which every spec file has, or one of the
//     sections communities, groups, member_lists, generators. A "version"
//     alone with another value (docker-compose.yml's "3.8", a Helm
//     Chart.yaml's 0.1.0) does not make one. A spec file is read and
//     reported whatever else is wrong with it, so a typo never turns a
//     spec file into a skipped one. A file that is not valid YAML is a
//     spec file when one of its lines starts with one of those keys.
//   - A file holding a list is a member list file if a member list names
//     it (see Member lists), and skipped otherwise.
//   - Any other YAML file (empty, not YAML, not a mapping, no spec key) is
//     skipped unjudged: none of its diagnostics is reported.
//
// Every file skipped is returned in Desired.Skipped, sorted by path, with
// why; SkippedNotes words them as notes for a command to print. A
// directory given that holds YAML files but no spec file is an error that
// names what was skipped.
//
// # Files a spec names
//
// A spec comes from a pull request as often as from its owner, so the
// files it names are untrusted input, and what Load prints is public
// output: a spec must never be a way to print a secret, or to hang or
// exhaust the process reading it.
//
//   - The spec roots are the paths given to Load (a directory counts as
//     itself, a file as its directory), with symlinks resolved
//     (filepath.EvalSymlinks). Loading "spec" makes spec/ the root;
//     loading "spec" and "lists/more.yaml" makes spec/ and lists/ the
//     roots, never their common parent, so two unrelated paths cannot
//     widen what a spec may read to a directory such as /.
//   - A path a spec names (a member list's file or csv, a matrix
//     variable's csv), relative or absolute, must resolve, symlinks and
//     all, inside one of the roots; otherwise it is reported at the path,
//     as outside the spec root, and never read. So must a *.yaml symlink found
//     below a directory given, and a file given to Load that is a symlink
//     (a shell glob such as spec/*.yaml passes the symlinks committed
//     there); its root is the directory holding the link, resolved, not
//     its target's. A regular file given to Load is the user's choice and
//     may be anywhere.
//   - Only regular files are read: a directory, a named pipe, a device or
//     a socket is refused before it is opened, and again if one is swapped
//     in before the open, which cannot block (O_NONBLOCK on unix).
//   - A file is read up to MaxFileSize (64 MiB), and refused past it,
//     whatever size it claims; one whose size is past it is refused
//     unread, an error even for a YAML file below a directory that may
//     not be a spec file.
//   - A diagnostic quotes at most 40 runes of a file at a time (keys,
//     values, CSV columns, names in a did-you-mean, the messages of the
//     YAML parser, the schema library and text/template), followed by
//     "…" when cut, with control characters and invalid UTF-8 escaped.
//     Addresses in diagnostics are cut the same way, part by part.
//   - Load reports at most MaxDiagnostics (1,000) diagnostics, the first
//     by position; one more, at the first left out, says how many more it
//     found. Those are counted, not worded or kept.
//
// # Checks
//
// Load is strict and reports every problem at once. Each file is parsed
// with yaml.v3 into a node tree; duplicate keys, aliases and non-standard
// tags are rejected. The tree, as a JSON-like value, is validated against
// the embedded JSON Schema (a list longer than 64 items item by item, see
// below), and each schema error is reported at the YAML node its instance
// location points to, worded from the broken keyword:
// an unknown key with a did-you-mean suggestion, a wrong type, a value out
// of range, a missing key. Checks the schema cannot express run after it:
// unknown communities and member lists, an address, handle, list or
// generator defined twice, phone numbers, CSV files, templates.
// Nodes the schema already reported are not checked again, so one mistake
// gives one diagnostic.
//
// Load keeps memory and time in proportion to the Desired it returns and
// to its largest file, not to the mistakes it finds. Spec files are read,
// parsed and validated concurrently, with the CSV member lists they name,
// and added in order, so results do not depend on scheduling; each node
// tree is dropped once added. Each directory holding a file a spec names
// is resolved once per Load, and each file's own name checked for a
// symlink. The schema is compiled with its references to small rules
// inlined, and sees a file in small pieces: a list longer than 64 items
// is validated empty, then item by item, so neither the JSON-like value
// of a whole file nor the schema library's errors about it are ever held
// at once. Member lists in which every member is plainly valid (the bulk
// of a large spec) are given to the schema empty, the Go checks being the
// ones that matter for them. CSV rows are decoded one at a time. A member
// keeps one string, its identity ("user:<id>", "phone:<digits>"), the end
// of which is its user id or phone number. A group with one list and no
// inline members shares the list's members; a list is let go once every
// group naming it has its members. What remains is yaml.v3's node tree of
// the file being loaded, some 17 bytes of memory per byte of YAML, about
// twice that at the peak, the garbage collector's headroom: TestHugeSpecs
// and BenchmarkLoadHuge* measure 52 and 58 MB files. BenchmarkLoadLarge
// (1,000 communities, 20,000 groups, 1,000,000 memberships) keeps Load
// within twice the cost of merely parsing the same files
// (BenchmarkDecodeLarge).
//
// # Invariants
//
//   - Load never panics, whatever the input.
//   - On error, Load returns a nil Desired and a *multierror.Error whose
//     entries are *Diagnostic, each with a position (file:line:col, or
//     file:line when yaml.v3 gives no column, or the path alone when the
//     path itself cannot be read), sorted by position and de-duplicated:
//     at most MaxDiagnostics, then one saying how many more there are.
//     err.Error() prints one per line; Diagnostics returns them.
//   - Load reads no file outside the spec roots but regular files given to it, no
//     file but regular ones, nothing past MaxFileSize, and quotes no more
//     than 40 runes of a file at a time.
//   - On success, every *.yaml and *.yml file below a directory given was
//     read as a spec or member list file, or is in Desired.Skipped (itself
//     or its testdata directory), but those with a hidden name, left out
//     by name and unlisted.
//   - On success, Desired's maps are non-nil, every group's community is in
//     Communities, every member list a group names exists, Group.Type is set (4 unless given), tags keep their
//     order, members are normalised and unique within a group, and every
//     Pos is the position of the list item ("- key: ...") that declares it
//     (a CSV row for members and generated groups, as above).
package spec
