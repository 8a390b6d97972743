package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// updateRequest is the body of PATCH
// /api/thirdparty/update_conversation/{chat_id}, written from
// shared/api/update-conversation.guide.txt. Absent fields change nothing.
type updateRequest struct {
	MembersAdded       []memberRef      `json:"members_added"`
	MembersRemoved     []string         `json:"members_removed"`
	SubscribersRemoved []string         `json:"subscribers_removed"`
	Name               *string          `json:"name"`
	Description        *string          `json:"description"`
	Tags               *string          `json:"tags"`
	DP                 *string          `json:"dp"`
	Topics             *[]int           `json:"topics"`
	Settings           *settingsRequest `json:"settings"`
}

// updateData is the data of an update_conversation 200. Lists name only
// what really changed; flags are true only when a value changed.
type updateData struct {
	MembersAdded       []memberView `json:"members_added"`
	MembersRemoved     []memberView `json:"members_removed"`
	SubscribersAdded   []memberView `json:"subscribers_added"`
	SubscribersRemoved []memberView `json:"subscribers_removed"`
	RequesterRemoved   []memberView `json:"requester_removed"`
	NameUpdated        bool         `json:"name_updated"`
	DescriptionUpdated bool         `json:"description_updated"`
	DPUpdated          bool         `json:"dp_updated"`
	TopicsUpdated      bool         `json:"topics_updated"`
	SettingsUpdated    bool         `json:"settings_updated"`
}

func (s *Server) updateConversation(req *apiRequest) reply {
	var in updateRequest
	if err := decodeBody(req.body, &in); err != nil {
		return bad1099("%v", err)
	}
	st := s.st
	g := st.groupByID[req.chatID]
	if g == nil {
		return fail(http.StatusInternalServerError, "5158", "Could not update the conversation.",
			fmt.Sprintf("chat_id %q does not exist", req.chatID))
	}
	if reason := st.checkRefs("members_added", in.MembersAdded); reason != "" {
		return bad1099("%s", reason)
	}
	refs := in.MembersAdded
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return bad1099("name must not be empty")
	}
	for _, id := range in.MembersRemoved {
		if g.memberRole(id) == roleOwner {
			return bad1099("members_removed: %q is the group's owner", id)
		}
	}

	// Removals first, then additions: an id both removed and added (as in
	// the docs' own example) ends up a member.

	out := updateData{
		MembersAdded: []memberView{}, MembersRemoved: []memberView{},
		SubscribersAdded: []memberView{}, SubscribersRemoved: []memberView{}, RequesterRemoved: []memberView{},
	}
	changed := false
	for _, id := range in.MembersRemoved {
		if m, found := take(&g.Members, id); found {
			out.MembersRemoved = append(out.MembersRemoved, s.memberView(m))
			changed = true
		}
	}
	for _, id := range in.SubscribersRemoved {
		if m, found := take(&g.Subscribers, id); found {
			out.SubscribersRemoved = append(out.SubscribersRemoved, s.memberView(m))
			changed = true
		}
	}
	for _, u := range st.resolve(refs) {
		if !g.hasMember(u.UserID) {
			m := st.member(u, roleMember)
			g.Members = append(g.Members, m)
			out.MembersAdded = append(out.MembersAdded, s.memberView(m))
			changed = true
		}
	}
	set := func(dst *string, v *string) bool {
		if v == nil || *dst == *v {
			return false
		}
		*dst = *v
		return true
	}
	out.NameUpdated = set(&g.Name, in.Name)
	out.DescriptionUpdated = set(&g.Description, in.Description)
	out.DPUpdated = set(&g.DP, in.DP)
	tagsUpdated := set(&g.Tags, in.Tags)
	if in.Topics != nil {
		if t := normTopics(*in.Topics); !slices.Equal(t, g.Topics) {
			g.Topics, out.TopicsUpdated = t, true
		}
	}
	if in.Settings != nil && in.Settings.Discoverable != nil && *in.Settings.Discoverable != g.Settings.Discoverable {
		g.Settings.Discoverable, out.SettingsUpdated = *in.Settings.Discoverable, true
	}
	changed = changed || tagsUpdated || out.NameUpdated || out.DescriptionUpdated ||
		out.DPUpdated || out.TopicsUpdated || out.SettingsUpdated
	if changed {
		g.UpdatedAt = s.now().UTC()
		g.enc = nil
	}
	rep := ok("Conversation updated successfully.", out)
	rep.changed = changed
	return rep
}

func (g *Group) memberRole(id string) int {
	for _, m := range g.Members {
		if m.MemberID == id {
			return m.Role
		}
	}
	return 0
}

// take removes the member with id from list, reporting whether it was there.
func take(list *[]Member, id string) (Member, bool) {
	i := slices.IndexFunc(*list, func(m Member) bool { return m.MemberID == id })
	if i < 0 {
		return Member{}, false
	}
	m := (*list)[i]
	*list = slices.Delete(*list, i, i+1)
	return m, true
}
