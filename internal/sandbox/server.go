package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Server. The zero value is an in-memory sandbox with
// the default seed, no faults and idempotent chat_id re-sends.
type Config struct {
	// DataFile keeps the state across restarts: loaded by New when it
	// exists, saved atomically after every request that changed state.
	// "" keeps state in memory only.
	DataFile string
	// Seed is the starting world; nil means DefaultSeed(). With an existing
	// DataFile, seed entries the file lacks are added, none replaced.
	Seed *Seed
	// Faults injected into the API endpoints (never into inspection).
	Faults Faults
	// DuplicateChatID says what a group create with a known chat_id does.
	DuplicateChatID DuplicateMode
	// Tokens are extra accepted bearer tokens, acting as the brand system user.
	Tokens []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DuplicateMode is what a group create re-sent with an existing chat_id does.
type DuplicateMode int

const (
	// DuplicateIdempotent answers 200 with the existing group, unchanged.
	DuplicateIdempotent DuplicateMode = iota
	// DuplicateError answers 400 with code "1099".
	DuplicateError
)

// ParseDuplicateMode parses "idempotent" or "error".
func ParseDuplicateMode(s string) (DuplicateMode, error) {
	switch s {
	case "idempotent":
		return DuplicateIdempotent, nil
	case "error":
		return DuplicateError, nil
	}
	return 0, fmt.Errorf("duplicate chat_id mode %q: want idempotent or error", s)
}

// String returns the name ParseDuplicateMode accepts.
func (m DuplicateMode) String() string {
	if m == DuplicateError {
		return "error"
	}
	return "idempotent"
}

// Server is the emulated Genuin API. It is an http.Handler safe for
// concurrent use.
type Server struct {
	cfg    Config
	now    func() time.Time
	faults *faultInjector

	mu       sync.Mutex // guards st, gen, counters and log
	st       *store
	gen      uint64 // count of state changes
	counters map[string]*Counter
	log      []RequestRecord

	saveMu   sync.Mutex // serialises saves; guards savedGen and saveBuf
	savedGen uint64     // every change up to this generation is on disk
	saveBuf  []byte
}

// New returns a Server. With cfg.DataFile set it loads the file if it
// exists and refuses one that is corrupt or not a sandbox state file.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, now: cfg.Now, counters: map[string]*Counter{}}
	if s.now == nil {
		s.now = time.Now
	}
	if err := cfg.Faults.validate(); err != nil {
		return nil, err
	}
	s.faults = newFaultInjector(cfg.Faults)
	seed := cfg.Seed
	if seed == nil {
		seed = DefaultSeed()
	}
	if err := seed.validate(); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	st := newStore()
	if cfg.DataFile != "" {
		loaded, err := load(cfg.DataFile)
		if err != nil {
			return nil, err
		}
		if loaded != nil {
			st = loaded
		}
	}
	st.merge(seed, s.now().UTC())
	if len(cfg.Tokens) > 0 {
		owner := st.brandUser()
		if owner == nil {
			return nil, errors.New("extra tokens need a brand system user in the seed")
		}
		for _, t := range cfg.Tokens {
			if t != "" && st.tokenOwner(t) == nil {
				st.tokens = append(st.tokens, Token{Token: t, UserID: owner.UserID})
			}
		}
	}
	s.st = st
	return s, nil
}

// endpoint is one documented API operation.
type endpoint struct {
	name   string // counter key
	method string
	auth   bool // needs a bearer token
	handle func(s *Server, req *apiRequest) reply
}

var (
	epAuth      = endpoint{"auth", http.MethodPost, false, (*Server).auth}
	epCommunity = endpoint{"community_create", http.MethodPost, true, (*Server).createCommunity}
	epGroup     = endpoint{"group_create", http.MethodPost, true, (*Server).createGroup}
	epUpdate    = endpoint{"update_conversation", http.MethodPatch, true, (*Server).updateConversation}
)

const updatePrefix = "/api/thirdparty/update_conversation/"

// route maps a path to its endpoint and, for update_conversation, chat_id.
func route(path string) (endpoint, string, bool) {
	switch path {
	case "/api/thirdparty/auth":
		return epAuth, "", true
	case "/api/thirdparty/community/create":
		return epCommunity, "", true
	case "/api/thirdparty/group/create":
		return epGroup, "", true
	}
	if id, ok := strings.CutPrefix(path, updatePrefix); ok && id != "" && !strings.Contains(id, "/") {
		return epUpdate, id, true
	}
	return endpoint{}, "", false
}

// apiRequest is what a handler sees.
type apiRequest struct {
	body   []byte
	owner  *User  // the token's user; nil on auth
	chatID string // update_conversation only
}

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

// maxBody bounds a request body; a larger one is a 400.
const maxBody = 1 << 20

// ServeHTTP serves the API endpoints and the inspection endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		s.inspect(w, r)
		return
	}
	ep, chatID, found := route(r.URL.Path)
	if !found {
		writeReply(w, fail(http.StatusNotFound, "404", "Not Found", "no such endpoint"))
		return
	}
	if r.Method != ep.method {
		rep := fail(http.StatusMethodNotAllowed, "405", "Method Not Allowed", "use "+ep.method)
		rep.header = http.Header{"Allow": {ep.method}}
		s.record(ep.name, r, rep, "")
		writeReply(w, rep)
		return
	}
	d := s.faults.decide(s.now())
	if d.limited {
		rep := fail(http.StatusTooManyRequests, "429", "Too Many Requests", "rate limit")
		rep.header = http.Header{"Retry-After": {fmt.Sprint(d.retryAfter)}}
		s.record(ep.name, r, rep, faultRateLimit)
		writeReply(w, rep)
		return
	}
	if d.delay > 0 {
		t := time.NewTimer(d.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if d.fail {
		rep := fail(http.StatusServiceUnavailable, "503", "Service Unavailable", "injected failure")
		s.record(ep.name, r, rep, faultFail)
		writeReply(w, rep)
		return
	}
	rep := s.serveAPI(ep, chatID, r)
	if d.lose {
		s.record(ep.name, r, rep, faultLose)
		drop(w)
		return
	}
	s.record(ep.name, r, rep, "")
	writeReply(w, rep)
}

// serveAPI reads the body, applies the request and saves any change.
func (s *Server) serveAPI(ep endpoint, chatID string, r *http.Request) reply {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		if ep.name == epCommunity.name || ep.name == epGroup.name {
			return badCreate("body unreadable or over %d bytes", maxBody)
		}
		return bad1099("body unreadable or over %d bytes", maxBody)
	}
	rep, gen := s.apply(ep, r, &apiRequest{body: body, chatID: chatID})
	if gen > 0 {
		if err := s.flush(gen, false); err != nil {
			return fail(http.StatusInternalServerError, "500", "sandbox could not save its state", err.Error())
		}
	}
	return rep
}

// apply authenticates and runs the handler under the state lock. gen is
// the state generation to save, 0 when nothing changed.
func (s *Server) apply(ep endpoint, r *http.Request, req *apiRequest) (rep reply, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep.auth {
		token, found := bearer(r.Header.Get("Authorization"))
		if !found {
			return unauthorized("missing bearer token"), 0
		}
		if req.owner = s.st.tokenOwner(token); req.owner == nil {
			return unauthorized("unknown token"), 0
		}
	}
	rep = ep.handle(s, req)
	if rep.status != http.StatusOK || !rep.changed {
		return rep, 0
	}
	s.gen++
	return rep, s.gen
}

// bearer extracts the token from "Bearer <token>" (scheme case-insensitive).
func bearer(h string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(h), " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", false
	}
	return token, true
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
