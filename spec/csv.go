package spec

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"iter"
	"slices"
	"strings"
	"sync"
)

// csvTable is a CSV file with a header row, read row by row.
type csvTable struct {
	file   string
	header []string
	r      *csv.Reader
	buf    *bufio.Reader // r's, from buffers until the rows are read
	ds     *diagnostics
	addr   string
	lines  int // the number of lines, an upper bound on the rows
}

// buffers are the read buffers of CSV readers, which csv.NewReader takes
// as they are: a spec of 20,000 CSV files does not allocate 20,000.
var buffers = sync.Pool{New: func() any { return bufio.NewReader(nil) }}

// openCSV reads a CSV file, named at ref and confined to root, and its
// header row. A UTF-8 BOM and CRLF line ends are fine; surrounding spaces
// in header names are dropped. It returns nil after reporting a file that
// cannot be read or has no header.
func openCSV(root *confinement, file string, ref reference, ds *diagnostics) *csvTable {
	data, ok := ref.read(root, file, ds)
	if !ok {
		return nil
	}
	buf := buffers.Get().(*bufio.Reader)
	buf.Reset(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r := csv.NewReader(buf)
	r.ReuseRecord = true
	t := &csvTable{file: file, r: r, buf: buf, ds: ds, addr: ref.addr, lines: bytes.Count(data, []byte("\n")) + 1}
	header, err := r.Read()
	if err != nil {
		t.report(err, "no header row")
		t.done()
		return nil
	}
	t.header = make([]string, len(header))
	for i, h := range header {
		t.header[i] = strings.TrimSpace(h)
		if slices.Contains(t.header[:i], t.header[i]) {
			t.errorf(i, "column %s appears twice", excerpt(t.header[i]))
		}
	}
	return t
}

// rows yields each data row with its line number, once: the table is
// done with after. The record is reused: copy what outlives the
// iteration. A row with the wrong number of fields is reported and
// skipped; reading stops at any other error.
func (t *csvTable) rows() iter.Seq2[int, []string] {
	return func(yield func(int, []string) bool) {
		defer t.done()
		for {
			rec, err := t.r.Read()
			if err != nil {
				t.report(err, "")
				if errors.Is(err, csv.ErrFieldCount) {
					continue
				}
				return
			}
			line, _ := t.r.FieldPos(0)
			if !yield(line, rec) {
				return
			}
		}
	}
}

// done gives the read buffer back: nothing more is read.
func (t *csvTable) done() {
	t.buf.Reset(nil)
	buffers.Put(t.buf)
	t.buf = nil
}

// pos is the position of field i of the row just read.
func (t *csvTable) pos(i int) Pos {
	line, col := t.r.FieldPos(i)
	return Pos{File: t.file, Line: line, Col: col}
}

// errorf reports a problem with field i of the row just read.
func (t *csvTable) errorf(i int, format string, args ...any) {
	t.ds.add(t.pos(i), t.addr, format, args...)
}

// report turns a CSV read error into a diagnostic; io.EOF is reported as
// eof when that is not empty.
func (t *csvTable) report(err error, eof string) {
	var perr *csv.ParseError
	switch {
	case errors.As(err, &perr):
		t.ds.add(Pos{File: t.file, Line: perr.Line, Col: perr.Column}, t.addr, "invalid CSV: %v", perr.Err)
	case eof != "":
		t.ds.add(Pos{File: t.file, Line: 1, Col: 1}, t.addr, "%s", eof)
	}
}
