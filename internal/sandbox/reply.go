package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// ReasonHeader is the sandbox's own response header (no Genuin API sends
// it): on every error it says in plain words why the request failed, which
// the documented error bodies never do ({} or a code, a message and an
// empty data). genuinctl's client shows it as the error's detail.
const ReasonHeader = "Genuinctl-Sandbox-Reason"

// maxReason bounds a reason, in bytes: it may quote what a request sent.
const maxReason = 512

// reply is a handler's answer, written by ServeHTTP (or dropped by a fault).
type reply struct {
	status  int
	code    any // 200 (number) on success, a string code on errors
	message string
	data    any  // nil on errors: written as {}
	bare    bool // write a bare {} body (the create guides' 400)
	header  http.Header
	reason  string // why an error happened, for the log and ReasonHeader
	changed bool   // state changed: save it
}

func ok(message string, data any) reply {
	return reply{status: http.StatusOK, code: http.StatusOK, message: message, data: data, changed: true}
}

func fail(status int, code, message, reason string) reply {
	return reply{status: status, code: code, message: message, reason: capReason(reason)}
}

// badCreate is the create endpoints' 400: a bare {} as both guides show.
func badCreate(format string, args ...any) reply {
	return reply{status: http.StatusBadRequest, bare: true, reason: capReason(fmt.Sprintf(format, args...))}
}

// capReason escapes a reason's control characters (net/http refuses a
// whole response whose header carries one, tab aside, and the client would
// then see no answer at all) and cuts it to maxReason bytes, on a rune
// boundary.
func capReason(s string) string {
	if strings.ContainsFunc(s, isControl) {
		var b strings.Builder
		for _, r := range s {
			if isControl(r) {
				fmt.Fprintf(&b, "\\x%02x", r)
			} else {
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	if len(s) <= maxReason {
		return s
	}
	i := maxReason
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

func isControl(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

// bad1099 is the 400 of auth and update_conversation.
func bad1099(format string, args ...any) reply {
	return fail(http.StatusBadRequest, "1099", "An unexpected error occurred processing the request", fmt.Sprintf(format, args...))
}

func unauthorized(reason string) reply {
	return fail(http.StatusUnauthorized, "5159", "Invalid Use of API", reason)
}

// envelope is every documented response body.
type envelope struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

func writeReply(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	if rep.reason != "" {
		w.Header().Set(ReasonHeader, rep.reason)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	if rep.bare {
		io.WriteString(w, "{}\n")
		return
	}
	data := rep.data
	if data == nil {
		data = struct{}{}
	}
	json.NewEncoder(w).Encode(envelope{Code: rep.code, Message: rep.message, Data: data})
}

// drop closes the connection without writing a response.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // the server aborts the response instead
}
