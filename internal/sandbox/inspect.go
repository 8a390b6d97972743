package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Snapshot is the whole server state, as GET /_sandbox/state returns it.
// Every list is sorted (communities by handle, groups by chat_id, members
// and subscribers by member_id, users by user_id, categories and templates
// by id, videos by name) so two snapshots of the same state are equal.
// Tokens and API keys are never included.
type Snapshot struct {
	Brand       Brand              `json:"brand"`
	Communities []Community        `json:"communities"`
	Groups      []Group            `json:"groups"`
	Users       []User             `json:"users"`
	Categories  []Category         `json:"categories"`
	Videos      []Video            `json:"videos"`
	Templates   []Template         `json:"templates"`
	Counters    map[string]Counter `json:"counters"`
}

// Counter counts the requests one endpoint received since the server
// started (counters are not persisted).
type Counter struct {
	Requests int            `json:"requests"`
	Statuses map[string]int `json:"statuses"` // HTTP status -> count, lost responses included
	Lost     int            `json:"lost"`     // applied, then the connection was dropped
}

// RequestRecord is one API request in the log. It never holds the token.
type RequestRecord struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
	Code   string    `json:"code"`             // envelope code: "200", "5216", ... ("" for a bare {} body)
	Fault  string    `json:"fault,omitempty"`  // rate_limit, fail or lose
	Reason string    `json:"reason,omitempty"` // why an error happened
	// Body is the JSON body the sandbox read, as received, so that a test
	// can check exactly what a client sent. It is left out for auth (it
	// holds the API secret), for a body that is not JSON or is over
	// maxLoggedBody, for a request refused before its body was read (a
	// rate limit or failure fault, a wrong method), and for all but the
	// latest maxLoggedBodies requests.
	Body json.RawMessage `json:"body,omitempty"`
}

// maxLog bounds the request log; older entries are dropped first.
const maxLog = 10000

// maxLoggedBody and maxLoggedBodies bound the memory the log's bodies
// take: 64 KiB each, for the latest 1,000 requests.
const (
	maxLoggedBody   = 64 << 10
	maxLoggedBodies = 1000
)

// Snapshot returns a deep copy of the state.
func (s *Server) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	snap := Snapshot{
		Brand:       st.brand,
		Communities: make([]Community, 0, len(st.communities)),
		Groups:      make([]Group, 0, len(st.groups)),
		Users:       make([]User, 0, len(st.users)),
		Categories:  append([]Category{}, st.categories...),
		Videos:      append([]Video{}, st.videos...),
		Templates:   append([]Template{}, st.templates...),
		Counters:    map[string]Counter{},
	}
	for _, c := range st.communities {
		c := *c
		c.enc, c.Members, c.Categories, c.Actions = nil, sortedMembers(c.Members), slices.Clone(c.Categories), slices.Clone(c.Actions)
		snap.Communities = append(snap.Communities, c)
	}
	for _, g := range st.groups {
		g := *g
		g.enc, g.Members, g.Subscribers = nil, sortedMembers(g.Members), sortedMembers(g.Subscribers)
		g.Topics, g.Actions = slices.Clone(g.Topics), slices.Clone(g.Actions)
		if g.Video != nil {
			v := *g.Video
			g.Video = &v
		}
		snap.Groups = append(snap.Groups, g)
	}
	for _, u := range st.users {
		u := *u
		u.enc = nil
		snap.Users = append(snap.Users, u)
	}
	for name, c := range s.counters {
		cc := *c
		cc.Statuses = make(map[string]int, len(c.Statuses))
		for k, v := range c.Statuses {
			cc.Statuses[k] = v
		}
		snap.Counters[name] = cc
	}
	slices.SortFunc(snap.Communities, func(a, b Community) int { return strings.Compare(a.Handle, b.Handle) })
	slices.SortFunc(snap.Groups, func(a, b Group) int { return strings.Compare(a.ChatID, b.ChatID) })
	slices.SortFunc(snap.Users, func(a, b User) int { return strings.Compare(a.UserID, b.UserID) })
	slices.SortFunc(snap.Categories, func(a, b Category) int { return a.ID - b.ID })
	slices.SortFunc(snap.Templates, func(a, b Template) int { return a.ID - b.ID })
	slices.SortFunc(snap.Videos, func(a, b Video) int { return strings.Compare(a.VideoName, b.VideoName) })
	return snap
}

func sortedMembers(ms []Member) []Member {
	out := slices.Clone(ms)
	if out == nil {
		out = []Member{}
	}
	slices.SortFunc(out, func(a, b Member) int { return strings.Compare(a.MemberID, b.MemberID) })
	return out
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.log)
	if out == nil {
		out = []RequestRecord{}
	}
	return out
}

// record counts and logs one API request, with the body it read (nil
// when it read none).
func (s *Server) record(endpoint string, r *http.Request, rep reply, fault string, body []byte) {
	code := ""
	switch c := rep.code.(type) {
	case int:
		code = strconv.Itoa(c)
	case string:
		code = c
	}
	rec := RequestRecord{
		Time: s.now().UTC(), Method: r.Method, Path: r.URL.Path,
		Status: rep.status, Code: code, Fault: fault, Reason: rep.reason,
	}
	if endpoint != epAuth.name && len(body) <= maxLoggedBody && json.Valid(body) {
		rec.Body = slices.Clone(body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counters[endpoint]
	if c == nil {
		c = &Counter{Statuses: map[string]int{}}
		s.counters[endpoint] = c
	}
	c.Requests++
	c.Statuses[strconv.Itoa(rep.status)]++
	if fault == faultLose {
		c.Lost++
	}
	if len(s.log) >= maxLog {
		s.log = slices.Delete(s.log, 0, len(s.log)-maxLog+1)
	}
	s.log = append(s.log, rec)
	if n := len(s.log) - maxLoggedBodies - 1; n >= 0 {
		s.log[n].Body = nil
	}
}

// inspect serves the read-only, unauthenticated inspection endpoints, and
// the subscribe fixture beside them (see fixture.go).
func (s *Server) inspect(w http.ResponseWriter, r *http.Request) {
	var v any
	switch r.URL.Path {
	case "/_sandbox/state":
		v = s.Snapshot()
	case "/_sandbox/requests":
		v = s.Requests()
	case "/_sandbox/subscribe":
		s.subscribe(w, r)
		return
	default:
		writeReply(w, fail(http.StatusNotFound, "404", "Not Found", "inspection endpoints: /_sandbox/state, /_sandbox/requests; test fixture: POST /_sandbox/subscribe"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rep := fail(http.StatusMethodNotAllowed, "405", "Method Not Allowed", "inspection is read-only")
		rep.header = http.Header{"Allow": {"GET, HEAD"}}
		writeReply(w, rep)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
