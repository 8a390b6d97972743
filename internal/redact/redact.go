// Package redact keeps secrets out of everything genuinctl prints: a
// Redactor knows the secrets in use (the API token, key and secret, the
// secret parts of the endpoint URL, a token learned at run time) and
// replaces each with [REDACTED] in the text given to it. Its Writer does
// so for a stream, a line at a time, so that a secret split across two
// writes is still caught.
//
// It is the last line of defence: the code that handles a secret keeps it
// out of its messages in the first place.
package redact

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"sync"
)

// Mask replaces every secret.
const Mask = "[REDACTED]"

// minSecretLen is the shortest value treated as a secret: shorter ones
// (a query value "1") would mask ordinary text, and no credential is that
// short.
const minSecretLen = 4

// minPrefixLen is the shortest start of a secret that is masked on its
// own: an error that quotes only the first 40 characters of a file must
// not print the first 40 characters of a token.
const minPrefixLen = 12

// Redactor replaces known secrets in text. It is safe for concurrent use,
// and secrets may be added at any time.
type Redactor struct {
	mu      sync.RWMutex
	secrets [][]byte
}

// Add makes s a secret. Empty and very short values are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if len(s) < minSecretLen || r.known(s) {
			continue
		}
		r.insert([]byte(s))
		// The same secret as JSON writes it (a plan, a saved plan): with
		// <, > and & as \u003c, \u003e and \u0026, quotes escaped.
		if quoted, err := json.Marshal(s); err == nil {
			if escaped := quoted[1 : len(quoted)-1]; string(escaped) != s && !r.known(string(escaped)) {
				r.insert(escaped)
			}
		}
	}
}

// insert adds a secret, keeping the longest first so that a secret
// containing another is masked whole.
func (r *Redactor) insert(secret []byte) {
	r.secrets = append(r.secrets, secret)
	for i := len(r.secrets) - 1; i > 0 && len(r.secrets[i]) > len(r.secrets[i-1]); i-- {
		r.secrets[i], r.secrets[i-1] = r.secrets[i-1], r.secrets[i]
	}
}

func (r *Redactor) known(s string) bool {
	for _, t := range r.secrets {
		if string(t) == s {
			return true
		}
	}
	return false
}

// AddURL makes the secret parts of a URL secrets: its user name and
// password, each query value and the fragment.
func (r *Redactor) AddURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		r.Add(u.User.Username(), pw, u.User.String())
	}
	for _, values := range u.Query() {
		r.Add(values...)
	}
	r.Add(u.RawQuery, u.Fragment)
}

// Bytes returns b with every secret masked, and every start of one of at
// least minPrefixLen bytes (a secret cut short by whoever quoted it); b
// itself when it holds none.
func (r *Redactor) Bytes(b []byte) []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.secrets {
		if bytes.Contains(b, s) {
			b = bytes.ReplaceAll(b, s, []byte(Mask))
		}
		if len(s) > minPrefixLen {
			b = maskPrefixes(b, s)
		}
	}
	return b
}

// maskPrefixes masks every run of b that starts like secret for at least
// minPrefixLen bytes.
func maskPrefixes(b, secret []byte) []byte {
	start := secret[:minPrefixLen]
	if !bytes.Contains(b, start) {
		return b
	}
	var out []byte
	for {
		i := bytes.Index(b, start)
		if i < 0 {
			return append(out, b...)
		}
		n := minPrefixLen
		for i+n < len(b) && n < len(secret) && b[i+n] == secret[n] {
			n++
		}
		out = append(append(out, b[:i]...), Mask...)
		b = b[i+n:]
	}
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string { return string(r.Bytes([]byte(s))) }

// Writer masks secrets in what is written to w. It holds back a partial
// line until its newline arrives or Flush is called.
type Writer struct {
	r       *Redactor
	w       io.Writer
	mu      sync.Mutex
	pending []byte
}

// Writer returns a Writer that masks r's secrets on their way to w.
func (r *Redactor) Writer(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Write masks and writes every complete line of p, keeping the rest.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	end := bytes.LastIndexByte(w.pending, '\n')
	if end < 0 {
		return len(p), nil
	}
	if _, err := w.w.Write(w.r.Bytes(w.pending[:end+1])); err != nil {
		return 0, err
	}
	w.pending = append(w.pending[:0], w.pending[end+1:]...)
	return len(p), nil
}

// Flush masks and writes a partial line held back, such as a prompt,
// then flushes the writer beneath if it buffers (has a Flush method), so
// that everything written so far is out.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) > 0 {
		_, err := w.w.Write(w.r.Bytes(w.pending))
		w.pending = w.pending[:0]
		if err != nil {
			return err
		}
	}
	if f, ok := w.w.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}
