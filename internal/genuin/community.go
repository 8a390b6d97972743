package genuin

import (
	"context"
	"encoding/json"
	"net/http"
)

// CreateCommunityRequest is the body of POST /api/thirdparty/community/create.
//
// handle and name are always sent. The docs also call type and actions
// mandatory but never define them and their own example omits them, so they
// are sent only when set. The is_ai_generated* flags are always sent (false
// is a meaningful value and the docs' example sends it).
type CreateCommunityRequest struct {
	Handle              string      `json:"handle"`
	Name                string      `json:"name"`
	Description         string      `json:"description,omitempty"`
	Tags                string      `json:"tags,omitempty"` // comma-separated
	DP                  string      `json:"dp,omitempty"`   // a file name, e.g. "1.png"
	Categories          *Categories `json:"categories,omitempty"`
	IsAIGenerated       bool        `json:"is_ai_generated"`
	IsAIGeneratedDP     bool        `json:"is_ai_generated_dp"`
	IsAIGeneratedBanner bool        `json:"is_ai_generated_banner"`
	Banner              string      `json:"banner,omitempty"` // a file name
	Users               []UserRef   `json:"users,omitempty"`
	Type                *int        `json:"type,omitempty"` // undocumented values
	Actions             []Action    `json:"actions,omitempty"`
}

// Categories picks existing category ids and names new categories. A nil
// slice is sent as [], never null.
type Categories struct {
	Existing []int    `json:"existing"`
	New      []string `json:"new"`
}

// MarshalJSON sends nil slices as [].
func (c Categories) MarshalJSON() ([]byte, error) {
	type plain Categories
	p := plain(c)
	if p.Existing == nil {
		p.Existing = []int{}
	}
	if p.New == nil {
		p.New = []string{}
	}
	return json.Marshal(p)
}

// UserRef names an existing user.
type UserRef struct {
	UserID string `json:"user_id"`
}

// Action is an access rule: what (action_id) is allowed to whom (access_type_id).
// The docs give no table of values.
type Action struct {
	ActionID     int `json:"action_id"`
	AccessTypeID int `json:"access_type_id"`
}

// CreateCommunityResponse is the data of a successful community create.
// DP and Banner are full URLs here.
type CreateCommunityResponse struct {
	CommunityID   string `json:"community_id"`
	ShareURL      string `json:"share_url"`
	DP            string `json:"dp"`
	Banner        string `json:"banner"`
	ColorCode     string `json:"color_code"`
	TextColorCode string `json:"text_color_code"`
	Leader        Member `json:"leader"`
}

// Member is a user as the API returns it (a community's leader, a group's
// members, members added by update_conversation).
type Member struct {
	MemberID          string  `json:"member_id"`
	Name              *string `json:"name"` // null in the docs' group examples
	Username          string  `json:"username"`
	Nickname          string  `json:"nickname"`
	Bio               string  `json:"bio"`
	Phone             string  `json:"phone"`
	IsBrandSystemUser bool    `json:"is_brand_system_user"`
	IsAvatar          bool    `json:"is_avatar"`
	Status            int     `json:"status"` // 1 in create responses, 2 for members added later
	Role              int     `json:"role"`   // 1 in create responses, 2 for members added later
}

// CreateCommunity creates a community. It has no idempotency key, so it is
// repeated only after 429, 503 or a failure to connect: after a network error
// once the request was sent, a 502 or a 504 it returns an *APIError with
// KindTransient and OutcomeUnknown set, and the community may exist.
// A taken handle is KindConflict (code 5216, HTTP 500).
func (c *Client) CreateCommunity(ctx context.Context, req *CreateCommunityRequest) (*CreateCommunityResponse, error) {
	const op = "community/create"
	if req == nil {
		return nil, &APIError{Op: op, Kind: KindInvalid, Message: "nil request"}
	}
	var out CreateCommunityResponse
	if err := c.call(ctx, op, retryUnprocessed, http.MethodPost, pathCommunityCreate, req, &out); err != nil {
		return nil, err
	}
	if out.CommunityID == "" {
		return nil, c.unreadable(op, "the success response has no community_id")
	}
	return &out, nil
}
