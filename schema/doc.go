// Package schema holds the JSON Schemas of genuinctl's files, embedded so
// the binary validates with exactly the schema it ships and editors (through
// a "# yaml-language-server: $schema=..." comment) can use the same file:
// spec.schema.json for spec files, plan.schema.json for plan -o json,
// lockfile.schema.json for genuin.lock, apply-events.schema.json for the
// NDJSON events of apply -o json.
package schema
