package spec

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// Expand renders d as one spec file, fully resolved: member lists and
// generators written out as each group's members, phones normalised,
// communities sorted by handle and groups by address. Loading the result
// gives d back, but for positions.
func Expand(d *Desired) ([]byte, error) {
	out := expandedSpec{Version: 1}
	for _, h := range d.CommunityHandles() {
		out.Communities = append(out.Communities, expandCommunity(d.Communities[h]))
	}
	for _, a := range d.GroupAddresses() {
		out.Groups = append(out.Groups, expandGroup(d.Groups[a]))
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// The expanded types mirror the schema, field for field, in its order.

type expandedSpec struct {
	Version     int                 `yaml:"version"`
	Communities []expandedCommunity `yaml:"communities,omitempty"`
	Groups      []expandedGroup     `yaml:"groups,omitempty"`
}

type expandedCommunity struct {
	Handle              string              `yaml:"handle"`
	Name                string              `yaml:"name"`
	Description         string              `yaml:"description,omitempty"`
	Tags                []string            `yaml:"tags,flow,omitempty"`
	DP                  string              `yaml:"dp,omitempty"`
	Banner              string              `yaml:"banner,omitempty"`
	Categories          *expandedCategories `yaml:"categories,omitempty"`
	IsAIGenerated       bool                `yaml:"is_ai_generated,omitempty"`
	IsAIGeneratedDP     bool                `yaml:"is_ai_generated_dp,omitempty"`
	IsAIGeneratedBanner bool                `yaml:"is_ai_generated_banner,omitempty"`
	Users               []expandedMember    `yaml:"users,omitempty"`
	Type                *int                `yaml:"type,omitempty"`
	Actions             []expandedAction    `yaml:"actions,omitempty"`
}

type expandedCategories struct {
	Existing []int    `yaml:"existing,flow,omitempty"`
	New      []string `yaml:"new,flow,omitempty"`
}

type expandedAction struct {
	ActionID     int `yaml:"action_id"`
	AccessTypeID int `yaml:"access_type_id"`
}

type expandedGroup struct {
	Key           string            `yaml:"key"`
	Community     string            `yaml:"community,omitempty"`
	CommunityID   string            `yaml:"community_id,omitempty"`
	ChatID        string            `yaml:"chat_id,omitempty"`
	Name          string            `yaml:"name"`
	Description   string            `yaml:"description,omitempty"`
	Tags          []string          `yaml:"tags,flow,omitempty"`
	DP            string            `yaml:"dp,omitempty"`
	Topics        []int             `yaml:"topics,flow,omitempty"`
	Settings      *expandedSettings `yaml:"settings,omitempty"`
	Type          int               `yaml:"type"`
	TemplateID    *int              `yaml:"template_id,omitempty"`
	Actions       []expandedAction  `yaml:"actions,omitempty"`
	IsAIGenerated bool              `yaml:"is_ai_generated,omitempty"`
	Video         *expandedVideo    `yaml:"recorded_video,omitempty"`
	Members       []expandedMember  `yaml:"members,omitempty"`
	// PhonesInCreate and SubscribersRemoved follow member_lists in the
	// schema, which expand writes out as members.
	PhonesInCreate     bool                 `yaml:"phones_in_create,omitempty"`
	SubscribersRemoved []expandedSubscriber `yaml:"subscribers_removed,omitempty"`
}

type expandedSubscriber struct {
	UserID     string `yaml:"user_id"`
	AlsoMember bool   `yaml:"also_member,omitempty"`
}

type expandedSettings struct {
	Discoverable *bool `yaml:"discoverable,omitempty"`
}

type expandedVideo struct {
	MessageID              string            `yaml:"message_id,omitempty"`
	VideoName              string            `yaml:"video_name,omitempty"`
	ThumbnailName          string            `yaml:"thumbnail_name,omitempty"`
	VideoPath              string            `yaml:"video_path,omitempty"`
	ThumbnailPath          string            `yaml:"thumbnail_path,omitempty"`
	IsAIGeneratedVideo     bool              `yaml:"is_ai_generated_video,omitempty"`
	IsAIGeneratedThumbnail bool              `yaml:"is_ai_generated_thumbnail,omitempty"`
	Link                   string            `yaml:"link,omitempty"`
	Size                   string            `yaml:"size,omitempty"`
	Duration               int               `yaml:"duration,omitempty"`
	AspectRatio            string            `yaml:"aspect_ratio,omitempty"`
	Resolution             string            `yaml:"resolution,omitempty"`
	DescriptionText        string            `yaml:"description_text,omitempty"`
	DescriptionData        string            `yaml:"description_data,omitempty"`
	MetaData               *expandedMetaData `yaml:"meta_data,omitempty"`
}

type expandedMetaData struct {
	Topic string `yaml:"topic"`
}

type expandedMember struct {
	UserID string `yaml:"user_id,omitempty"`
	Phone  string `yaml:"phone,omitempty"`
}

func expandCommunity(c *Community) expandedCommunity {
	out := expandedCommunity{
		Handle: c.Handle, Name: c.Name, Description: c.Description, Tags: c.Tags,
		DP: c.DP, Banner: c.Banner,
		IsAIGenerated: c.IsAIGenerated, IsAIGeneratedDP: c.IsAIGeneratedDP, IsAIGeneratedBanner: c.IsAIGeneratedBanner,
		Type: c.Type, Actions: expandActions(c.Actions),
	}
	if len(c.Categories.Existing) > 0 || len(c.Categories.New) > 0 {
		out.Categories = &expandedCategories{Existing: c.Categories.Existing, New: c.Categories.New}
	}
	for _, id := range c.Users {
		out.Users = append(out.Users, expandedMember{UserID: id})
	}
	return out
}

func expandGroup(g *Group) expandedGroup {
	out := expandedGroup{
		Key: g.Key, Community: g.Community, CommunityID: g.CommunityID, ChatID: g.ChatID, Name: g.Name, Description: g.Description,
		Tags: g.Tags, DP: g.DP, Topics: g.Topics, Type: g.Type, TemplateID: g.TemplateID,
		Actions: expandActions(g.Actions), IsAIGenerated: g.IsAIGenerated, PhonesInCreate: g.PhonesInCreate,
	}
	for _, s := range g.SubscribersRemoved {
		out.SubscribersRemoved = append(out.SubscribersRemoved, expandedSubscriber{UserID: s.UserID, AlsoMember: s.AlsoMember})
	}
	if g.Discoverable != nil {
		out.Settings = &expandedSettings{Discoverable: g.Discoverable}
	}
	if v := g.Video; v != nil {
		out.Video = &expandedVideo{
			MessageID: v.MessageID, VideoName: v.VideoName, ThumbnailName: v.ThumbnailName,
			VideoPath: v.VideoPath, ThumbnailPath: v.ThumbnailPath,
			IsAIGeneratedVideo: v.IsAIGeneratedVideo, IsAIGeneratedThumbnail: v.IsAIGeneratedThumbnail,
			Link: v.Link, Size: v.Size, Duration: v.Duration, AspectRatio: v.AspectRatio,
			Resolution: v.Resolution, DescriptionText: v.DescriptionText, DescriptionData: v.DescriptionData,
		}
		if v.Topic != "" {
			out.Video.MetaData = &expandedMetaData{Topic: v.Topic}
		}
	}
	out.Members = make([]expandedMember, len(g.Members))
	for i, m := range g.Members {
		out.Members[i] = expandedMember{UserID: m.UserID, Phone: m.Phone}
	}
	return out
}

func expandActions(actions []Action) []expandedAction {
	var out []expandedAction
	for _, a := range actions {
		out = append(out, expandedAction(a))
	}
	return out
}
