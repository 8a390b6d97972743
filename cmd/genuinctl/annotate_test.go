package main

import (
	"strings"
	"testing"

	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// TestAnnotationEscapes: a message or a file name cannot end a workflow
// command early or add a line of its own (the Actions toolkit's escapes).
func TestAnnotationEscapes(t *testing.T) {
	for _, c := range []struct {
		file      string
		line, col int
		msg, want string
	}{
		{"spec.yaml", 3, 5, "plain", "::error file=spec.yaml,line=3,col=5::plain"},
		{"spec.yaml", 3, 0, "no column", "::error file=spec.yaml,line=3::no column"},
		{"spec.yaml", 0, 7, "no line", "::error file=spec.yaml::no line"},
		{"", 0, 0, "no file", "::error::no file"},
		{"a,b:c%.yaml", 1, 1, "100% done\r\n::warning::injected", "::error file=a%2Cb%3Ac%25.yaml,line=1,col=1::100%25 done%0D%0A::warning::injected"},
	} {
		if got := annotation(c.file, c.line, c.col, c.msg); got != c.want {
			t.Errorf("annotation(%q, %d, %d, %q) = %q, want %q", c.file, c.line, c.col, c.msg, got, c.want)
		}
	}
}

// TestAnnotationOfAStateInADatabase: the problems of a refused lockfile
// are annotated at their file and line; those of a state in PostgreSQL
// name no file (the URL is none of the repository's), and say where in
// the message.
func TestAnnotationOfAStateInADatabase(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"genuin.lock", "::error file=genuin.lock,line=7,col=3::group/c/g: bad (restore it)"},
		{"postgres://ci@db/genuin?project=web", "::error::postgres://ci@db/genuin?project=web:7:3: group/c/g: bad (restore it)"},
	} {
		var stderr strings.Builder
		e := &env{stderr: &stderr, annotate: true}
		e.annotateError(&lockfile.InvalidError{File: c.file, Advice: "restore it",
			Problems: []lockfile.Problem{{Pos: lockfile.Pos{File: c.file, Line: 7, Col: 3}, Address: "group/c/g", Message: "bad"}}})
		if got := strings.TrimSpace(stderr.String()); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.file, got, c.want)
		}
	}
}
