// Package render turns a reconcile.Plan into text for a terminal or a CI
// log, and into versioned JSON (schema/plan.schema.json). Every rendering
// is built from the same Plan, sorted by address, so they never disagree.
// Phone numbers are personal data: the text rendering masks them unless
// asked not to.
package render
