package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestStdoutBeforeStderr: stdout is buffered, stderr is not; a line on
// stderr still comes after the stdout written before it, so that a
// terminal or a CI log that shows both (2>&1) keeps their order. The
// campaign plan is over the create cap: its text, then the threshold.
func TestStdoutBeforeStderr(t *testing.T) {
	var both bytes.Buffer
	code := run([]string{"plan", "-f", "../../examples/campaign", "--lockfile", t.TempDir() + "/genuin.lock"},
		strings.NewReader(""), &both, &both, func(string) string { return "" })
	if code != exitOK {
		t.Fatalf("plan exited %d:\n%s", code, both.String())
	}
	out := both.String()
	summary, threshold := strings.Index(out, "\nPlan: "), strings.Index(out, "safety threshold:")
	if summary < 0 || threshold < 0 || threshold < summary {
		t.Fatalf("want the plan's summary, then the threshold on stderr; got summary at %d, threshold at %d", summary, threshold)
	}
}
