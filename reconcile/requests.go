package reconcile

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/genuin/genuinctl/internal/genuin"
)

// request builds the community create request.
func (f communityFields) request(handle string) *genuin.CreateCommunityRequest {
	req := &genuin.CreateCommunityRequest{
		Handle: handle, Name: f.Name, Description: f.Description, Tags: strings.Join(f.Tags, ","),
		DP: f.DP, Banner: f.Banner, Categories: f.Categories,
		IsAIGenerated: f.IsAIGenerated, IsAIGeneratedDP: f.IsAIGeneratedDP, IsAIGeneratedBanner: f.IsAIGeneratedBanner,
		Type: f.Type, Actions: f.Actions,
	}
	for _, u := range f.Users {
		req.Users = append(req.Users, genuin.UserRef{UserID: u})
	}
	return req
}

// request builds the group create request with the given first members.
func (f groupFields) request(chatID, communityID string, members []Member) *genuin.CreateGroupRequest {
	req := &genuin.CreateGroupRequest{
		Type: f.Type, ChatID: chatID, RecordedVideo: f.Video, CommunityID: communityID, Actions: f.Actions,
		Group: genuin.GroupSpec{
			Name: f.Name, Description: f.Description, Tags: strings.Join(f.Tags, ","), DP: f.DP,
			Topics: f.Topics, Members: memberRefs(members),
		},
		TemplateID: f.TemplateID, IsAIGenerated: f.IsAIGenerated,
	}
	if f.Discoverable != nil {
		req.Settings = &genuin.Settings{Discoverable: f.Discoverable}
	}
	return req
}

// updateRequest builds the update_conversation request of one batch. A
// field the spec no longer sets is cleared: an empty description or tags,
// no topics.
func updateRequest(b updateBatch) (*genuin.UpdateConversationRequest, error) {
	req := &genuin.UpdateConversationRequest{MembersAdded: memberRefs(b.adds)}
	for _, m := range b.removes {
		req.MembersRemoved = append(req.MembersRemoved, m.MemberID)
	}
	for _, fc := range b.fields {
		if err := setField(req, fc); err != nil {
			return nil, fmt.Errorf("plan field %s: %w", fc.Name, err)
		}
	}
	return req, nil
}

func setField(req *genuin.UpdateConversationRequest, fc FieldChange) error {
	value := fc.After
	if value == nil {
		value = json.RawMessage("null")
	}
	switch fc.Name {
	case "name":
		return json.Unmarshal(value, &req.Name)
	case "description":
		s := ""
		req.Description = &s
		return json.Unmarshal(value, req.Description)
	case "dp":
		return json.Unmarshal(value, &req.DP)
	case "tags":
		var tags []string
		if err := json.Unmarshal(value, &tags); err != nil {
			return err
		}
		joined := strings.Join(tags, ",")
		req.Tags = &joined
	case "topics":
		topics := []int{}
		if err := json.Unmarshal(value, &topics); err != nil {
			return err
		}
		if topics == nil {
			topics = []int{}
		}
		req.Topics = &topics
	case "settings.discoverable":
		var d *bool
		if err := json.Unmarshal(value, &d); err != nil {
			return err
		}
		req.Settings = &genuin.Settings{Discoverable: d}
	default:
		return fmt.Errorf("update_conversation cannot change %q", fc.Name)
	}
	return nil
}

func memberRefs(ms []Member) []genuin.MemberRef {
	var refs []genuin.MemberRef
	for _, m := range ms {
		refs = append(refs, genuin.MemberRef{UserID: m.UserID, PhoneNumber: m.Phone})
	}
	return refs
}
