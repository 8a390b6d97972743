package sandbox

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Server is the emulated Genuin API. It is an http.Handler safe for
// concurrent use.
type Server struct {
	cfg    Config
	now    func() time.Time
	faults *faultInjector
	extra  map[string]*User // Config.Tokens and their owner; never saved

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
		s.extra = map[string]*User{}
		for _, t := range cfg.Tokens {
			if t != "" {
				s.extra[t] = owner
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
		s.record(ep.name, r, rep, "", nil)
		writeReply(w, rep)
		return
	}
	d := s.faults.decide(s.now())
	if d.limited {
		rep := fail(http.StatusTooManyRequests, "429", "Too Many Requests", "fault injected by the sandbox: rate limit")
		rep.header = http.Header{"Retry-After": {fmt.Sprint(d.retryAfter)}}
		s.record(ep.name, r, rep, faultRateLimit, nil)
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
		rep := fail(http.StatusServiceUnavailable, "503", "Service Unavailable", "fault injected by the sandbox: failure")
		s.record(ep.name, r, rep, faultFail, nil)
		writeReply(w, rep)
		return
	}
	rep, body := s.serveAPI(ep, chatID, r)
	if d.lose {
		s.record(ep.name, r, rep, faultLose, body)
		drop(w)
		return
	}
	s.record(ep.name, r, rep, "", body)
	writeReply(w, rep)
}

// serveAPI reads the body, applies the request and saves any change. It
// returns the body it read too, for the request log.
func (s *Server) serveAPI(ep endpoint, chatID string, r *http.Request) (reply, []byte) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		if ep.name == epCommunity.name || ep.name == epGroup.name {
			return badCreate("body unreadable or over %d bytes", maxBody), nil
		}
		return bad1099("body unreadable or over %d bytes", maxBody), nil
	}
	rep, gen := s.apply(ep, r, &apiRequest{body: body, chatID: chatID})
	if gen > 0 {
		if err := s.flush(gen, false); err != nil {
			return fail(http.StatusInternalServerError, "500", "sandbox could not save its state", err.Error()), body
		}
	}
	return rep, body
}

// apply authenticates and runs the handler under the state lock. gen is
// the state generation to save, 0 when nothing changed.
func (s *Server) apply(ep endpoint, r *http.Request, req *apiRequest) (rep reply, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep.auth {
		token, found := bearer(r.Header.Get("Authorization"))
		if !found {
			return unauthorized(`no "Authorization: Bearer <token>" header`), 0
		}
		if req.owner = s.st.tokenOwner(token); req.owner == nil {
			req.owner = s.extra[token]
		}
		if req.owner == nil {
			return unauthorized("the bearer token is unknown to the sandbox"), 0
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
