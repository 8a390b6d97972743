// Package render turns a reconcile.Plan into text for a terminal or a CI
// log, and into versioned JSON (schema/plan.schema.json). Every rendering
// is built from the same Plan, sorted by address, so they never disagree.
// ApplyText is the view of an apply in progress: a line per finished
// change, a summary, and the failures grouped by address, a community whose
// create failed counting the groups it held back instead of listing them.
// Phone numbers are personal data: the text rendering masks them unless
// asked not to.
package render
