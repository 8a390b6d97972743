package sandbox

import (
	"encoding/json"
	"time"
)

// User is a platform user: a seeded person, the brand system user behind a
// token, or an avatar user created for a phone number. A user's id is also
// their member_id in every community and group.
type User struct {
	UserID            string `json:"user_id"`
	Phone             string `json:"phone,omitempty"`
	Name              string `json:"name,omitempty"`
	Username          string `json:"username,omitempty"`
	Nickname          string `json:"nickname,omitempty"`
	Bio               string `json:"bio,omitempty"`
	IsAvatar          bool   `json:"is_avatar"`
	IsBrandSystemUser bool   `json:"is_brand_system_user"`
	ProfileImage      string `json:"profile_image,omitempty"`

	enc []byte // cached persisted encoding; users never change once created
}

// Brand is the brand every token acts for, echoed in a community leader.
type Brand struct {
	BrandID   int    `json:"brand_id"`
	BrandSlug string `json:"brand_slug"`
}

// Category is a community category; categories.existing names them by ID.
type Category struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Video is a file already in Genuin's storage that a group's recorded_video
// may name. There is no upload endpoint, so videos come only from the seed.
type Video struct {
	VideoName string `json:"video_name"`
	VideoPath string `json:"video_path"`
}

// Template is a group template a group create's template_id may name.
type Template struct {
	ID   int    `json:"id"`
	Name string `json:"name,omitempty"`
}

// APIKey is a credential pair that POST /api/thirdparty/auth exchanges for Token.
type APIKey struct {
	Key    string `json:"api_key"`
	Secret string `json:"api_secret"`
	Token  string `json:"token"`
}

// Token is an accepted bearer token and the user (normally the brand system
// user) it acts as.
type Token struct {
	Token  string `json:"token"`
	UserID string `json:"user_id"`
}

// Action is one access-control entry of a group (or a community, whose
// create lists actions as mandatory without defining them).
type Action struct {
	ActionID     int `json:"action_id"`
	AccessTypeID int `json:"access_type_id"`
}

// Settings are a group's settings.
type Settings struct {
	Discoverable bool `json:"discoverable"`
}

// Member is a user's membership of a community or group. MemberID always
// equals UserID. Role 1 is the owner (the token's brand system user), role 2
// an added member; status 1 is active, status 2 added (invited).
type Member struct {
	MemberID string `json:"member_id"`
	UserID   string `json:"user_id"`
	Phone    string `json:"phone,omitempty"`
	Role     int    `json:"role"`
	Status   int    `json:"status"`
}

// Community is a community as the platform holds it.
type Community struct {
	CommunityID         string    `json:"community_id"`
	Handle              string    `json:"handle"`
	Name                string    `json:"name"`
	Description         string    `json:"description,omitempty"`
	Tags                string    `json:"tags,omitempty"`
	DP                  string    `json:"dp,omitempty"`
	Banner              string    `json:"banner,omitempty"`
	Type                *int      `json:"type,omitempty"`
	Actions             []Action  `json:"actions,omitempty"`
	Categories          []int     `json:"categories"`
	IsAIGenerated       bool      `json:"is_ai_generated"`
	IsAIGeneratedDP     bool      `json:"is_ai_generated_dp"`
	IsAIGeneratedBanner bool      `json:"is_ai_generated_banner"`
	ShareURL            string    `json:"share_url"`
	ColorCode           string    `json:"color_code"`
	TextColorCode       string    `json:"text_color_code"`
	LeaderID            string    `json:"leader_id"`
	Members             []Member  `json:"members"`
	CreatedAt           time.Time `json:"created_at"`

	enc []byte // cached persisted encoding; communities never change
}

// GroupVideo is the recorded_video a group was created with.
type GroupVideo struct {
	MessageID              string          `json:"message_id"`
	VideoName              string          `json:"video_name"`
	VideoPath              string          `json:"video_path,omitempty"`
	ThumbnailName          string          `json:"thumbnail_name,omitempty"`
	ThumbnailPath          string          `json:"thumbnail_path,omitempty"`
	IsAIGeneratedVideo     bool            `json:"is_ai_generated_video"`
	IsAIGeneratedThumbnail bool            `json:"is_ai_generated_thumbnail"`
	Link                   string          `json:"link,omitempty"`
	Size                   string          `json:"size,omitempty"`
	Duration               string          `json:"duration,omitempty"`
	AspectRatio            string          `json:"aspect_ratio,omitempty"`
	Resolution             string          `json:"resolution,omitempty"`
	DescriptionText        string          `json:"description_text,omitempty"`
	DescriptionData        string          `json:"description_data,omitempty"`
	MetaData               json.RawMessage `json:"meta_data,omitempty"`
}

// Group is a group (loop) as the platform holds it. ChatID is the id used in
// paths; GroupID is the second id the create response reports.
type Group struct {
	ChatID        string      `json:"chat_id"`
	GroupID       string      `json:"group_id"`
	CommunityID   string      `json:"community_id"`
	Type          int         `json:"type"`
	TemplateID    *int        `json:"template_id"`
	Name          string      `json:"name"`
	Description   string      `json:"description"`
	Tags          string      `json:"tags"`
	DP            string      `json:"dp"`
	Topics        []int       `json:"topics"`
	Actions       []Action    `json:"actions"`
	Settings      Settings    `json:"settings"`
	IsAIGenerated bool        `json:"is_ai_generated"`
	Video         *GroupVideo `json:"video"`
	ShareURL      string      `json:"share_url"`
	ColorCode     string      `json:"color_code"`
	TextColorCode string      `json:"text_color_code"`
	Members       []Member    `json:"members"`
	Subscribers   []Member    `json:"subscribers"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`

	enc []byte // cached persisted encoding; nil after any change
}
