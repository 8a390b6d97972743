// Package schema holds the JSON Schemas of genuinctl's files, embedded so
// the binary validates with exactly the schema it ships and editors (through
// a "# yaml-language-server: $schema=..." comment) can use the same file.
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
