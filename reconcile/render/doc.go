// Package render turns a reconcile.Plan into text for a terminal or a CI
// log, and into versioned JSON (schema/plan.schema.json). Every rendering
// is built from the same Plan, sorted by address, so they never disagree.
// The views of an apply in progress (ApplyView) separate human and machine
// output, as Terraform's views do: ApplyText prints a line per finished
// change, a progress line (a live status line on a terminal, a plain line
// every 10s in CI) and a summary; ApplyJSON writes NDJSON events
// (schema/apply-events.schema.json). ApplyErrors groups the failures by
// address, a community whose create failed counting the groups it held
// back instead of listing them.
// Phone numbers are personal data: the text rendering masks them unless
// asked not to.
package render
