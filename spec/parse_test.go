package spec

import "testing"

// FuzzPlainText checks that plainText passes exactly the text in which
// locateBadBytes finds nothing.
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"", "a: b\n", "a:\tb\r\n", "\x00", "\x7f", "é", "\xff", "\xe2\x82", "\u0085", "\ufffd", "a\x1bb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, bad := locateBadBytes(data); plainText(data) == bad {
			t.Errorf("plainText(%q) = %v, but locateBadBytes finds a problem: %v", data, !bad, bad)
		}
	})
}
