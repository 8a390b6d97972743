// Package schema holds the JSON Schemas of genuinctl's files, embedded so
// the binary validates with exactly the schema it ships and editors (through
// a "# yaml-language-server: $schema=..." comment) can use the same file:
// spec.schema.json for spec files, plan.schema.json for plan -o json,
// lockfile.schema.json for genuin.lock (format 2; lockfile-v1.schema.json
// keeps format 1's, which genuinctl still reads, as a record: it is not
// embedded), apply-events.schema.json for the NDJSON events of apply -o
// json.
package schema
