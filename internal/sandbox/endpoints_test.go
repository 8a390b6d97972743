package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	h := newHarness(t, Config{})
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"ok", `{"api_key":"sandbox-key","api_secret":"sandbox-secret"}`, 200, "200"},
		{"unknown key", `{"api_key":"nope","api_secret":"sandbox-secret"}`, 404, "5235"},
		{"wrong secret", `{"api_key":"sandbox-key","api_secret":"nope"}`, 412, "5166"},
		{"missing secret", `{"api_key":"sandbox-key"}`, 400, "1099"},
		{"wrong type", `{"api_key":1,"api_secret":"x"}`, 400, "1099"},
		{"not json", `api_key=x`, 400, "1099"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(http.MethodPost, pathAuth, "", tt.body)
			r.want(t, tt.status, tt.code)
			tok := r.header.Get("gn-access-token")
			if (tt.status == 200) != (tok == DefaultToken) {
				t.Errorf("gn-access-token header = %q", tok)
			}
		})
	}
	// The exchanged token works.
	r := h.do(http.MethodPost, pathAuth, "", `{"api_key":"sandbox-key","api_secret":"sandbox-secret"}`)
	h.do(http.MethodPost, pathCommunity, r.header.Get("Gn-Access-Token"), `{"handle":"via_auth","name":"Via auth"}`).want(t, 200, "200")
}

func TestUnauthorized(t *testing.T) {
	h := newHarness(t, Config{Tokens: []string{"extra-token"}})
	chat := h.createGroup("")
	endpoints := []struct{ method, path string }{
		{"POST", pathCommunity}, {"POST", pathGroup}, {"PATCH", updatePrefix + chat},
	}
	for _, ep := range endpoints {
		for _, auth := range []string{"", "Bearer", "Bearer unknown", "Basic " + DefaultToken, DefaultToken} {
			req, _ := http.NewRequest(ep.method, h.url+ep.path, strings.NewReader(`{}`))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("%s %s with Authorization %q: status %d, want 401", ep.method, ep.path, auth, resp.StatusCode)
			}
		}
		h.do(ep.method, ep.path, "unknown", `{}`).want(t, 401, "5159")
	}
	// Config.Tokens are accepted and act as the brand system user.
	h.do("POST", pathCommunity, "extra-token", `{"handle":"extra","name":"Extra"}`).want(t, 200, "200")
	h.do("post", pathCommunity, "", `{}`).want(t, 405, "405")
	h.do("GET", "/api/thirdparty/nothing", "", ``).want(t, 404, "404")
}

func TestCommunityCreate(t *testing.T) {
	h := newHarness(t, Config{})
	tests := []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"minimal", DefaultToken, `{"handle":"minimal","name":"Minimal"}`, 200, "200"},
		{"type and actions accepted", DefaultToken, `{"handle":"typed","name":"T","type":1,"actions":[{"action_id":1,"access_type_id":2}]}`, 200, "200"},
		{"missing name", DefaultToken, `{"handle":"noname"}`, 400, ""},
		{"missing handle", DefaultToken, `{"name":"No handle"}`, 400, ""},
		{"bad handle", DefaultToken, `{"handle":"has space","name":"x"}`, 400, ""},
		{"wrong type", DefaultToken, `{"handle":"hh1","name":"x","categories":{"existing":["1"]}}`, 400, ""},
		{"type not a number", DefaultToken, `{"handle":"hh2","name":"x","type":"4"}`, 400, ""},
		{"not an object", DefaultToken, `[]`, 400, ""},
		{"unknown user", DefaultToken, `{"handle":"hh3","name":"x","users":[{"user_id":"00000000-0000-4000-8000-000000000000"}]}`, 400, ""},
		{"unknown category", DefaultToken, `{"handle":"hh4","name":"x","categories":{"existing":[1,999]}}`, 404, "5220"},
		{"duplicate handle", DefaultToken, `{"handle":"tech_community","name":"x"}`, 500, "5216"},
		{"duplicate handle, other case", DefaultToken, `{"handle":"TECH_community","name":"x"}`, 500, "5216"},
		{"non-brand token", UserOnlyToken, `{"handle":"hh5","name":"x"}`, 412, "5166"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.do(http.MethodPost, pathCommunity, tt.token, tt.body).want(t, tt.status, tt.code)
		})
	}
	if n := len(h.s.Snapshot().Communities); n != 3 {
		t.Errorf("%d communities, want 3 (seeded + 2 created): failures must not create", n)
	}

	r := h.post(pathCommunity, `{"handle":"full","name":"Full","dp":"1.png","categories":{"existing":[2],"new":["Brand New","technology"]},"users":[{"user_id":"`+userB12+`"},{"user_id":"`+userB12+`"}]}`)
	r.want(t, 200, "200")
	var d communityData
	r.data(t, &d)
	if !isUUID(d.CommunityID) || d.ShareURL == "" || !strings.HasSuffix(d.DP, "/1.png") || d.Banner != "" ||
		d.Leader.MemberID != BrandUserID || !d.Leader.IsBrandSystemUser || d.Leader.Brand.BrandID != 1 {
		t.Errorf("response data: %+v", d)
	}
	for _, c := range h.s.Snapshot().Communities {
		if c.Handle != "full" {
			continue
		}
		// "technology" matches the seeded category 1; "Brand New" is created.
		if len(c.Categories) != 3 || c.Categories[1] != 6 || c.Categories[2] != 1 {
			t.Errorf("categories = %v", c.Categories)
		}
		if len(c.Members) != 2 || c.Members[0].Role+c.Members[1].Role != 3 {
			t.Errorf("members = %+v, want the leader (role 1) and b12f (role 2)", c.Members)
		}
	}
}

func TestGroupCreateErrors(t *testing.T) {
	h := newHarness(t, Config{})
	video := `"recorded_video":{"video_name":"abcd1234-5678-90ef-1112-234567890111_video.mp4","video_path":"trends_videos/2024/5/6/creative","duration":"7","size":5}`
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"minimal", `{"type":4,"community_id":"` + techCommunity + `"}`, 200, "200"},
		{"video, string duration", `{"type":4,"community_id":"` + techCommunity + `",` + video + `}`, 200, "200"},
		{"missing type", `{"community_id":"` + techCommunity + `"}`, 400, ""},
		{"missing community_id", `{"type":4}`, 400, ""},
		{"type as string", `{"type":"4","community_id":"` + techCommunity + `"}`, 400, ""},
		{"members not a list", `{"type":4,"community_id":"` + techCommunity + `","group":{"members":{}}}`, 400, ""},
		{"unknown community", `{"type":4,"community_id":"00000000-0000-4000-8000-000000000000"}`, 400, ""},
		{"chat_id not a uuid", `{"type":4,"chat_id":"chat-1","community_id":"` + techCommunity + `"}`, 400, ""},
		{"unknown template", `{"type":4,"template_id":99,"community_id":"` + techCommunity + `"}`, 400, ""},
		{"unknown user", `{"type":4,"community_id":"` + techCommunity + `","group":{"members":[{"user_id":"00000000-0000-4000-8000-000000000000"}]}}`, 400, ""},
		{"bad phone", `{"type":4,"community_id":"` + techCommunity + `","group":{"members":[{"phone_number":"+91 98"}]}}`, 400, ""},
		{"empty member", `{"type":4,"community_id":"` + techCommunity + `","group":{"members":[{}]}}`, 400, ""},
		{"unknown video", `{"type":4,"community_id":"` + techCommunity + `","recorded_video":{"video_name":"nope.mp4"}}`, 500, "5026"},
		{"video at another path", `{"type":4,"community_id":"` + techCommunity + `","recorded_video":{"video_name":"abcd1234-5678-90ef-1112-234567890111_video.mp4","video_path":"elsewhere"}}`, 500, "5026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.post(pathGroup, tt.body).want(t, tt.status, tt.code)
		})
	}
	snap := h.s.Snapshot()
	if len(snap.Groups) != 2 {
		t.Errorf("%d groups, want 2: failures must not create", len(snap.Groups))
	}
	if len(snap.Users) != len(DefaultSeed().Users) {
		t.Errorf("a failed request created users")
	}
}

func TestGroupCreateMembers(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.post(pathGroup, `{"type":4,"community_id":"`+techCommunity+`","settings":{"discoverable":false},"group":{"name":"G","topics":[2,1,2],"members":[
		{"phone_number":"919812345678"}, {"phone_number":"919800099999","name":"New Person"},
		{"user_id":"`+userABCD+`"}, {"user_id":"`+userABCD+`"}, {"user_id":"`+BrandUserID+`"}]}}`)
	r.want(t, 200, "200")
	var d groupData
	r.data(t, &d)
	if !isUUID(d.ChatID) || !isUUID(d.Group.GroupID) || !strings.HasPrefix(d.ShareURL, "http://sandbox.local/l/") || d.Settings.Discoverable {
		t.Errorf("generated ids/urls/settings: %+v", d)
	}
	if d.Group.NoOfMembers != 4 || len(d.Group.Members) != 4 {
		t.Fatalf("members = %+v, want brand user + 3", d.Group.Members)
	}
	byPhone := map[string]memberView{}
	for _, m := range d.Group.Members {
		byPhone[m.Phone] = m
	}
	if m := byPhone["919812345678"]; m.MemberID != userB12 || m.IsAvatar || m.Role != 2 {
		t.Errorf("existing phone resolves to its user: %+v", m)
	}
	avatar := byPhone["919800099999"]
	if !isUUID(avatar.MemberID) || !avatar.IsAvatar || avatar.Role != 2 || avatar.Name == nil || *avatar.Name != "New Person" {
		t.Errorf("new phone becomes an avatar user: %+v", avatar)
	}
	if owner := d.Group.Members[0]; owner.MemberID != BrandUserID || owner.Role != 1 || owner.Status != 1 {
		t.Errorf("owner = %+v", owner)
	}
	// The same phone in another group is the same avatar user.
	chat := h.createGroup(`{"phone_number":"919800099999"}`)
	if g := h.group(chat); len(g.Members) != 2 || !slices.ContainsFunc(g.Members, func(m Member) bool { return m.MemberID == avatar.MemberID }) {
		t.Errorf("second group's members = %+v, want avatar %s", g.Members, avatar.MemberID)
	}
	if g := h.group(d.ChatID); len(g.Topics) != 2 || g.Topics[0] != 1 {
		t.Errorf("topics = %v, want the set [1 2]", g.Topics)
	}
}

func TestDuplicateChatID(t *testing.T) {
	const chat = "11111111-2222-4333-8444-555555555555"
	body := func(name string) string {
		return `{"type":4,"chat_id":"` + chat + `","community_id":"` + techCommunity + `","group":{"name":"` + name + `"}}`
	}
	t.Run("idempotent", func(t *testing.T) {
		h := newHarness(t, Config{})
		var first, again groupData
		h.post(pathGroup, body("first")).data(t, &first)
		r := h.post(pathGroup, body("second"))
		r.want(t, 200, "200")
		r.data(t, &again)
		if again.Group.GroupID != first.Group.GroupID || again.Group.GroupName != "first" || again.ShareURL != first.ShareURL {
			t.Errorf("re-send returned %+v, want the existing group unchanged", again.Group)
		}
		if n := len(h.s.Snapshot().Groups); n != 1 {
			t.Errorf("%d groups, want 1", n)
		}
	})
	t.Run("error", func(t *testing.T) {
		h := newHarness(t, Config{DuplicateChatID: DuplicateError})
		h.post(pathGroup, body("first")).want(t, 200, "200")
		h.post(pathGroup, body("second")).want(t, 400, "1099")
		if g := h.group(chat); g.Name != "first" {
			t.Errorf("group changed: %+v", g)
		}
	})
}

func TestParseDuplicateMode(t *testing.T) {
	for s, want := range map[string]DuplicateMode{"idempotent": DuplicateIdempotent, "error": DuplicateError} {
		if got, err := ParseDuplicateMode(s); err != nil || got != want || got.String() != s {
			t.Errorf("ParseDuplicateMode(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseDuplicateMode("ignore"); err == nil {
		t.Error("ParseDuplicateMode accepted ignore")
	}
}

func TestUpdateConversation(t *testing.T) {
	h := newHarness(t, Config{})
	chat := h.createGroup(`{"user_id":"` + userABCD + `"}`)
	h.patch(chat, `{"name":"g","tags":"a"}`).want(t, 200, "200")

	type flags struct{ name, desc, dp, topics, settings bool }
	tests := []struct {
		name, body       string
		added, removed   []string // member ids reported
		flags            flags
		wantMembersAfter int
	}{
		{"empty", `{}`, nil, nil, flags{}, 2},
		{"same values change nothing", `{"name":"g","settings":{"discoverable":true},"topics":[]}`, nil, nil, flags{}, 2},
		{"new values", `{"name":"n","description":"d","dp":"x.png","topics":[3],"settings":{"discoverable":false}}`, nil, nil, flags{true, true, true, true, true}, 2},
		{"topics as a set", `{"topics":[3,3]}`, nil, nil, flags{}, 2},
		{"add user", `{"members_added":[{"user_id":"` + userB12 + `"}]}`, []string{userB12}, nil, flags{}, 3},
		{"add existing member is a no-op", `{"members_added":[{"user_id":"` + userB12 + `"},{"phone_number":"919812345678"}]}`, nil, nil, flags{}, 3},
		{"remove non-member is a no-op", `{"members_removed":["` + "22222222-2222-4222-8222-222222222222" + `"],"subscribers_removed":["` + userB12 + `"]}`, nil, nil, flags{}, 3},
		{"remove member", `{"members_removed":["` + userB12 + `"]}`, nil, []string{userB12}, flags{}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.patch(chat, tt.body)
			r.want(t, 200, "200")
			var d updateData
			r.data(t, &d)
			ids := func(ms []memberView) []string {
				var out []string
				for _, m := range ms {
					out = append(out, m.MemberID)
				}
				return out
			}
			if strings.Join(ids(d.MembersAdded), ",") != strings.Join(tt.added, ",") ||
				strings.Join(ids(d.MembersRemoved), ",") != strings.Join(tt.removed, ",") {
				t.Errorf("added %v removed %v, want %v %v", ids(d.MembersAdded), ids(d.MembersRemoved), tt.added, tt.removed)
			}
			got := flags{d.NameUpdated, d.DescriptionUpdated, d.DPUpdated, d.TopicsUpdated, d.SettingsUpdated}
			if got != tt.flags {
				t.Errorf("flags %+v, want %+v", got, tt.flags)
			}
			if n := len(h.group(chat).Members); n != tt.wantMembersAfter {
				t.Errorf("%d members after, want %d", n, tt.wantMembersAfter)
			}
		})
	}

	t.Run("phone add reports phone and new member_id", func(t *testing.T) {
		r := h.patch(chat, `{"members_added":[{"phone_number":"9533333315"}]}`)
		var d updateData
		r.data(t, &d)
		if len(d.MembersAdded) != 1 || d.MembersAdded[0].Phone != "9533333315" || !isUUID(d.MembersAdded[0].MemberID) ||
			d.MembersAdded[0].Role != 2 || d.MembersAdded[0].Status != 2 || !d.MembersAdded[0].IsAvatar {
			t.Errorf("members_added = %+v", d.MembersAdded)
		}
	})

	errs := []struct {
		name, chat, body string
		status           int
		code             string
	}{
		{"unknown chat", "00000000-0000-4000-8000-000000000000", `{}`, 500, "5158"},
		{"wrong type", chat, `{"name":1}`, 400, "1099"},
		{"members_removed of objects", chat, `{"members_removed":[{"user_id":"x"}]}`, 400, "1099"},
		{"not json", chat, `name=x`, 400, "1099"},
		{"unknown user", chat, `{"members_added":[{"user_id":"00000000-0000-4000-8000-000000000000"}],"name":"changed"}`, 400, "1099"},
		{"bad phone, nothing applied", chat, `{"members_added":[{"phone_number":"919800011111"},{"phone_number":"abc"}]}`, 400, "1099"},
		{"empty name", chat, `{"name":" "}`, 400, "1099"},
		{"remove the owner", chat, `{"members_removed":["` + BrandUserID + `"]}`, 400, "1099"},
	}
	before := h.s.Snapshot()
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			h.patch(tt.chat, tt.body).want(t, tt.status, tt.code)
		})
	}
	after := h.s.Snapshot()
	if len(after.Users) != len(before.Users) || h.group(chat).Name != "n" {
		t.Error("a failed update changed state")
	}
}
