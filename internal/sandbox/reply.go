package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// reply is a handler's answer, written by ServeHTTP (or dropped by a fault).
type reply struct {
	status  int
	code    any // 200 (number) on success, a string code on errors
	message string
	data    any  // nil on errors: written as {}
	bare    bool // write a bare {} body (the create guides' 400)
	header  http.Header
	reason  string // why an error happened, for the log and X-Sandbox-Reason
	changed bool   // state changed: save it
}

func ok(message string, data any) reply {
	return reply{status: http.StatusOK, code: http.StatusOK, message: message, data: data, changed: true}
}

func fail(status int, code, message, reason string) reply {
	return reply{status: status, code: code, message: message, reason: reason}
}

// badCreate is the create endpoints' 400: a bare {} as both guides show.
func badCreate(format string, args ...any) reply {
	return reply{status: http.StatusBadRequest, bare: true, reason: fmt.Sprintf(format, args...)}
}

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
		w.Header().Set("X-Sandbox-Reason", rep.reason)
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
