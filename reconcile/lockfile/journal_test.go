package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checksummed gives each complete line of payloads its checksum, as the
// journal writer does; a last line without a newline stays as it is (torn).
func checksummed(payloads []byte) []byte {
	var out []byte
	for len(payloads) > 0 {
		end := bytes.IndexByte(payloads, '\n')
		if end < 0 {
			return append(out, payloads...)
		}
		line := payloads[:end]
		out = fmt.Appendf(out, "%08x %s\n", crc32.ChecksumIEEE(line), line)
		payloads = payloads[end+1:]
	}
	return out
}

const journalHeaderLine = `{"journal":1,"lineage":"0f2c3a52-6f4e-4c55-9c1e-5e0e1d2b3c4d","endpoint":"sandbox","serial":3}`

// TestJournalValidation: a journal with a malformed header or entry is
// refused with file:line, every problem at once, and left untouched.
func TestJournalValidation(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  []string // the problems, after "genuin.lock.journal:"
	}{
		{"unknown op", []string{`{"op":"rename","address":"group/acme/one"}`},
			[]string{`2: rename group/acme/one: unknown operation "rename"`}},
		{"null entry", []string{`null`}, []string{`2: entry must be an object, not null`}},
		{"null record", []string{`{"op":"put","address":"group/acme/one","group":null}`},
			[]string{`2: entry.group must be an object, not null`}},
		{"put without a record", []string{`{"op":"put","address":"group/acme/x"}`},
			[]string{`2: put group/acme/x: no record to store`}},
		{"put of an invalid record", []string{`{"op":"put","address":"group/acme/x","group":{"status":"pending","chat_id":""}}`},
			[]string{`2: put group/acme/x: chat_id is empty`}},
		{"put at an invalid address", []string{`{"op":"put","address":"group/x","group":{"status":"pending","chat_id":"c"}}`},
			[]string{`2: put group/x: "group/x" is not an address group/<community>/<key>`}},
		{"created community without id", []string{`{"op":"created","address":"community/acme"}`},
			[]string{`2: created community/acme: no id: a created community must have its community_id`}},
		{"data another op takes", []string{`{"op":"delete","address":"group/acme/one","id":"x"}`},
			[]string{`2: delete group/acme/one: a delete entry takes no id`}},
		{"members not identities", []string{`{"op":"members","address":"group/acme/one","removed":["u1"]}`},
			[]string{`2: members group/acme/one: member "u1" is not user:<id> or phone:<digits>`}},
		{"subscribers not by user id", []string{`{"op":"members","address":"group/acme/one","subscribers_removed":["phone:919876543210"]}`},
			[]string{`2: members group/acme/one: subscriber "phone:919876543210" is not user:<id>`}},
		{"subscribers forgotten not by user id", []string{`{"op":"members","address":"group/acme/one","subscribers_forgotten":["u1"]}`},
			[]string{`2: members group/acme/one: subscriber "u1" is not user:<id>`}},
		{"subscribers on a community", []string{`{"op":"members","address":"community/acme","subscribers_removed":["user:u1"]}`},
			[]string{`2: members community/acme: a members entry applies to a group only`}},
		{"unknown key", []string{`{"op":"delete","address":"group/acme/one","surprise":1}`},
			[]string{`2: unknown key "surprise" in entry`}},
		{"key in another case", []string{`{"OP":"delete","address":"group/acme/one"}`},
			[]string{`2: unknown key "OP" in entry; entry has no "op"`}},
		{"trailing data", []string{`{"op":"delete","address":"group/acme/one"} {}`},
			[]string{`2: unexpected data after the end of entry`}},
		{"every problem", []string{`{"op":"rename","address":"group/acme/one"}`, `{"op":"delete","address":"group/acme/one"}`, `null`},
			[]string{`2: rename group/acme/one: unknown operation "rename"`, `4: entry must be an object, not null`}},
	}
	headers := []struct {
		name, line, want string
	}{
		{"negative serial", `{"journal":1,"lineage":"l","endpoint":"sandbox","serial":-1}`, "1: header: serial -1 is negative"},
		{"null header", `null`, "1: header must be an object, not null"},
		{"header without lineage", `{"journal":1,"endpoint":"sandbox","serial":1}`, `1: header has no "lineage"`},
		{"empty endpoint", `{"journal":1,"lineage":"l","endpoint":"","serial":1}`, "1: header: endpoint is empty"},
		{"another version", `{"journal":2,"lineage":"l","endpoint":"sandbox","serial":1}`, "1: journal version 2 is not supported (this genuinctl reads 1)"},
		{"serial overflows", `{"journal":1,"lineage":"l","endpoint":"sandbox","serial":1e99}`, "1: header.serial must be an integer, not 1e99"},
	}
	for _, h := range headers {
		cases = append(cases, struct {
			name  string
			lines []string
			want  []string
		}{h.name, []string{"!" + h.line}, []string{h.want}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "genuin.lock")
			must(t, os.WriteFile(path, []byte(baseLockfile), 0o644))
			lines := append([]string{journalHeaderLine}, c.lines...)
			if strings.HasPrefix(c.lines[0], "!") {
				lines = []string{c.lines[0][1:]}
			}
			content := checksummed([]byte(strings.Join(lines, "\n") + "\n"))
			must(t, os.WriteFile(JournalPath(path), content, 0o644))
			_, err := Load(path)
			var invalid *InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("want an *InvalidError, got %v", err)
			}
			var got []string
			for _, p := range invalid.Problems {
				got = append(got, strings.TrimPrefix(p.String(), JournalPath(path)+":"))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if after, _ := os.ReadFile(JournalPath(path)); !bytes.Equal(after, content) {
				t.Error("a refused journal must be left untouched")
			}
		})
	}
}

// TestJournalReplaysSubscribers: the subscribers an apply removed and
// forgot are recorded, sorted and once each, and written to the lockfile;
// a lockfile that never had any has no key for them.
func TestJournalReplaysSubscribers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuin.lock")
	must(t, os.WriteFile(path, []byte(baseLockfile), 0o644))
	lines := []string{journalHeaderLine,
		`{"op":"members","address":"group/acme/one","subscribers_removed":["user:s3","user:s1"]}`,
		`{"op":"members","address":"group/acme/one","added":{"user:u9":"u9"},"subscribers_removed":["user:s2","user:s1"]}`,
		`{"op":"members","address":"group/acme/one","subscribers_forgotten":["user:s3","user:s9"]}`,
	}
	must(t, os.WriteFile(JournalPath(path), checksummed([]byte(strings.Join(lines, "\n")+"\n")), 0o644))
	f, err := Load(path)
	must(t, err)
	g := f.State().Groups["group/acme/one"]
	if got := strings.Join(g.SubscribersRemoved, ","); got != "user:s1,user:s2" {
		t.Errorf("subscribers removed = %s", got)
	}
	if g.Members["user:u9"] != "u9" {
		t.Errorf("members = %v", g.Members)
	}
	out, err := Marshal(f.State())
	must(t, err)
	if !strings.Contains(string(out), `"subscribers_removed": [
        "user:s1",
        "user:s2"
      ]`) || strings.Count(string(out), "subscribers_removed") != 1 {
		t.Errorf("lockfile:\n%s", out)
	}
	if _, err := Parse("again", out); err != nil {
		t.Error(err)
	}
}

// TestJournalReplayIsChecked: entries that are well formed but do not
// apply to the lockfile they follow are refused at their line.
func TestJournalReplayIsChecked(t *testing.T) {
	cases := map[string]struct {
		header string
		lines  []string
		want   string
	}{
		"an entry for no record": {journalHeaderLine, []string{`{"op":"delete","address":"group/acme/one"}`, `{"op":"created","address":"group/acme/one","id":"g"}`},
			"genuin.lock.journal:3: entry 2: created group/acme/one: no such record"},
		"a put of another group's chat_id": {journalHeaderLine, []string{`{"op":"put","address":"group/acme/x","group":{"status":"pending","chat_id":"chat-1"}}`},
			`genuin.lock.journal:2: entry 1: put group/acme/x: chat_id "chat-1" is already the chat_id of group/acme/one`},
		"a move onto a record": {journalHeaderLine, []string{`{"op":"move","address":"group/acme/one","to":"group/acme/two"}`},
			"genuin.lock.journal:2: entry 1: move group/acme/one: group/acme/two is already recorded"},
		"another endpoint": {strings.Replace(journalHeaderLine, "sandbox", "https://api.example", 1), []string{`{"op":"delete","address":"group/acme/one"}`},
			`genuin.lock.journal:1: the journal is for endpoint "https://api.example" but`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "genuin.lock")
			must(t, os.WriteFile(path, []byte(baseLockfile), 0o644))
			content := checksummed([]byte(strings.Join(append([]string{c.header}, c.lines...), "\n") + "\n"))
			must(t, os.WriteFile(JournalPath(path), content, 0o644))
			_, err := Load(path)
			if err == nil || !strings.HasPrefix(err.Error(), dir+string(filepath.Separator)+c.want) {
				t.Fatalf("want %s..., got %v", c.want, err)
			}
		})
	}
}

// FuzzJournal: the journal reader never panics, refuses with positioned
// problems, and a journal it accepts replays without panicking, onto no
// lockfile as onto one; a replay it accepts gives a valid state that
// renders into a lockfile Parse accepts. Each input is read as it is and
// with a checksum given to every line, so that fuzzing reaches the JSON.
func FuzzJournal(f *testing.F) {
	f.Add([]byte(journalHeaderLine + "\n" +
		`{"op":"put","address":"group/acme/x","group":{"community":"community/acme","status":"pending","chat_id":"chat-x","create_members":["user:a"]}}` + "\n" +
		`{"op":"created","address":"group/acme/x","id":"gx","share_url":"https://x"}` + "\n" +
		`{"op":"fields","address":"group/acme/x","fields":{"name":"X","settings.discoverable":true},"cleared":["tags"]}` + "\n" +
		`{"op":"members","address":"group/acme/x","added":{"phone:91":"m1"},"removed":["user:a"]}` + "\n" +
		`{"op":"members","address":"group/acme/x","subscribers_removed":["user:s1","user:s2"]}` + "\n" +
		`{"op":"members","address":"group/acme/x","subscribers_forgotten":["user:s1"]}` + "\n" +
		`{"op":"move","address":"group/acme/x","to":"group/acme/y"}` + "\n" +
		`{"op":"put","address":"community/new","community":{"handle":"new","status":"pending"}}` + "\n" +
		`{"op":"created","address":"community/new","id":"cn"}` + "\n" +
		`{"op":"delete","address":"group/acme/two"}` + "\n" +
		`{"op":"delete","address":"group/acme/y"}` + "\n" +
		`{"op":"put","address":"group/acme/one","group":{"status":"created","chat_id":"chat-1"}}` + "\n" +
		`{"op":"delete","addr`))
	f.Add([]byte(journalHeaderLine + "\n"))
	f.Add([]byte(`{"journal":1,"lineage":"l","endpoint":"e","serial":0}` + "\n" + `{"op":"put","address":"group/c/g","group":{"status":"pending","chat_id":"c"}}` + "\n"))
	f.Add([]byte("1234abcd {\"journal\":1}\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkJournal(t, data)
		checkJournal(t, checksummed(data))
	})
}

func checkJournal(t *testing.T, data []byte) {
	jc, err := parseJournal("fuzz.journal", data)
	if err != nil {
		var invalid *InvalidError
		if !errors.As(err, &invalid) || len(invalid.Problems) == 0 {
			t.Fatalf("refused without problems: %v", err)
		}
		for _, p := range invalid.Problems {
			if p.Pos.Line == 0 {
				t.Errorf("a problem without a line: %s", p)
			}
		}
		return
	}
	if jc == nil {
		return
	}
	fresh := New(jc.header.Endpoint)
	fresh.Lineage, fresh.Serial = jc.header.Lineage, jc.header.Serial
	onto, err := Parse("base", []byte(baseLockfile))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*State{fresh, onto} {
		if _, err := replayEntries("fuzz.journal", st, jc); err != nil {
			continue
		}
		if probs := st.problems(); len(probs) > 0 {
			t.Fatalf("a replay accepted an invalid state: %v", probs)
		}
		out, err := Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse("replayed.lock", out); err != nil {
			t.Fatalf("the replayed state does not parse: %v\n%s", err, out)
		}
	}
}
