package genuin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"
)

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%v in %s", err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return reflect.DeepEqual(va, vb)
}

// TestRequestBodiesMatchDocs builds each docs' example request with the
// client's types and checks that what goes on the wire is the docs' JSON.
func TestRequestBodiesMatchDocs(t *testing.T) {
	files := map[string]string{
		"community/create":    "community-create.request.json",
		"group/create":        "group-create.request.json",
		"update_conversation": "update-conversation.request.json",
	}
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			var got []byte
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				got, _ = io.ReadAll(r.Body)
				reply(w, 200, successBody(t, op))
			}, Options{})
			if err := callOp(context.Background(), c, op); err != nil {
				t.Fatal(err)
			}
			if want := readTestdata(t, files[op]); !jsonEqual(t, got, want) {
				t.Errorf("sent\n%s\nwant (docs)\n%s", got, want)
			}
		})
	}
}

func TestRequestHeadersAndPaths(t *testing.T) {
	paths := map[string]string{
		"community/create":    "POST /api/thirdparty/community/create",
		"group/create":        "POST /api/thirdparty/group/create",
		"update_conversation": "PATCH /api/thirdparty/update_conversation/456e7890-b12c-4c23-89ef-126314214567",
	}
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if got := r.Method + " " + r.URL.Path; got != paths[op] {
					t.Errorf("request %s, want %s", got, paths[op])
				}
				for h, want := range map[string]string{
					"Authorization": "Bearer " + testToken,
					"Content-Type":  "application/json",
					"Accept":        "application/json",
					"User-Agent":    "genuinctl-test",
				} {
					if got := r.Header.Get(h); got != want {
						t.Errorf("%s: %q, want %q", h, got, want)
					}
				}
				reply(w, 200, successBody(t, op))
			}, Options{UserAgent: "genuinctl-test"})
			if err := callOp(context.Background(), c, op); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestUpdateChatIDIsEscaped(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/api/thirdparty/update_conversation/a%2Fb" {
			t.Errorf("path %s", r.URL.EscapedPath())
		}
		reply(w, 200, readTestdata(t, "update-conversation.200.json"))
	}, Options{})
	if _, err := c.UpdateConversation(context.Background(), "a/b", &UpdateConversationRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateConversationOmitsUnsetFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  UpdateConversationRequest
		want string
	}{
		{"empty", UpdateConversationRequest{}, `{}`},
		{"empty slices omitted", UpdateConversationRequest{MembersAdded: []MemberRef{}, MembersRemoved: []string{}}, `{}`},
		{"topics cleared", UpdateConversationRequest{Topics: &[]int{}}, `{"topics":[]}`},
		{"topics nil slice", UpdateConversationRequest{Topics: new([]int)}, `{"topics":[]}`},
		{"name emptied", UpdateConversationRequest{Name: ptr("")}, `{"name":""}`},
		{"discoverable", UpdateConversationRequest{Settings: &Settings{Discoverable: ptr(true)}}, `{"settings":{"discoverable":true}}`},
		{"phone member", UpdateConversationRequest{MembersAdded: []MemberRef{{PhoneNumber: "919876543210"}}}, `{"members_added":[{"phone_number":"919876543210"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(&tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestMinimalCreateRequests(t *testing.T) {
	got, err := json.Marshal(&CreateCommunityRequest{Handle: "h", Name: "n", Categories: &Categories{}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"handle":"h","name":"n","categories":{"existing":[],"new":[]},"is_ai_generated":false,"is_ai_generated_dp":false,"is_ai_generated_banner":false}`
	if string(got) != want {
		t.Errorf("community:\n got %s\nwant %s", got, want)
	}
	got, err = json.Marshal(&CreateCommunityRequest{Handle: "h", Name: "n", Type: ptr(1), Actions: []Action{{1, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte(`"type":1,"actions":[{"action_id":1,"access_type_id":2}]`)) {
		t.Errorf("community with type and actions: %s", got)
	}
	got, err = json.Marshal(&CreateGroupRequest{Type: 4, CommunityID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":4,"community_id":"c","group":{},"is_ai_generated":false}`; string(got) != want {
		t.Errorf("group:\n got %s\nwant %s", got, want)
	}
}

func TestDecodeCommunityCreate(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, readTestdata(t, "community-create.200.json"))
	}, Options{})
	got, err := c.CreateCommunity(context.Background(), docCommunityRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := &CreateCommunityResponse{
		CommunityID:   "0a2be302-04af-4642-a436-1612554e48a6",
		ShareURL:      "https://community.dhruvpatel.com/community/dqwd-w5oa",
		DP:            "https://media.qa.begenuin.com/uploads/profile_images/community/eeqfwee12.png",
		Banner:        "https://media.qa.begenuin.com/uploads/community/banner/dqwdq.png",
		ColorCode:     "#A4E6DA",
		TextColorCode: "#49CDB5",
		Leader: Member{
			MemberID:          "0bf977ed-4887-4056-a8f4-1f0de71101f1",
			Name:              ptr("hoo hwwoo"),
			Bio:               "jai hwwooo",
			Nickname:          "wdqwdqwdq",
			Phone:             "91333333333333",
			IsBrandSystemUser: true,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestDecodeGroupCreate(t *testing.T) {
	for _, tc := range []struct {
		file string
		want CreateGroupResponse
	}{
		{"group-create.200.reference.json", CreateGroupResponse{
			ChatID:   "456e7890-b12c-4c23-89ef-126314214567",
			Type:     4,
			Settings: Settings{Discoverable: ptr(true)},
			Group: GroupInfo{
				GroupID:          "f67c89d0-9abc-4abc-bdef-56789abcf456",
				GroupName:        "Tech Conversations",
				GroupDescription: "A platform for discussing the latest in technology and innovation.",
				NoOfMembers:      1,
				Members: []Member{{
					MemberID: "abcd1234-5678-90ef-1112-234567890111",
					Username: "tech_leader",
					IsAvatar: true,
					Status:   1,
					Role:     1,
				}},
			},
			Community: CommunityInfo{CommunityID: "f2a05adb-93ce-4a19-b003-3523fa745667", Handle: "tech_community", Name: "Tech World"},
		}},
		// The new guide's 200 has no envelope: the body starts at chat_id.
		{"group-create.200.guide.json", CreateGroupResponse{
			ChatID:    "456e7890-b12c-4c23-89ef-126314214567",
			ShareURL:  "https://app.qa.begenuin.com/group/...",
			Group:     GroupInfo{GroupID: "f67c89d0-9abc-4abc-bdef-56789abcf456", GroupName: "Tech Conversations"},
			Community: CommunityInfo{CommunityID: "f2a05adb-93ce-4a19-b003-3523fa745667", Name: "Tech World"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				reply(w, 200, readTestdata(t, tc.file))
			}, Options{})
			got, err := c.CreateGroup(context.Background(), docGroupRequest())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestDecodeUpdateConversation(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, readTestdata(t, "update-conversation.200.json"))
	}, Options{})
	got, err := c.UpdateConversation(context.Background(), "456e7890-b12c-4c23-89ef-126314214567", docUpdateRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := &UpdateConversationResponse{
		MembersAdded: []Member{{
			MemberID: "9a42d4ed-3720-49cb-8697-57d7e8269b9d",
			Phone:    "9533333315",
			IsAvatar: true,
			Status:   2,
			Role:     2,
		}},
		MembersRemoved:     []json.RawMessage{},
		SubscribersAdded:   []json.RawMessage{},
		SubscribersRemoved: []json.RawMessage{},
		RequesterRemoved:   []json.RawMessage{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// TestSuccessCodeEitherType: the docs send code 200 as a number; a string
// "200" is accepted too.
func TestSuccessCodeEitherType(t *testing.T) {
	for _, body := range []string{
		`{"code":200,"message":"ok","data":{"community_id":"c1"}}`,
		`{"code":"200","message":"ok","data":{"community_id":"c1"}}`,
		`{"data":{"community_id":"c1"}}`,
	} {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 200, []byte(body))
		}, Options{})
		got, err := c.CreateCommunity(context.Background(), docCommunityRequest())
		if err != nil || got.CommunityID != "c1" {
			t.Errorf("%s: %+v, %v", body, got, err)
		}
	}
}
