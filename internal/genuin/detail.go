package genuin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sandboxReasonHeader is the header in which genuinctl's own sandbox says
// why a request failed (sandbox.ReasonHeader: a test keeps the two equal).
// No Genuin server is documented to send it; the client shows it as the
// error's Detail when present and depends on it for nothing else.
const sandboxReasonHeader = "Genuinctl-Sandbox-Reason"

// Caps on what an error prints of a server's words, in bytes of escaped
// text ("..." marks a cut). The documented messages are under 60 bytes; a
// network error's text may quote a malformed response.
const (
	maxMessageBytes = 200
	maxDetailBytes  = 200
	maxCauseBytes   = 400
)

// detail gathers what an error response says beyond code and message: the
// envelope's data when it is not empty (the docs show {} on every error,
// so a filled one is shown, never relied on) and the sandbox's reason
// header. It is raw: printable makes it safe to print.
func detail(data json.RawMessage, h http.Header) string {
	var parts []string
	if d := dataDetail(data); d != "" {
		parts = append(parts, d)
	}
	if r := strings.TrimSpace(h.Get(sandboxReasonHeader)); r != "" {
		parts = append(parts, r)
	}
	return strings.Join(parts, "; ")
}

// dataDetail renders an error's data: a string as itself, anything else
// but an empty value as JSON re-encoded by the client, so that an escape
// such as \u0074 cannot hide a credential from scrub.
func dataDetail(data json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if len(bytes.TrimSpace(data)) == 0 || dec.Decode(&v) != nil {
		return ""
	}
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case map[string]any:
		if len(v) == 0 {
			return ""
		}
	case []any:
		if len(v) == 0 {
			return ""
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

// printable makes a server's text safe to print: credentials masked,
// control and invisible characters escaped, at most limit bytes.
func (c *Client) printable(s string, limit int) string {
	// Scrub before cutting, so that no credential is cut in two and half
	// of it printed; and after escaping, in case an escape spelled one.
	return c.scrub(clean(c.scrub(strings.TrimSpace(s)), limit))
}

// clean escapes what a terminal would act on or hide (control characters,
// invisible format characters such as bidi overrides, invalid UTF-8) and
// cuts the result to limit bytes, adding "..." when it cuts.
func clean(s string, limit int) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && size == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case r == '\n':
			piece = `\n`
		case r == '\r':
			piece = `\r`
		case r == '\t':
			piece = `\t`
		case r == ' ' || unicode.IsPrint(r):
			piece = s[i : i+size]
		case r <= 0xFFFF:
			piece = fmt.Sprintf(`\u%04x`, r)
		default:
			piece = fmt.Sprintf(`\U%08x`, r)
		}
		if b.Len()+len(piece) > limit {
			b.WriteString("...")
			break
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}
