package sandbox

import (
	"encoding/json"
	"testing"
)

// FuzzRequests sends arbitrary bodies to every endpoint: the server must
// never panic and must always answer JSON, enveloped unless it is a create
// endpoint's bare {} 400.
func FuzzRequests(f *testing.F) {
	for _, name := range []string{"community-create.request.json", "group-create.request.json", "update-conversation.request.json"} {
		f.Add(uint8(0), readTestdata(f, name))
	}
	f.Add(uint8(3), `{"api_key":"sandbox-key","api_secret":"sandbox-secret"}`)
	f.Add(uint8(2), `{"members_added":[{"phone_number":"919800000009"}],"members_removed":["0bf977ed-4887-4056-a8f4-1f0de71101f1"]}`)
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	paths := []struct{ method, path string }{
		{"POST", pathCommunity}, {"POST", pathGroup},
		{"PATCH", updatePrefix + "456e7890-b12c-4c23-89ef-126314214567"}, {"POST", pathAuth},
	}
	s.ServeHTTP(newRecorder(), newRequest("POST", pathGroup, readTestdata(f, "group-create.request.json")))
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		p := paths[int(which)%len(paths)]
		rec := newRecorder()
		s.ServeHTTP(rec, newRequest(p.method, p.path, body))
		var env map[string]json.RawMessage
		if err := json.Unmarshal(rec.body.Bytes(), &env); err != nil {
			t.Fatalf("%s %s: status %d, body not JSON: %q", p.method, p.path, rec.status, rec.body.String())
		}
		if len(env) == 0 && rec.status != 400 {
			t.Fatalf("bare {} with status %d", rec.status)
		}
		if len(env) > 0 && (env["code"] == nil || env["data"] == nil) {
			t.Fatalf("not an envelope: %s", rec.body.String())
		}
	})
}
