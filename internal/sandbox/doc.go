// Package sandbox is a local emulator of Genuin's third-party API, faithful
// enough that a client which passes against it has no surprises against the
// real API. It is an http.Handler (Server) serving, as documented in
// shared/api and research-notes.md:
//
//	POST  /api/thirdparty/auth                          api_key + api_secret -> gn-access-token header
//	POST  /api/thirdparty/community/create
//	POST  /api/thirdparty/group/create
//	PATCH /api/thirdparty/update_conversation/{chat_id}
//
// and two read-only, unauthenticated inspection endpoints:
//
//	GET /_sandbox/state     the whole state as a Snapshot (also Server.Snapshot)
//	GET /_sandbox/requests  the request log (also Server.Requests), with the
//	                        JSON body of each API request as received; never
//	                        a token, and never auth's body (the API secret)
//
// and one test fixture, which is no part of the API (no Genuin server has
// it): users subscribe to a group only through the app, so tests of
// subscribers_removed seed subscribers with
//
//	POST /_sandbox/subscribe {"chat_id": ..., "user_id": ...}  (also Server.Subscribe)
//
// The package imports nothing of this module: it decodes requests with its
// own structs written from the docs, so a wrong JSON tag in the client cannot
// hide behind the same wrong tag here.
//
// # Invariants
//
//   - Every response is the {code, message, data} envelope: code is the
//     number 200 on success and a string ("5216") on errors, whose data is
//     {}. The one exception is the bare {} 400 of the two create endpoints,
//     as their guides show it.
//   - A request is validated completely before anything changes: a failing
//     request changes nothing (not even an avatar user for a phone number).
//   - All state is guarded by one mutex; the server is safe for any number
//     of concurrent clients.
//   - With Config.DataFile set, a response that reports a change is written
//     only after that change is on disk. Saves are atomic (temporary file in
//     the same directory, fsync, rename, directory fsync) and grouped: while
//     one save runs, the requests that finish meanwhile share the next one.
//     The file starts with a format marker ("genuinctl-sandbox-state") and
//     a version; New refuses a corrupt, foreign, newer or inconsistent file
//     with an error naming it and never overwrites it.
//   - Files are read only as regular files: the data file and a seed file
//     (LoadSeed) that are a device (/dev/zero), a FIFO, a socket or a
//     directory, directly or through a symbolic link, are refused with an
//     error naming them before they are read, so they can neither hang New
//     nor fill memory. The check is repeated on the opened file
//     (os.SameFile), the open cannot block (O_NONBLOCK on unix), and reads
//     are capped: 1 GiB for the data file, 64 MiB for a seed, with an error
//     naming the cap.
//   - The data file is never written through a symbolic link. New refuses
//     a data file that is a symbolic link (a save renames a new file over
//     the path, which would replace the link and leave its target stale):
//     give the real path. The temporary file is created beside it with a
//     fresh random name and O_EXCL (os.CreateTemp), so it never opens an
//     existing file or a planted link, and the rename replaces, never
//     follows, whatever is at the path. A seed file may be a symbolic link
//     to a regular file: it is only read.
//   - Every world has an instance id (Server.Instance), created with it and
//     kept in its data file: a sandbox started without its data file is a
//     new world with a new id, so a client can tell that what it recorded
//     in the old one is gone.
//   - member_id equals user_id for every member, including the avatar users
//     that phone numbers create. The token's user (the brand system user) is
//     role 1, status 1; every added member is role 2, status 2.
//   - Faults (Config.Faults) touch only the API endpoints, never inspection,
//     and are reproducible: the n-th request the rate limiter admits always
//     draws the same jitter, failure and loss for a given Faults.Seed.
//   - Snapshots are deterministic: communities sorted by handle, groups by
//     chat_id, members and subscribers by member_id, users by user_id.
//
// # What the docs leave open, and what the sandbox does
//
// Transport and auth:
//   - 401/5159 is documented only for update_conversation; the sandbox
//     answers it on every endpoint but auth for a missing, malformed or
//     unknown "Authorization: Bearer" token (scheme case-insensitive). Tokens
//     never expire.
//   - Auth returns the token only in the gn-access-token response header
//     ("Body > Header"); the body is the envelope with data {}. Unknown
//     api_key: 404/5235; wrong api_secret: 412/5166; missing fields or bad
//     JSON: 400/1099. Auth itself needs no token ("Auth required: YES" is
//     read as a template artefact).
//   - 400 bodies: the create guides show {}; the sandbox sends a bare {} on
//     community and group create and the enveloped 400/1099 on auth and
//     update_conversation, as documented there.
//   - Why a request failed: the documented error bodies say nothing beyond
//     code and message (data is {}, or the body is a bare {}), and the
//     sandbox keeps them exactly so. Its reason goes instead in its own
//     response header, Genuinctl-Sandbox-Reason (ReasonHeader), on every
//     error response, and in the request log. No Genuin server sends this
//     header; a client may show it and must not need it. The reason names
//     the field and index at fault (`members_added[2]: unknown user_id
//     "..."`), never quotes a token, an API key or secret or a phone_number,
//     and is cut to 512 bytes.
//   - Unknown fields are ignored; wrong JSON types are a 400. Content-Type
//     is not checked. A body over 1 MiB is a 400. An unknown path is 404 and
//     a wrong method 405 (Allow header), both enveloped with code "404" /
//     "405". Fault responses: 503 with code "503"; 429 with code "429" and
//     Retry-After in whole seconds.
//
// Community create:
//   - "type" and "actions" are listed as mandatory but never defined, and
//     the example omits them: they are optional; when present type must be
//     an integer and actions a list of {action_id, access_type_id}.
//   - 412/5166 ("Invalid Use of API") is answered when the token belongs to
//     a user who is not a brand system user (seeded as UserOnlyToken).
//   - handle: 3-50 letters, digits, '_', '-', '.'; unique case-insensitively
//     (500/5216). name is required. Checks run in this order: 412, 400
//     (body, required fields, handle), 404/5220 (categories.existing), 400
//     (unknown users), 500/5216.
//   - categories.new names are matched case-insensitively against existing
//     categories, else created with the next free id.
//   - users takes only {user_id}, which must exist (400). The leader is the
//     token's user; duplicate users are collapsed.
//   - dp and banner come back as http://sandbox.local/media/uploads/... URLs
//     ("" when not sent); share_url is http://sandbox.local/community/<handle>;
//     colours are picked from a palette by id.
//
// Group create:
//   - Required: type (any integer; only 4 is documented) and community_id.
//     An unknown community_id is a 400 ({}): the page documents only 400 and
//     500 (404/5218 exists, but only on community/add_users).
//   - chat_id is optional and generated when absent; when given it must be
//     UUID-shaped (8-4-4-4-12 hex, any version) or it is a 400.
//   - A create with a chat_id that exists (Config.DuplicateChatID):
//     DuplicateIdempotent (default) answers 200 with the existing group as
//     it is now, whatever the new body says; DuplicateError answers 400 with
//     code "1099" (the platform's generic bad-request code) and changes
//     nothing.
//   - template_id, when given, must be a seeded template (400).
//   - members: {user_id} must exist (400); {phone_number} (6-15 digits, no
//     '+') resolves to the user with that phone, else creates an avatar user
//     with a fresh UUID (named by an optional "name"). In one entry user_id
//     wins over phone_number. Duplicates and the owner are collapsed.
//     Members need not belong to the community and are not added to it.
//   - recorded_video is optional; its video_name must be seeded and its
//     video_path, when given, must match the seeded path, else 500/5026.
//     size and duration may be strings or numbers; a missing message_id is
//     generated.
//   - settings.discoverable defaults to true; what was sent is stored and
//     echoed (the docs' example sends false and shows true).
//   - The 200 is the legacy page's enveloped shape with every field. brand_id
//     is null as in the example; latest_messages holds the video's message
//     (none without a video); latest_message_at is the creation time in ms.
//     Member objects are the union of the documented member shapes, so
//     they include phone (to match a phone-added member to its member_id).
//     share_url is http://sandbox.local/l/<16 hex>.
//
// update_conversation:
//   - Every field is optional; {} is a 200 with nothing changed. An unknown
//     chat_id is 500/5158. Wrong types and invalid members are 400/1099.
//   - members_added takes {user_id} and, as on group create, {phone_number}.
//     members_removed and subscribers_removed take member ids.
//   - Removals run before additions, so an id both removed and added (as in
//     the docs' example) ends up a member. Removing the owner is 400/1099.
//     An empty name is 400/1099.
//   - Adding a member already there, or removing a non-member, is a no-op
//     and is not listed. members_removed and subscribers_removed list member
//     objects (the docs show only empty lists). subscribers_added and
//     requester_removed are always empty: no request field feeds them, and
//     no endpoint adds subscribers, so groups start with none; only the
//     test fixture POST /_sandbox/subscribe adds one. A user may be both a
//     member and a subscriber (the docs' example removes one user from
//     both); subscribers_removed takes them off the subscribers only, and
//     removing one who is not a subscriber is a no-op.
//   - *_updated flags are true only when the value changed. tags has no
//     flag (none is documented) but is applied. topics are a set: stored
//     sorted and de-duplicated, compared as such.
//
// State:
//   - With an existing data file, the seed adds whatever the file lacks and
//     replaces nothing. Counters and the request log (the last 10,000
//     requests) are per process and not saved.
//   - If a save fails, the request gets 500 with code "500", the change
//     stays in memory, and the next save writes it.
//   - Inspection is unauthenticated and read-only; it never shows tokens or
//     api keys. The request log keeps bodies of at most 64 KiB, for the
//     latest 1,000 requests. The subscribe fixture is unauthenticated too,
//     is not counted or logged as an API request, and saves like any change.
package sandbox
