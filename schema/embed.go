package schema

import _ "embed"

// Spec is the JSON Schema (draft 2020-12) of a spec file: the YAML a user
// writes to declare communities, groups and their members.
//
//go:embed spec.schema.json
var Spec []byte

// Plan is the JSON Schema of a plan's JSON form (genuinctl plan -o json).
//
//go:embed plan.schema.json
var Plan []byte

// Lockfile is the JSON Schema of genuin.lock.
//
//go:embed lockfile.schema.json
var Lockfile []byte

// ApplyEvents is the JSON Schema of one line of apply's NDJSON events
// (genuinctl apply -o json).
//
//go:embed apply-events.schema.json
var ApplyEvents []byte
