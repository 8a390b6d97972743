package lockfile

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a lockfile (file:line:col) or a journal
// (file:line). Line and Col are 1-based; 0 means unknown.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	switch {
	case p.Line > 0 && p.Col > 0:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}

// Problem is one thing wrong in a lockfile, a journal or a state.
type Problem struct {
	Pos Pos
	// Address is the record concerned, or "" for the header.
	Address string
	Message string

	// offset locates the problem in the file (-1: unknown).
	offset int64
}

func (p Problem) String() string {
	var b strings.Builder
	if s := p.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if p.Address != "" {
		b.WriteString(printable(p.Address))
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// InvalidError reports a lockfile or journal that genuinctl refuses to use,
// with every problem found, sorted by position. Neither file was changed.
type InvalidError struct {
	// File is the lockfile or journal; Problems name their own positions.
	File     string
	Problems []Problem
	// Advice says what was done and what to do.
	Advice string
}

func (e *InvalidError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].String() + "; " + e.Advice
	}
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	fmt.Fprintf(&b, "%d problems; %s", len(e.Problems), e.Advice)
	for _, p := range e.Problems {
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// The advice of each kind of refusal.
const (
	adviceDamaged = "it was left untouched: restore it from git or a backup"
	adviceInvalid = "the lockfile was left untouched: correct it (git diff shows what changed) or restore it from git"
	adviceJournal = "the journal was left untouched: restore it, or move it aside to drop the results it holds"
)

// problemAt is a problem at a known offset of the value named by path.
func problemAt(offset int64, path []string, format string, args ...any) Problem {
	addr, _ := splitPath(path)
	return Problem{Address: addr, Message: fmt.Sprintf(format, args...), offset: offset}
}

// problemOf is a problem of the value named by path in a state, which has
// no position.
func problemOf(path []string, format string, args ...any) Problem {
	return problemAt(-1, path, format, args...)
}

// splitPath separates a path into the record's address (for a path into
// communities or groups) and a description of the value inside it.
func splitPath(path []string) (addr, what string) {
	if len(path) >= 2 && (path[0] == "communities" || path[0] == "groups") {
		addr, path = path[1], path[2:]
		if len(path) == 0 {
			return addr, "the record"
		}
	}
	if len(path) == 0 {
		return "", "the document"
	}
	var b strings.Builder
	for i, p := range path {
		p = printable(p)
		if strings.HasPrefix(p, "[") {
			b.WriteString(p)
			continue
		}
		if i > 0 {
			b.WriteString(".")
		}
		b.WriteString(p)
	}
	return addr, b.String()
}

// finish gives each problem its position in data (none when data is
// nil or the offset unknown), then sorts and de-duplicates them.
func finish(name string, data []byte, probs []Problem) []Problem {
	for i := range probs {
		p := &probs[i]
		p.Pos = Pos{File: name}
		if p.offset >= 0 && data != nil {
			p.Pos.Line, p.Pos.Col = lineCol(data, p.offset)
		}
	}
	sortProblems(probs)
	out := probs[:0]
	for i, p := range probs {
		if i > 0 && p.String() == probs[i-1].String() {
			continue
		}
		out = append(out, p)
	}
	return out
}

func sortProblems(probs []Problem) {
	sort.SliceStable(probs, func(i, j int) bool {
		a, b := probs[i], probs[j]
		if (a.offset < 0) != (b.offset < 0) {
			return b.offset < 0 // unknown positions last
		}
		if a.offset != b.offset {
			return a.offset < b.offset
		}
		if a.Address != b.Address {
			return a.Address < b.Address
		}
		return a.Message < b.Message
	})
}

// lineCol converts a byte offset into a 1-based line and byte column.
func lineCol(data []byte, offset int64) (int, int) {
	offset = min(max(offset, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := int(offset) - bytes.LastIndexByte(data[:offset], '\n')
	return line, col
}

// printable is s, quoted if it holds what a terminal must not receive
// raw: a control character or invalid UTF-8. Keys of a lockfile reach
// messages unquoted (an address, a member identity).
func printable(s string) string {
	if utf8.ValidString(s) && !hasControl(s) {
		return s
	}
	return strconv.Quote(s)
}
