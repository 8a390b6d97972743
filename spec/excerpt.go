package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A diagnostic may quote the files it is about, but only a little of them:
// a spec must not be a way to print a secret, or to flood or garble a
// terminal. Every piece of a file a diagnostic quotes goes through excerpt
// (or clip, unquoted), and every message of another library that may quote
// a file (yaml.v3, text/template, jsonschema) through sanitise.

// maxExcerpt is the most runes of a file that a diagnostic quotes at once.
const maxExcerpt = 40 // a UUID (36) fits whole

// excerpt quotes a piece of a file: cut to maxExcerpt runes (an invalid
// byte counts as one), with "…" before the closing quote when it was
// longer, control and other non-printable characters escaped as %q does.
func excerpt(s string) string {
	return `"` + clip(s) + `"`
}

// clip is excerpt without the quotes, for what a diagnostic prints
// unquoted (a YAML alias name, a number).
func clip(s string) string {
	cut, long := truncate(s, maxExcerpt)
	if !long && plain(cut) {
		return cut
	}
	q := strconv.Quote(cut)
	q = q[1 : len(q)-1]
	if long {
		q += "…"
	}
	return q
}

// clipAddress clips each part of an address ("group/<handle>/<key>"), which
// a diagnostic may name before the spec's handles and keys are checked.
func clipAddress(addr string) string {
	if len(addr) <= maxExcerpt && plain(addr) {
		return addr
	}
	parts := strings.Split(addr, "/")
	for i, p := range parts {
		parts[i] = clip(p)
	}
	return strings.Join(parts, "/")
}

// truncate returns the first n runes of s and whether s has more.
func truncate(s string, n int) (string, bool) {
	runes := 0
	for i := range s {
		if runes == n {
			return s[:i], true
		}
		runes++
	}
	return s, false
}

// plain reports whether s is printable ASCII that %q leaves as it is.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// quotedPiece matches what messages of other libraries quote: "…" (with
// Go escapes), '…' or `…`.
var quotedPiece = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|`[^`]*`")

// sanitise makes the message of another library safe to print: each
// quoted piece is cut to maxExcerpt runes, and non-printable characters
// are escaped.
func sanitise(msg string) string {
	msg = quotedPiece.ReplaceAllStringFunc(msg, func(q string) string {
		inner, long := truncate(q[1:len(q)-1], maxExcerpt)
		if !long {
			return q
		}
		return q[:1] + inner + "…" + q[len(q)-1:]
	})
	return escapeNonPrintable(msg)
}

// escapeNonPrintable escapes control and other non-printable characters
// and invalid UTF-8 as Go does (\x1b, \u202e), leaving the rest as is.
func escapeNonPrintable(s string) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unicode.IsPrint(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
