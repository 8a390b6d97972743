package spec

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// csvTable is a CSV file with a header row, read row by row.
type csvTable struct {
	file   string
	header []string
	r      csvReader
	buf    *bufio.Reader // r's if it is a *csv.Reader, from buffers until the rows are read
	ds     *diagnostics
	addr   string
	// lineEnds is the number of '\n' in the file, an upper bound on the
	// rows after the header.
	lineEnds int
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
	t := &csvTable{file: file, ds: ds, addr: ref.addr, lineEnds: bytes.Count(data, []byte("\n"))}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if isPlainCSV(data) {
		// The text shares data's memory, which nothing writes to: the
		// file is not copied, nor is any record.
		t.r = &plainCSV{text: unsafe.String(unsafe.SliceData(data), len(data))}
	} else {
		t.buf = buffers.Get().(*bufio.Reader)
		t.buf.Reset(bytes.NewReader(data))
		r := csv.NewReader(t.buf)
		r.ReuseRecord = true
		t.r = r
	}
	header, err := t.r.Read()
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
	if t.buf != nil {
		t.buf.Reset(nil)
		buffers.Put(t.buf)
		t.buf = nil
	}
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

// csvReader reads CSV records as a *csv.Reader with ReuseRecord set does.
type csvReader interface {
	Read() ([]string, error)
	FieldPos(field int) (line, column int)
}

// isPlainCSV reports whether a CSV file has neither quotes nor carriage
// returns, which is all that plainCSV leaves to encoding/csv.
func isPlainCSV(data []byte) bool {
	return bytes.IndexByte(data, '"') < 0 && bytes.IndexByte(data, '\r') < 0
}

// plainCSV reads a plain CSV file (see isPlainCSV) as encoding/csv's
// Reader would, with ReuseRecord and FieldsPerRecord 0: a record per
// line, skipping empty lines, its fields split at commas, all of a
// record's number of fields or else an ErrFieldCount. It saves the
// Reader's copy of each record: its fields are substrings of the text.
type plainCSV struct {
	text   string   // what is left to read
	line   int      // the line of the record read last
	fields []string // the record read last
	cols   []int    // the column of each of its fields
	want   int      // the number of fields of a record; 0 until one is read
}

// Read reads a record.
func (c *plainCSV) Read() ([]string, error) {
	var line string
	for line == "" {
		if c.text == "" {
			return nil, io.EOF
		}
		line, c.text, _ = strings.Cut(c.text, "\n")
		c.line++
	}
	c.fields, c.cols = c.fields[:0], c.cols[:0]
	for col, more := 1, true; more; {
		var field string
		field, line, more = strings.Cut(line, ",")
		c.fields, c.cols = append(c.fields, field), append(c.cols, col)
		col += len(field) + 1
	}
	if c.want == 0 {
		c.want = len(c.fields)
	} else if len(c.fields) != c.want {
		return c.fields, &csv.ParseError{StartLine: c.line, Line: c.line, Column: 1, Err: csv.ErrFieldCount}
	}
	return c.fields, nil
}

// FieldPos returns the line and column of a field of the record read
// last.
func (c *plainCSV) FieldPos(field int) (line, column int) {
	return c.line, c.cols[field]
}
