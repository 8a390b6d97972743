package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptedFaults stands in front of the sandbox and injects faults a script
// asks for, one request at a time, where the sandbox's own faults are
// random. Each fault applies to the next requests whose path contains a
// given piece (e.g. "group/create"); the sandbox always handles the request
// first, so the API has done the work whose answer goes astray.
type scriptedFaults struct {
	next http.Handler
	mu   sync.Mutex
	// hold withholds the answer until the client goes away (a kill while
	// the request is in flight); lose drops the connection instead of
	// answering; misanswer changes the chat_id in the answer.
	hold, lose, misanswer map[string]int
	// agents are the User-Agent headers of the API requests received.
	agents map[string]bool
}

// newScriptedFaults arms no fault; next is set when the sandbox starts.
func newScriptedFaults() *scriptedFaults {
	return &scriptedFaults{hold: map[string]int{}, lose: map[string]int{}, misanswer: map[string]int{}, agents: map[string]bool{}}
}

// take uses one of the faults in m matching path, if any is left.
func (f *scriptedFaults) take(m map[string]int, path string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for piece, n := range m {
		if n > 0 && strings.Contains(path, piece) {
			m[piece] = n - 1
			return true
		}
	}
	return false
}

func (f *scriptedFaults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		f.next.ServeHTTP(w, r)
		return
	}
	f.mu.Lock()
	f.agents[r.UserAgent()] = true
	f.mu.Unlock()
	hold, lose, misanswer := f.take(f.hold, r.URL.Path), f.take(f.lose, r.URL.Path), f.take(f.misanswer, r.URL.Path)
	rec := httptest.NewRecorder()
	f.next.ServeHTTP(rec, r)
	switch {
	case hold:
		<-r.Context().Done()
		panic(http.ErrAbortHandler)
	case lose:
		panic(http.ErrAbortHandler) // closes the connection without an answer
	case misanswer:
		rec.Body = bytes.NewBuffer(withOtherChatID(rec.Body.Bytes()))
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// withOtherChatID rewrites the chat_id of a group create's answer.
func withOtherChatID(body []byte) []byte {
	var envelope map[string]any
	if json.Unmarshal(body, &envelope) != nil {
		return body
	}
	if data, ok := envelope["data"].(map[string]any); ok {
		data["chat_id"] = "00000000-0000-4000-8000-000000000000"
	}
	out, err := json.Marshal(envelope)
	if err != nil {
		return body
	}
	return out
}

// cmdFault is the script command that arms a fault:
//
//	fault hold|lose|misanswer PATH [N]
//
// hold withholds the answer to the next request to PATH until the client
// goes away; lose applies the next N (default 1) and drops their
// connections; misanswer answers the next N with another chat_id.
func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: fault hold|lose|misanswer PATH [N]")
	}
	f := ts.Value(faultsKey{}).(*scriptedFaults)
	if f.next == nil {
		ts.Fatalf("fault: start the sandbox first")
	}
	n := 1
	if len(args) == 3 {
		var err error
		n, err = strconv.Atoi(args[2])
		ts.Check(err)
	}
	m := map[string]map[string]int{"hold": f.hold, "lose": f.lose, "misanswer": f.misanswer}[args[0]]
	if m == nil {
		ts.Fatalf("fault: unknown fault %q", args[0])
	}
	f.mu.Lock()
	m[args[1]] += n
	f.mu.Unlock()
}

// faultsKey keys a script's scriptedFaults in its values.
type faultsKey struct{}

// userAgents returns the User-Agent headers received, sorted.
func (f *scriptedFaults) userAgents() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	agents := make([]string, 0, len(f.agents))
	for a := range f.agents {
		agents = append(agents, a)
	}
	sort.Strings(agents)
	return agents
}
