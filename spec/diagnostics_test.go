package spec

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// unknownKeys is a spec file with n unknown keys, one a line from line 2.
func unknownKeys(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\n")
	for i := range n {
		fmt.Fprintf(&b, "k%d: x\n", i)
	}
	return b.String()
}

// TestDiagnosticsCap: Load reports the first MaxDiagnostics problems by
// position, whichever file they are in, then how many more it found.
func TestDiagnosticsCap(t *testing.T) {
	t.Chdir(t.TempDir())
	const perFile = MaxDiagnostics*3/4 + 1
	writeFiles(t, map[string]string{"spec/a.yaml": unknownKeys(perFile), "spec/b.yaml": unknownKeys(perFile)})
	got := errorLines(t, "spec")
	if len(got) != MaxDiagnostics+1 {
		t.Fatalf("%d lines, want %d", len(got), MaxDiagnostics+1)
	}
	var want []string
	for f, n := range map[string]int{"a": perFile, "b": MaxDiagnostics - perFile} {
		for i := range n {
			want = append(want, fmt.Sprintf("spec/%s.yaml:%d:1: unknown key \"k%d\"", f, i+2, i))
		}
	}
	slices.SortFunc(want, func(a, b string) int { return comparePos(t, a, b) })
	if !slices.Equal(got[:MaxDiagnostics], want) {
		t.Errorf("first diagnostics differ: got %q..., want %q...", got[perFile-1:perFile+2], want[perFile-1:perFile+2])
	}
	left := 2*perFile - MaxDiagnostics
	wantLast := fmt.Sprintf("spec/b.yaml:%d:1: %d more problems from here on are not shown: only the first %d are", MaxDiagnostics-perFile+2, left, MaxDiagnostics)
	if last := got[MaxDiagnostics]; last != wantLast {
		t.Errorf("last line = %q, want %q", last, wantLast)
	}
}

// comparePos orders "file:line:col: ..." lines as diagnostics are ordered.
func comparePos(t *testing.T, a, b string) int {
	t.Helper()
	var fa, fb string
	var la, lb int
	fmt.Sscanf(strings.Replace(a, ":", " ", 2), "%s %d", &fa, &la)
	fmt.Sscanf(strings.Replace(b, ":", " ", 2), "%s %d", &fb, &lb)
	if c := strings.Compare(fa, fb); c != 0 {
		return c
	}
	return la - lb
}

// TestDiagnosticsCapWork: a problem that cannot be shown is counted
// without wording its message.
func TestDiagnosticsCapWork(t *testing.T) {
	var ds diagnostics
	var words wordCount
	for i := range 3 * MaxDiagnostics {
		ds.add(Pos{File: "f", Line: i + 1}, "", "%v", &words)
	}
	if words > MaxDiagnostics+1 {
		t.Errorf("%d messages worded for %d problems, want at most %d", words, 3*MaxDiagnostics, MaxDiagnostics+1)
	}
	// Problems found in another order, and merged from elsewhere, give the
	// same result.
	var first, second, merged diagnostics
	for i := 3*MaxDiagnostics - 1; i >= 0; i-- {
		if i%2 == 0 {
			first.add(Pos{File: "f", Line: i + 1}, "", "%v", &words)
		} else {
			second.add(Pos{File: "f", Line: i + 1}, "", "%v", &words)
		}
	}
	merged.merge(&first)
	merged.merge(&second)
	if got, want := merged.err().Error(), ds.err().Error(); got != want {
		t.Errorf("merged diagnostics differ:\n%.300s\nwant\n%.300s", got, want)
	}
	ds.add(Pos{File: "f", Line: 1}, "", "%v", &words) // again: not counted twice
	if n := len(Diagnostics(ds.err())); n != MaxDiagnostics+1 {
		t.Errorf("%d diagnostics, want %d", n, MaxDiagnostics+1)
	}
	if last := Diagnostics(ds.err())[MaxDiagnostics]; last.Pos.Line != MaxDiagnostics+1 || !strings.HasPrefix(last.Message, fmt.Sprint(2*MaxDiagnostics, " more problems")) {
		t.Errorf("last diagnostic = %v", last)
	}
}

// wordCount counts how many times a message is worded.
type wordCount int

func (w *wordCount) String() string {
	*w++
	return "problem"
}
