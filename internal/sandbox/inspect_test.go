package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestInspection(t *testing.T) {
	h := newHarness(t, Config{})
	chat := h.createGroup(`{"user_id":"` + userB12 + `"},{"user_id":"` + userABCD + `"}`)
	h.post(pathCommunity, `{"handle":"dup","name":"x"}`).want(t, 200, "200")
	h.post(pathCommunity, `{"handle":"dup","name":"x"}`).want(t, 500, "5216")

	var snap Snapshot
	getJSON(t, h.url+"/_sandbox/state", &snap)
	if want := h.s.Snapshot(); !reflect.DeepEqual(snap, want) {
		t.Errorf("HTTP state differs from Snapshot():\n%+v\n%+v", snap, want)
	}
	if c := snap.Counters["community_create"]; c.Requests != 2 || c.Statuses["200"] != 1 || c.Statuses["500"] != 1 {
		t.Errorf("community_create counter = %+v", c)
	}
	g := h.group(chat)
	if !slices.IsSortedFunc(g.Members, func(a, b Member) int { return strings.Compare(a.MemberID, b.MemberID) }) ||
		!slices.IsSortedFunc(snap.Communities, func(a, b Community) int { return strings.Compare(a.Handle, b.Handle) }) {
		t.Error("snapshot not sorted")
	}
	for _, m := range g.Members {
		if m.MemberID != m.UserID || (m.Role == 1) != (m.MemberID == BrandUserID) {
			t.Errorf("member %+v", m)
		}
	}

	var log []RequestRecord
	getJSON(t, h.url+"/_sandbox/requests", &log)
	if len(log) != 3 || log[2].Code != "5216" || log[2].Status != 500 || log[2].Path != pathCommunity {
		t.Errorf("request log = %+v", log)
	}
	raw, _ := json.Marshal(log)
	if strings.Contains(string(raw), DefaultToken) {
		t.Error("the request log holds the token")
	}
	resp, err := http.Post(h.url+"/_sandbox/state", "application/json", nil)
	if err != nil || resp.StatusCode != 405 {
		t.Errorf("POST /_sandbox/state: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestConcurrentClients hammers one server from 64 clients with creates and
// updates of shared groups; run with -race. The state must stay consistent.
func TestConcurrentClients(t *testing.T) {
	h := newHarness(t, Config{})
	const clients, perClient = 64, 8
	shared := []string{h.createGroup(""), h.createGroup("")}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range perClient {
				chat := shared[(c+i)%2]
				phone := fmt.Sprintf("91700%04d%03d", c, i%3) // repeats: adds of existing members
				bodies := []struct{ method, path, body string }{
					{"POST", pathGroup, fmt.Sprintf(`{"type":4,"community_id":"%s","group":{"members":[{"phone_number":"%s"}]}}`, techCommunity, phone)},
					{"PATCH", updatePrefix + chat, fmt.Sprintf(`{"members_added":[{"phone_number":"%s"}],"name":"n%d"}`, phone, c)},
					{"POST", pathCommunity, fmt.Sprintf(`{"handle":"c%d_%d","name":"C"}`, c, i)},
				}
				for _, b := range bodies {
					r, err := h.try(b.method, b.path, DefaultToken, b.body)
					if err != nil || r.status != 200 {
						t.Errorf("%s %s: %v %v", b.method, b.path, r, err)
						return
					}
				}
				_ = h.s.Snapshot()
			}
		})
	}
	wg.Wait()

	snap := h.s.Snapshot()
	if n := len(snap.Communities); n != 1+clients*perClient {
		t.Errorf("%d communities, want %d", n, 1+clients*perClient)
	}
	if n := len(snap.Groups); n != 2+clients*perClient {
		t.Errorf("%d groups, want %d", n, 2+clients*perClient)
	}
	users := map[string]bool{}
	phones := map[string]bool{}
	for _, u := range snap.Users {
		if u.Phone != "" && phones[u.Phone] {
			t.Errorf("two users with phone %s", u.Phone)
		}
		users[u.UserID], phones[u.Phone] = true, true
	}
	if want := len(DefaultSeed().Users) + clients*3; len(users) != want {
		t.Errorf("%d users, want %d (one avatar per distinct phone)", len(users), want)
	}
	for _, chat := range shared {
		g := h.group(chat)
		seen := map[string]bool{}
		for _, m := range g.Members {
			if seen[m.MemberID] || !users[m.UserID] {
				t.Errorf("group %s: member %s duplicated or unknown", chat, m.MemberID)
			}
			seen[m.MemberID] = true
		}
	}
	if c := snap.Counters["update_conversation"]; c.Requests != clients*perClient || c.Statuses["200"] != clients*perClient {
		t.Errorf("update counter = %+v", c)
	}
}

func TestSeeds(t *testing.T) {
	if err := DefaultSeed().validate(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := dir + "/seed.json"
	seed := DefaultSeed()
	seed.Videos = append(seed.Videos, Video{VideoName: "extra.mp4", VideoPath: "x"})
	b, _ := json.Marshal(seed)
	writeFile(t, good, string(b))
	s, err := LoadSeed(good)
	if err != nil || len(s.Videos) != 3 {
		t.Fatalf("LoadSeed = %v, %v", s, err)
	}
	for name, content := range map[string]string{
		"typo.json":     `{"user":[]}`,
		"dangling.json": `{"users":[],"tokens":[{"token":"t","user_id":"nobody"}]}`,
		"broken.json":   `{`,
	} {
		writeFile(t, dir+"/"+name, content)
		if _, err := LoadSeed(dir + "/" + name); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("LoadSeed(%s) = %v, want an error naming the file", name, err)
		}
	}
}

func TestInspectionRoutes(t *testing.T) {
	h := newHarness(t, Config{})
	for path, want := range map[string]int{"/_sandbox/state": 200, "/_sandbox/requests": 200, "/_sandbox/nothing": 404} {
		req, _ := http.NewRequest("HEAD", h.url+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != want {
			t.Errorf("HEAD %s: %v %v, want %d", path, resp, err, want)
			continue
		}
		resp.Body.Close()
	}
	var log []RequestRecord
	getJSON(t, h.url+"/_sandbox/requests", &log)
	if log == nil || len(log) != 0 {
		t.Errorf("inspection was logged: %+v", log)
	}
}
