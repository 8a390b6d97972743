package spec

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"
)

// FuzzPlainCSV checks that plainCSV reads every plain CSV file as
// encoding/csv does: the same records, errors and field positions.
func FuzzPlainCSV(f *testing.F) {
	for _, s := range []string{
		"", "\n", "user_id,phone\n,+91 98765 43210\nb12f13af-ef5a-4906-b0a0-2995e106200d,\n",
		"a,b\n\n\nc,d", "a,b\nc\nd,e,f\n,\n", "a\n b \n\n", "é,\xff\n\x00,\t\n", ",,\n,,\n", "a,b\r\nc,d\r\n", `a,"b"` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !isPlainCSV(data) {
			return
		}
		want := readAllCSV(csv.NewReader(bytes.NewReader(data)))
		if got := readAllCSV(&plainCSV{text: string(data)}); got != want {
			t.Errorf("plainCSV reads %q as\n%s\nencoding/csv as\n%s", data, got, want)
		}
	})
}

// readAllCSV describes every record r reads, with its error and the
// position of each field.
func readAllCSV(r csvReader) string {
	if r, ok := r.(*csv.Reader); ok {
		r.ReuseRecord = true
	}
	var b bytes.Buffer
	for {
		rec, err := r.Read()
		fmt.Fprintf(&b, "%q %v", rec, err)
		for i := range rec {
			line, col := r.FieldPos(i)
			fmt.Fprintf(&b, " %d:%d", line, col)
		}
		b.WriteByte('\n')
		if err != nil && rec == nil { // the end, or an error reading stops at
			return b.String()
		}
	}
}
