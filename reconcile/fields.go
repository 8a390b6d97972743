package reconcile

import (
	"strings"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/spec"
)

// Short names for the requests the tables fill.
type (
	communityCreate    = genuin.CreateCommunityRequest
	groupCreate        = genuin.CreateGroupRequest
	conversationUpdate = genuin.UpdateConversationRequest
)

// communityFields are the fields of a community. All are create-only: the
// API has no community update.
var communityFields = fieldTable[spec.Community, communityCreate]{
	createOnly("name", always(func(c *spec.Community) string { return c.Name }),
		func(r *communityCreate, v string) { r.Name = v }),
	createOnly("description", ifText(func(c *spec.Community) string { return c.Description }),
		func(r *communityCreate, v string) { r.Description = v }),
	createOnly("tags", ifList(func(c *spec.Community) []string { return c.Tags }),
		func(r *communityCreate, v []string) { r.Tags = joinTags(v) }),
	createOnly("dp", ifText(func(c *spec.Community) string { return c.DP }),
		func(r *communityCreate, v string) { r.DP = v }),
	createOnly("banner", ifText(func(c *spec.Community) string { return c.Banner }),
		func(r *communityCreate, v string) { r.Banner = v }),
	createOnly("categories", categoriesOf,
		func(r *communityCreate, v categoriesValue) {
			r.Categories = &genuin.Categories{Existing: v.Existing, New: v.New}
		}),
	createOnly("is_ai_generated", ifTrue(func(c *spec.Community) bool { return c.IsAIGenerated }),
		func(r *communityCreate, v bool) { r.IsAIGenerated = v }),
	createOnly("is_ai_generated_dp", ifTrue(func(c *spec.Community) bool { return c.IsAIGeneratedDP }),
		func(r *communityCreate, v bool) { r.IsAIGeneratedDP = v }),
	createOnly("is_ai_generated_banner", ifTrue(func(c *spec.Community) bool { return c.IsAIGeneratedBanner }),
		func(r *communityCreate, v bool) { r.IsAIGeneratedBanner = v }),
	createOnly("users", ifList(func(c *spec.Community) []string { return c.Users }),
		func(r *communityCreate, v []string) {
			for _, id := range v {
				r.Users = append(r.Users, genuin.UserRef{UserID: id})
			}
		}),
	createOnly("type", ifGiven(func(c *spec.Community) *int { return c.Type }),
		func(r *communityCreate, v int) { r.Type = &v }),
	createOnly("actions", ifList(func(c *spec.Community) []actionValue { return actionValues(c.Actions) }),
		func(r *communityCreate, v []actionValue) { r.Actions = wireActions(v) }),
}

// groupFields are the fields of a group: update_conversation can change
// the first six; the rest are sent only in the create.
var groupFields = fieldTable[spec.Group, groupCreate]{
	updatable("name", always(func(g *spec.Group) string { return g.Name }),
		func(r *groupCreate, v string) { r.Group.Name = v },
		func(r *conversationUpdate, v string) { r.Name = &v }),
	updatable("description", ifText(func(g *spec.Group) string { return g.Description }),
		func(r *groupCreate, v string) { r.Group.Description = v },
		func(r *conversationUpdate, v string) { r.Description = &v }),
	updatable("tags", ifList(func(g *spec.Group) []string { return g.Tags }),
		func(r *groupCreate, v []string) { r.Group.Tags = joinTags(v) },
		func(r *conversationUpdate, v []string) { tags := joinTags(v); r.Tags = &tags }),
	unmanagedWhenAbsent(updatable("dp", ifText(func(g *spec.Group) string { return g.DP }),
		func(r *groupCreate, v string) { r.Group.DP = v },
		func(r *conversationUpdate, v string) { r.DP = &v })),
	updatable("topics", ifList(func(g *spec.Group) []int { return g.Topics }),
		func(r *groupCreate, v []int) { r.Group.Topics = v },
		func(r *conversationUpdate, v []int) { r.Topics = &v }), // nil is sent as []: cleared
	unmanagedWhenAbsent(updatable("settings.discoverable", ifGiven(func(g *spec.Group) *bool { return g.Discoverable }),
		func(r *groupCreate, v bool) { r.Settings = &genuin.Settings{Discoverable: &v} },
		func(r *conversationUpdate, v bool) { r.Settings = &genuin.Settings{Discoverable: &v} })),
	createOnly("type", always(func(g *spec.Group) int { return g.Type }),
		func(r *groupCreate, v int) { r.Type = v }),
	createOnly("template_id", ifGiven(func(g *spec.Group) *int { return g.TemplateID }),
		func(r *groupCreate, v int) { r.TemplateID = &v }),
	createOnly("actions", ifList(func(g *spec.Group) []actionValue { return actionValues(g.Actions) }),
		func(r *groupCreate, v []actionValue) { r.Actions = wireActions(v) }),
	createOnly("recorded_video", videoOf,
		func(r *groupCreate, v videoValue) { r.RecordedVideo = v.wire() }),
	createOnly("is_ai_generated", ifTrue(func(g *spec.Group) bool { return g.IsAIGenerated }),
		func(r *groupCreate, v bool) { r.IsAIGenerated = v }),
}

// The value types below are the lockfile's encoding of the fields that are
// not plain strings, numbers or lists. Their JSON keys and their order are
// the ones lockfile format 1 recorded: changing them changes recorded
// values, and needs a new format version with a reader for the old one.

// actionValue is one entry of actions: {"action_id":..,"access_type_id":..}.
type actionValue struct {
	ActionID     int `json:"action_id"`
	AccessTypeID int `json:"access_type_id"`
}

func actionValues(as []spec.Action) []actionValue {
	var out []actionValue
	for _, a := range as {
		out = append(out, actionValue{ActionID: a.ActionID, AccessTypeID: a.AccessTypeID})
	}
	return out
}

func wireActions(as []actionValue) []genuin.Action {
	out := make([]genuin.Action, len(as))
	for i, a := range as {
		out[i] = genuin.Action{ActionID: a.ActionID, AccessTypeID: a.AccessTypeID}
	}
	return out
}

// categoriesValue is a community's categories: both lists always, [] when
// empty.
type categoriesValue struct {
	Existing []int    `json:"existing"`
	New      []string `json:"new"`
}

// categoriesOf reads a community's categories; they are set when either
// list has an element.
func categoriesOf(c *spec.Community) (categoriesValue, bool) {
	v := categoriesValue{Existing: c.Categories.Existing, New: c.Categories.New}
	if len(v.Existing) == 0 && len(v.New) == 0 {
		return v, false
	}
	if v.Existing == nil {
		v.Existing = []int{}
	}
	if v.New == nil {
		v.New = []string{}
	}
	return v, true
}

// videoValue is a group's recorded_video: every key always, meta_data
// only with a topic.
type videoValue struct {
	MessageID              string         `json:"message_id"`
	VideoName              string         `json:"video_name"`
	ThumbnailName          string         `json:"thumbnail_name"`
	VideoPath              string         `json:"video_path"`
	ThumbnailPath          string         `json:"thumbnail_path"`
	IsAIGeneratedVideo     bool           `json:"is_ai_generated_video"`
	IsAIGeneratedThumbnail bool           `json:"is_ai_generated_thumbnail"`
	Link                   string         `json:"link"`
	Size                   string         `json:"size"`
	Duration               int            `json:"duration"`
	AspectRatio            string         `json:"aspect_ratio"`
	Resolution             string         `json:"resolution"`
	DescriptionText        string         `json:"description_text"`
	DescriptionData        string         `json:"description_data"`
	MetaData               *videoMetaData `json:"meta_data,omitempty"`
}

// videoMetaData is a recorded_video's meta_data.
type videoMetaData struct {
	Topic string `json:"topic"`
}

// videoOf reads a group's recorded_video; it is set when the spec gives one.
func videoOf(g *spec.Group) (videoValue, bool) {
	v := g.Video
	if v == nil {
		return videoValue{}, false
	}
	out := videoValue{
		MessageID: v.MessageID, VideoName: v.VideoName, ThumbnailName: v.ThumbnailName,
		VideoPath: v.VideoPath, ThumbnailPath: v.ThumbnailPath,
		IsAIGeneratedVideo: v.IsAIGeneratedVideo, IsAIGeneratedThumbnail: v.IsAIGeneratedThumbnail,
		Link: v.Link, Size: v.Size, Duration: v.Duration, AspectRatio: v.AspectRatio,
		Resolution: v.Resolution, DescriptionText: v.DescriptionText, DescriptionData: v.DescriptionData,
	}
	if v.Topic != "" {
		out.MetaData = &videoMetaData{Topic: v.Topic}
	}
	return out, true
}

// wire is the video as the group create sends it.
func (v videoValue) wire() *genuin.RecordedVideo {
	out := &genuin.RecordedVideo{
		MessageID: v.MessageID, VideoName: v.VideoName, ThumbnailName: v.ThumbnailName,
		VideoPath: v.VideoPath, ThumbnailPath: v.ThumbnailPath,
		IsAIGeneratedVideo: v.IsAIGeneratedVideo, IsAIGeneratedThumbnail: v.IsAIGeneratedThumbnail,
		Link: v.Link, Size: v.Size, Duration: v.Duration, AspectRatio: v.AspectRatio,
		Resolution: v.Resolution, DescriptionText: v.DescriptionText, DescriptionData: v.DescriptionData,
	}
	if v.MetaData != nil {
		out.MetaData = &genuin.VideoMetaData{Topic: v.MetaData.Topic}
	}
	return out
}

// joinTags renders tags as the API takes them: comma-separated.
func joinTags(tags []string) string { return strings.Join(tags, ",") }
