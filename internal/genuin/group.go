package genuin

import (
	"context"
	"net/http"
)

// CreateGroupRequest is the body of POST /api/thirdparty/group/create.
//
// type, community_id, group and is_ai_generated are always sent; the other
// fields only when set. ChatID is optional in the docs but should be set:
// it is what makes a repeated create safe to retry.
type CreateGroupRequest struct {
	Type          int            `json:"type"` // 4 in every example (a "loop")
	ChatID        string         `json:"chat_id,omitempty"`
	RecordedVideo *RecordedVideo `json:"recorded_video,omitempty"`
	CommunityID   string         `json:"community_id"`
	Actions       []Action       `json:"actions,omitempty"`
	Group         GroupSpec      `json:"group"`
	Settings      *Settings      `json:"settings,omitempty"`
	TemplateID    *int           `json:"template_id,omitempty"`
	IsAIGenerated bool           `json:"is_ai_generated"`
}

// RecordedVideo is the group's first video, already in Genuin's storage.
// Every field but MetaData is always sent, as in the docs' example (which
// sends "link": "").
type RecordedVideo struct {
	MessageID              string         `json:"message_id"`
	VideoName              string         `json:"video_name"`
	ThumbnailName          string         `json:"thumbnail_name"`
	VideoPath              string         `json:"video_path"`
	ThumbnailPath          string         `json:"thumbnail_path"`
	IsAIGeneratedVideo     bool           `json:"is_ai_generated_video"`
	IsAIGeneratedThumbnail bool           `json:"is_ai_generated_thumbnail"`
	Link                   string         `json:"link"`
	Size                   string         `json:"size"`     // e.g. "5MB"
	Duration               int            `json:"duration"` // seconds
	AspectRatio            string         `json:"aspect_ratio"`
	Resolution             string         `json:"resolution"`
	DescriptionText        string         `json:"description_text"`
	DescriptionData        string         `json:"description_data"` // a JSON-encoded mention array, as a string
	MetaData               *VideoMetaData `json:"meta_data,omitempty"`
}

// VideoMetaData is the video's meta_data.
type VideoMetaData struct {
	Topic string `json:"topic"`
}

// GroupSpec is the "group" object of a group create.
type GroupSpec struct {
	Name        string      `json:"name,omitempty"`
	Description string      `json:"description,omitempty"`
	Tags        string      `json:"tags,omitempty"` // comma-separated
	DP          string      `json:"dp,omitempty"`   // a file name
	Topics      []int       `json:"topics,omitempty"`
	Members     []MemberRef `json:"members,omitempty"`
}

// MemberRef names a member by user id or by phone number (digits with
// country code, no "+"); set exactly one.
type MemberRef struct {
	UserID      string `json:"user_id,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// Settings are a group's settings.
type Settings struct {
	Discoverable *bool `json:"discoverable,omitempty"`
}

// CreateGroupResponse is the data of a successful group create. Fields the
// docs show but a provisioning tool has no use for (latest_messages, colours,
// image sizes) are not decoded.
type CreateGroupResponse struct {
	ChatID        string        `json:"chat_id"`
	Type          int           `json:"type"`
	Settings      Settings      `json:"settings"`
	ShareURL      string        `json:"share_url"`
	IsWelcomeLoop bool          `json:"is_welcome_loop"`
	Group         GroupInfo     `json:"group"`
	Community     CommunityInfo `json:"community"`
}

// GroupInfo is the "group" object of a group create response.
type GroupInfo struct {
	GroupID          string   `json:"group_id"`
	GroupName        string   `json:"group_name"`
	GroupDescription string   `json:"group_description"`
	NoOfMembers      int      `json:"no_of_members"`
	Members          []Member `json:"members"`
}

// CommunityInfo is the "community" object of a group create response.
type CommunityInfo struct {
	CommunityID string `json:"community_id"`
	Handle      string `json:"handle"`
	Name        string `json:"name"`
}

// CreateGroup creates a group (a "loop") in a community. It is retried on
// 429, 502/503/504 and network errors, re-sending the same chat_id; what the
// API answers to a chat_id it already holds is undocumented, so a retried
// create may fail although the first attempt succeeded: the caller decides.
// A missing video is KindServer (code 5026, HTTP 500), never retried.
func (c *Client) CreateGroup(ctx context.Context, req *CreateGroupRequest) (*CreateGroupResponse, error) {
	const op = "group/create"
	if req == nil {
		return nil, &APIError{Op: op, Kind: KindInvalid, Message: "nil request"}
	}
	var out CreateGroupResponse
	if err := c.call(ctx, op, retryIdempotent, http.MethodPost, pathGroupCreate, req, &out); err != nil {
		return nil, err
	}
	if out.ChatID == "" {
		return nil, c.unreadable(op, "the success response has no chat_id")
	}
	return &out, nil
}
