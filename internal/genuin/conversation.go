package genuin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// UpdateConversationRequest is the body of PATCH
// /api/thirdparty/update_conversation/{chat_id}. Every field is optional
// and omitted when nil or empty, except Topics: a non-nil pointer (even to
// an empty or nil slice) sends "topics", so topics can be cleared with [].
type UpdateConversationRequest struct {
	MembersAdded       []MemberRef `json:"members_added,omitempty"`
	MembersRemoved     []string    `json:"members_removed,omitempty"`     // member ids
	SubscribersRemoved []string    `json:"subscribers_removed,omitempty"` // member ids
	Name               *string     `json:"name,omitempty"`
	Description        *string     `json:"description,omitempty"`
	Tags               *string     `json:"tags,omitempty"` // comma-separated
	DP                 *string     `json:"dp,omitempty"`   // a file name
	Topics             *[]int      `json:"topics,omitempty"`
	Settings           *Settings   `json:"settings,omitempty"`
}

// MarshalJSON sends a non-nil Topics pointing at a nil slice as [], not null.
func (r UpdateConversationRequest) MarshalJSON() ([]byte, error) {
	type plain UpdateConversationRequest
	p := plain(r)
	if p.Topics != nil && *p.Topics == nil {
		p.Topics = &[]int{}
	}
	return json.Marshal(p)
}

// UpdateConversationResponse is the data of a successful update. The docs
// show only empty arrays for the lists other than MembersAdded, so their
// elements are kept raw.
type UpdateConversationResponse struct {
	MembersAdded       []Member          `json:"members_added"`
	MembersRemoved     []json.RawMessage `json:"members_removed"`
	SubscribersAdded   []json.RawMessage `json:"subscribers_added"`
	SubscribersRemoved []json.RawMessage `json:"subscribers_removed"`
	RequesterRemoved   []json.RawMessage `json:"requester_removed"`
	NameUpdated        bool              `json:"name_updated"`
	DescriptionUpdated bool              `json:"description_updated"`
	DPUpdated          bool              `json:"dp_updated"`
	TopicsUpdated      bool              `json:"topics_updated"`
	SettingsUpdated    bool              `json:"settings_updated"`
}

// UpdateConversation changes a group's members, metadata or settings. It is
// treated as idempotent and retried on 429, 502/503/504 and network errors.
// A failed update is KindServer (code 5158, HTTP 500), never retried.
func (c *Client) UpdateConversation(ctx context.Context, chatID string, req *UpdateConversationRequest) (*UpdateConversationResponse, error) {
	const op = "update_conversation"
	if req == nil {
		return nil, &APIError{Op: op, Kind: KindInvalid, Message: "nil request"}
	}
	if chatID == "" {
		return nil, &APIError{Op: op, Kind: KindInvalid, Message: "empty chat_id"}
	}
	var out UpdateConversationResponse
	path := pathUpdateConversation + url.PathEscape(chatID)
	if err := c.call(ctx, op, retryIdempotent, http.MethodPatch, path, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
