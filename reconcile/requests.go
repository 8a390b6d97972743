package reconcile

import (
	"fmt"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// communityRequest builds the community create request from the values a
// change sets, as the field table puts them on the wire.
func communityRequest(handle string, values lockfile.Fields) (*genuin.CreateCommunityRequest, error) {
	req := &genuin.CreateCommunityRequest{Handle: handle}
	if err := communityFields.fill(req, values); err != nil {
		return nil, err
	}
	return req, nil
}

// groupRequest builds the group create request from the values a change
// sets, with the given first members.
func groupRequest(values lockfile.Fields, chatID, communityID string, members []Member) (*genuin.CreateGroupRequest, error) {
	req := &genuin.CreateGroupRequest{ChatID: chatID, CommunityID: communityID}
	if err := groupFields.fill(req, values); err != nil {
		return nil, err
	}
	req.Group.Members = memberRefs(members)
	return req, nil
}

// updateRequest builds the update_conversation request of one batch. A
// field the spec no longer sets is cleared: an empty description or tags,
// no topics.
func updateRequest(b updateBatch) (*genuin.UpdateConversationRequest, error) {
	req := &genuin.UpdateConversationRequest{MembersAdded: memberRefs(b.adds)}
	for _, m := range b.removes {
		req.MembersRemoved = append(req.MembersRemoved, m.MemberID)
	}
	// subscribers_removed takes member ids: a user's is their user id.
	for _, m := range b.subscribers {
		req.SubscribersRemoved = append(req.SubscribersRemoved, m.UserID)
	}
	for _, fc := range b.fields {
		if err := setField(req, fc); err != nil {
			return nil, fmt.Errorf("plan field %s: %w", fc.Name, err)
		}
	}
	return req, nil
}

// setField puts one changed group field into an update_conversation
// request, as the field table says.
func setField(req *genuin.UpdateConversationRequest, fc FieldChange) error {
	f := groupFields.field(fc.Name)
	if f == nil || f.update == nil {
		return fmt.Errorf("update_conversation cannot change %q", fc.Name)
	}
	return f.update(req, fc.After)
}

func memberRefs(ms []Member) []genuin.MemberRef {
	var refs []genuin.MemberRef
	for _, m := range ms {
		refs = append(refs, genuin.MemberRef{UserID: m.UserID, PhoneNumber: m.Phone})
	}
	return refs
}
