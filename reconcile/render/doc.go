// Package render turns a reconcile.Plan into text for a terminal or a CI
// log, into versioned JSON (schema/plan.schema.json), and into Markdown
// for a pull-request comment, always under GitHub's limit. Every rendering
// is built from the same Plan, sorted by address, so they never disagree.
// The views of an apply in progress (ApplyView) separate human and machine
// output, as Terraform's views do: ApplyText prints a line per finished
// change, a progress line (a live status line on a terminal, a plain line
// every 10s in CI) and a summary; ApplyJSON writes NDJSON events
// (schema/apply-events.schema.json). ApplyErrors groups the failures by
// address, a community whose create failed counting the groups it held
// back instead of listing them.
// Phone numbers are personal data: every rendering masks them (MaskPhone)
// unless asked not to; JSON tags a masked phone with a short keyed hash
// (PII) so that plans still compare. Error text from the API is masked
// always.
package render
