package sandbox

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func subscriberIDs(g Group) []string {
	var ids []string
	for _, m := range g.Subscribers {
		ids = append(ids, m.MemberID)
	}
	return ids
}

// TestSubscribeFixture: POST /_sandbox/subscribe makes a user a subscriber,
// which update_conversation's subscribers_removed then removes; the
// fixture refuses unknown chats and users, and the state is saved.
func TestSubscribeFixture(t *testing.T) {
	data := filepath.Join(t.TempDir(), "state.json")
	h := newHarness(t, Config{DataFile: data})
	chat := h.createGroup(`{"user_id":"` + userB12 + `"}`)
	subscribe := func(body string) *result {
		t.Helper()
		return h.do("POST", "/_sandbox/subscribe", "", body)
	}
	subscribe(`{"chat_id":"`+chat+`","user_id":"`+userABCD+`"}`).want(t, 200, "200")
	// A member may be a subscriber too: the docs' example removes one user
	// from both.
	r := subscribe(`{"chat_id":"` + chat + `","user_id":"` + userB12 + `"}`)
	r.want(t, 200, "200")
	again := subscribe(`{"chat_id":"` + chat + `","user_id":"` + userB12 + `"}`)
	var out struct {
		Subscribed bool `json:"subscribed"`
	}
	again.data(t, &out)
	if out.Subscribed {
		t.Error("a second subscribe reports a new subscriber")
	}
	if got := strings.Join(subscriberIDs(h.group(chat)), ","); got != userB12+","+userABCD && got != userABCD+","+userB12 {
		t.Errorf("subscribers = %s", got)
	}
	subscribe(`{"chat_id":"456e7890-0000-4000-8000-000000000000","user_id":"`+userB12+`"}`).want(t, 404, "404")
	subscribe(`{"chat_id":"`+chat+`","user_id":"99999999-9999-4999-8999-999999999999"}`).want(t, 404, "404")
	subscribe(`{"chat_id":"`+chat+`"}`).want(t, 400, "400")
	if r := h.do("GET", "/_sandbox/subscribe", "", ""); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET /_sandbox/subscribe: %d", r.status)
	}

	// The fixture is no API request: not counted, not logged.
	if n := len(h.s.Requests()); n != 1 {
		t.Errorf("%d requests logged, want the group create only", n)
	}
	// It is saved like any change.
	s2, err := New(Config{DataFile: data})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range s2.Snapshot().Groups {
		if g.ChatID == chat && len(g.Subscribers) != 2 {
			t.Errorf("reloaded subscribers = %+v", g.Subscribers)
		}
	}

	r = h.patch(chat, `{"subscribers_removed":["`+userABCD+`","`+userB12+`","`+BrandUserID+`"]}`)
	r.want(t, 200, "200")
	var upd updateData
	r.data(t, &upd)
	if len(upd.SubscribersRemoved) != 2 {
		t.Errorf("subscribers_removed answered %+v, want the two subscribers", upd.SubscribersRemoved)
	}
	g := h.group(chat)
	if len(g.Subscribers) != 0 || !g.hasMember(userB12) {
		t.Errorf("after the removal: subscribers %v, members %+v", subscriberIDs(g), g.Members)
	}
}

// TestRequestLogBodies: the log keeps the body of each API request as
// received, except auth's (it holds the API secret).
func TestRequestLogBodies(t *testing.T) {
	h := newHarness(t, Config{})
	body := readTestdata(t, "community-create.request.json")
	h.post(pathCommunity, body).want(t, 200, "200")
	h.do("POST", pathAuth, "", `{"api_key":"`+DefaultAPIKey+`","api_secret":"`+DefaultAPISecret+`"}`).want(t, 200, "200")
	h.post(pathGroup, `not json`).want(t, 400, "")
	log := h.s.Requests()
	if len(log) != 3 {
		t.Fatalf("log = %+v", log)
	}
	var got, want any
	if err := json.Unmarshal(log[0].Body, &got); err != nil {
		t.Fatalf("body %q: %v", log[0].Body, err)
	}
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	if jsonString(got) != jsonString(want) {
		t.Errorf("logged body %s, want %s", log[0].Body, body)
	}
	if log[1].Body != nil || log[2].Body != nil {
		t.Errorf("auth's or a non-JSON body was logged: %q %q", log[1].Body, log[2].Body)
	}
	raw, _ := json.Marshal(log)
	if strings.Contains(string(raw), DefaultAPISecret) {
		t.Error("the request log holds the API secret")
	}

	// Only the latest maxLoggedBodies requests keep their body.
	for range maxLoggedBodies {
		h.patch("456e7890-0000-4000-8000-000000000000", `{}`)
	}
	log = h.s.Requests()
	if log[len(log)-maxLoggedBodies-1].Body != nil || log[len(log)-maxLoggedBodies].Body == nil {
		t.Error("bodies are not kept for exactly the latest requests")
	}
}
