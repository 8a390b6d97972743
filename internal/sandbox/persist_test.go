package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// stateOnly drops what is not persisted (counters).
func stateOnly(s Snapshot) Snapshot {
	s.Counters = nil
	return s
}

func TestPersistenceRoundTrip(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sandbox.json")
	h := newHarness(t, Config{DataFile: file})
	h.do("POST", pathCommunity, DefaultToken, readTestdata(t, "community-create.request.json")).want(t, 200, "200")
	h.do("POST", pathGroup, DefaultToken, readTestdata(t, "group-create.request.json")).want(t, 200, "200")
	h.patch("456e7890-b12c-4c23-89ef-126314214567", readTestdata(t, "update-conversation.request.json")).want(t, 200, "200")
	chat := h.createGroup(`{"phone_number":"919800055555"}`)
	h.patch(chat, `{"name":"renamed"}`).want(t, 200, "200")
	want := stateOnly(h.s.Snapshot())

	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &head); err != nil || head.Format != fileFormat || head.Version != fileVersion {
		t.Fatalf("file head = %+v, %v", head, err)
	}

	// A restart (even with a different seed) sees the same state, and the
	// handle stays taken, the avatar user stays the same.
	h2 := newHarness(t, Config{DataFile: file})
	if got := stateOnly(h2.s.Snapshot()); !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("after restart:\n%s\nwant:\n%s", gj, wj)
	}
	h2.post(pathCommunity, `{"handle":"genuin-community","name":"again"}`).want(t, 500, "5216")
	h2.post(pathGroup, `{"type":4,"community_id":"`+techCommunity+`","group":{"members":[{"phone_number":"919800055555"}]}}`).want(t, 200, "200")
	if n := len(h2.s.Snapshot().Users); n != len(want.Users) {
		t.Errorf("phone re-used: %d users, want %d", n, len(want.Users))
	}
	if g := h2.group(chat); g.Name != "renamed" {
		t.Errorf("group after restart: %+v", g)
	}
	if err := h2.s.Save(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
}

func TestPersistenceRefusesBadFiles(t *testing.T) {
	tests := map[string]string{
		"corrupt":        `{"format":"genuinctl-sandbox-state","version":1,"users":[`,
		"empty":          ``,
		"foreign":        `{"name":"my-app","version":"1.0.0"}`,
		"not an object":  `[1,2,3]`,
		"future version": `{"format":"genuinctl-sandbox-state","version":3}`,
		"dangling":       `{"format":"genuinctl-sandbox-state","version":1,"users":[],"communities":[],"groups":[{"chat_id":"x","community_id":"missing"}]}`,
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(Config{DataFile: file})
			if err == nil || !strings.Contains(err.Error(), file) {
				t.Fatalf("New = %v, want an error naming %s", err, file)
			}
			if b, _ := os.ReadFile(file); string(b) != content {
				t.Error("the file was changed")
			}
		})
	}
}

// TestInstance: a sandbox's instance id is created with its world, kept
// in its data file, and new when the data file is gone; a version 1 data
// file, which has none, is read and given one.
func TestInstance(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sandbox.json")
	first := newHarness(t, Config{DataFile: file}).s
	if err := first.Save(); err != nil {
		t.Fatal(err)
	}
	again := newHarness(t, Config{DataFile: file}).s
	if first.Instance() == "" || again.Instance() != first.Instance() {
		t.Errorf("instance %q after a restart, want %q", again.Instance(), first.Instance())
	}
	if other := newHarness(t, Config{DataFile: filepath.Join(dir, "other.json")}).s; other.Instance() == first.Instance() {
		t.Error("a new data file must give a new instance")
	}

	v1 := filepath.Join(dir, "v1.json")
	if err := os.WriteFile(v1, []byte(`{"format":"genuinctl-sandbox-state","version":1,"users":[],"communities":[],"groups":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	old := newHarness(t, Config{DataFile: v1}).s
	if old.Instance() == "" {
		t.Fatal("a version 1 data file must be given an instance")
	}
	if err := old.Save(); err != nil {
		t.Fatal(err)
	}
	if got := newHarness(t, Config{DataFile: v1}).s.Instance(); got != old.Instance() {
		t.Errorf("the instance given to a version 1 file was not kept: %q, want %q", got, old.Instance())
	}
}

func TestSaveInMemoryIsNoop(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkGroupCreatePersisted measures group creates with a data file,
// each saving the whole state: run with -benchtime=5000x for a campaign.
func BenchmarkGroupCreatePersisted(b *testing.B) {
	s, err := New(Config{DataFile: filepath.Join(b.TempDir(), "bench.json")})
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		body := fmt.Sprintf(`{"type":4,"community_id":"%s","group":{"name":"Group %d","description":"benchmark","tags":"a,b","topics":[1,2],"members":[{"user_id":"%s"},{"phone_number":"9198%08d"}]},"actions":[{"action_id":3,"access_type_id":5}],"template_id":2}`,
			techCommunity, i, userB12, i)
		i++
		rec := newRecorder()
		s.ServeHTTP(rec, newRequest("POST", pathGroup, body))
		if rec.status != 200 {
			b.Fatalf("status %d: %s", rec.status, rec.body.String())
		}
	}
}

// BenchmarkGroupCreatePersistedParallel is the same with concurrent
// clients, whose saves share fsyncs.
func BenchmarkGroupCreatePersistedParallel(b *testing.B) {
	s, err := New(Config{DataFile: filepath.Join(b.TempDir(), "bench.json")})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Sprintf(`{"type":4,"community_id":"%s","group":{"name":"Group %d","members":[{"user_id":"%s"},{"phone_number":"9198%08d"}]}}`,
				techCommunity, i, userB12, i)
			rec := newRecorder()
			s.ServeHTTP(rec, newRequest("POST", pathGroup, body))
			if rec.status != 200 {
				b.Errorf("status %d: %s", rec.status, rec.body.String())
				return
			}
		}
	})
}

// TestExtraTokensNotSaved: Config.Tokens are configuration, not state.
func TestExtraTokensNotSaved(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sandbox.json")
	h := newHarness(t, Config{DataFile: file, Tokens: []string{"only-this-run"}})
	h.do("POST", pathCommunity, "only-this-run", `{"handle":"tok","name":"T"}`).want(t, 200, "200")
	if b, _ := os.ReadFile(file); strings.Contains(string(b), "only-this-run") {
		t.Error("the extra token was saved")
	}
	h2 := newHarness(t, Config{DataFile: file})
	h2.do("POST", pathCommunity, "only-this-run", `{"handle":"tok2","name":"T"}`).want(t, 401, "5159")
}
