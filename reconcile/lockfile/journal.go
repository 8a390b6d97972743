package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
)

// JournalVersion is the journal format this build reads and writes.
const JournalVersion = 1

// journalHeader is the first line of a journal: which lockfile, at which
// serial, its entries apply to. A journal whose serial is older than the
// lockfile's was already folded in by a checkpoint and is ignored.
type journalHeader struct {
	Journal  int    `json:"journal"`
	Lineage  string `json:"lineage"`
	Endpoint string `json:"endpoint"`
	Serial   int64  `json:"serial"`
}

// journalContent is what a journal file holds after a crash.
type journalContent struct {
	header  journalHeader
	entries []Entry
	// lines are the entries' line numbers in the file.
	lines []int
	// good is the byte length of the intact lines; a torn last line
	// (a crash in the middle of an append) lies beyond it and is dropped.
	good int64
	torn bool
}

// journalLine renders one checksummed line: 8 hex digits of the CRC-32 of
// the JSON, a space, the JSON, a newline.
func journalLine(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	line := make([]byte, 0, len(data)+10)
	line = fmt.Appendf(line, "%08x ", crc32.ChecksumIEEE(data))
	line = append(line, data...)
	return append(line, '\n'), nil
}

// parseJournal verifies journal content; name is used in error messages.
// Every complete line must carry its checksum; the first is a header
// (a supported version, a lineage, an endpoint, 0 <= serial < MaxInt64),
// each other an entry of the shape Record writes that passes
// Entry.Validate. A missing last newline marks a torn line, dropped: its
// append was never acknowledged. Every problem is reported, as name:line.
func parseJournal(name string, data []byte) (*journalContent, error) {
	jc := &journalContent{}
	var probs []Problem
	problem := func(line int, format string, args ...any) {
		probs = append(probs, Problem{Pos: Pos{File: name, Line: line}, Message: fmt.Sprintf(format, args...), offset: int64(line)})
	}
	lineNo := 0
	for offset := 0; offset < len(data); {
		end := bytes.IndexByte(data[offset:], '\n')
		if end < 0 {
			jc.torn = true // a crash during the last append: never acknowledged
			break
		}
		lineNo++
		line := data[offset : offset+end]
		offset += end + 1
		jc.good = int64(offset)
		payload, err := verifyLine(line)
		if err != nil {
			problem(lineNo, "journal is damaged (%v)", err)
			continue
		}
		if lineNo == 1 {
			if msg := jc.header.decode(payload); msg != "" {
				problem(lineNo, "%s", msg)
			}
			continue
		}
		var e Entry
		if msg := decodeEntry(payload, &e); msg != "" {
			problem(lineNo, "%s", msg)
			continue
		}
		jc.entries = append(jc.entries, e)
		jc.lines = append(jc.lines, lineNo)
	}
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, &InvalidError{File: name, Problems: probs, Advice: adviceJournal}
	}
	if lineNo == 0 {
		return nil, nil
	}
	return jc, nil
}

// strictDecode checks payload against sh, then decodes it into v. It
// returns what is wrong, or "".
func strictDecode(payload []byte, sh *shape, root string, v any) string {
	w := &walker{data: payload, path: []step{{key: root}}}
	if err := w.document(sh); err != nil {
		return "not JSON: " + err.Error()
	}
	if len(w.probs) > 0 {
		msgs := make([]string, len(w.probs))
		for i, p := range w.probs {
			msgs[i] = p.Message
		}
		return strings.Join(msgs, "; ")
	}
	if err := json.Unmarshal(payload, v); err != nil { // the walk checks every type: not reached
		return err.Error()
	}
	return ""
}

// decode reads a header line, returning what is wrong with it or "".
func (h *journalHeader) decode(payload []byte) string {
	if msg := strictDecode(payload, journalHeaderShape, "header", h); msg != "" {
		return msg
	}
	switch {
	case h.Journal != JournalVersion:
		return fmt.Sprintf("journal version %d is not supported (this genuinctl reads %d)", h.Journal, JournalVersion)
	case h.Lineage == "":
		return "header: lineage is empty"
	case h.Endpoint == "":
		return "header: endpoint is empty"
	case idProblem("lineage", h.Lineage) != "":
		return "header: " + idProblem("lineage", h.Lineage)
	case idProblem("endpoint", h.Endpoint) != "":
		return "header: " + idProblem("endpoint", h.Endpoint)
	case h.Serial < 0:
		return fmt.Sprintf("header: serial %d is negative", h.Serial)
	case h.Serial == math.MaxInt64:
		return fmt.Sprintf("header: serial %d leaves no room for the next write", h.Serial)
	}
	return ""
}

// decodeEntry reads an entry line, returning what is wrong with it or "".
func decodeEntry(payload []byte, e *Entry) string {
	if msg := strictDecode(payload, entryShape, "entry", e); msg != "" {
		return msg
	}
	if p := e.problem(); p != nil {
		return fmt.Sprintf("%s %s: %s", printable(string(e.Op)), printable(e.Address), p.msg)
	}
	return ""
}

func verifyLine(line []byte) ([]byte, error) {
	if len(line) < 10 || line[8] != ' ' {
		return nil, errors.New("malformed line")
	}
	want, err := strconv.ParseUint(string(line[:8]), 16, 32)
	if err != nil {
		return nil, errors.New("malformed checksum")
	}
	payload := line[9:]
	if crc32.ChecksumIEEE(payload) != uint32(want) {
		return nil, errors.New("checksum mismatch")
	}
	return payload, nil
}
