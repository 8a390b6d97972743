package reconcile

import (
	"encoding/json"
	"fmt"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// communityFields are a community's create values, named as in the spec.
// None can change after creation: the API has no community update.
type communityFields struct {
	Name                string             `json:"name"`
	Description         string             `json:"description,omitempty"`
	Tags                []string           `json:"tags,omitempty"`
	DP                  string             `json:"dp,omitempty"`
	Banner              string             `json:"banner,omitempty"`
	Categories          *genuin.Categories `json:"categories,omitempty"`
	IsAIGenerated       bool               `json:"is_ai_generated,omitempty"`
	IsAIGeneratedDP     bool               `json:"is_ai_generated_dp,omitempty"`
	IsAIGeneratedBanner bool               `json:"is_ai_generated_banner,omitempty"`
	Users               []string           `json:"users,omitempty"`
	Type                *int               `json:"type,omitempty"`
	Actions             []genuin.Action    `json:"actions,omitempty"`
}

// groupFields are a group's values, named as in the spec. The first six can
// be changed by update_conversation; the rest are create-only.
type groupFields struct {
	Name          string                `json:"name"`
	Description   string                `json:"description,omitempty"`
	Tags          []string              `json:"tags,omitempty"`
	DP            string                `json:"dp,omitempty"`
	Topics        []int                 `json:"topics,omitempty"`
	Discoverable  *bool                 `json:"settings.discoverable,omitempty"`
	Type          int                   `json:"type"`
	TemplateID    *int                  `json:"template_id,omitempty"`
	Actions       []genuin.Action       `json:"actions,omitempty"`
	Video         *genuin.RecordedVideo `json:"recorded_video,omitempty"`
	IsAIGenerated bool                  `json:"is_ai_generated,omitempty"`
}

// updatableGroupFields are the group fields update_conversation can change.
var updatableGroupFields = map[string]bool{
	"name": true, "description": true, "tags": true, "dp": true,
	"topics": true, "settings.discoverable": true,
}

func communityFieldsOf(c *spec.Community) communityFields {
	f := communityFields{
		Name: c.Name, Description: c.Description, Tags: c.Tags, DP: c.DP, Banner: c.Banner,
		IsAIGenerated: c.IsAIGenerated, IsAIGeneratedDP: c.IsAIGeneratedDP,
		IsAIGeneratedBanner: c.IsAIGeneratedBanner, Users: c.Users, Type: c.Type,
		Actions: apiActions(c.Actions),
	}
	if len(c.Categories.Existing) > 0 || len(c.Categories.New) > 0 {
		f.Categories = &genuin.Categories{Existing: c.Categories.Existing, New: c.Categories.New}
	}
	return f
}

func groupFieldsOf(g *spec.Group) groupFields {
	f := groupFields{
		Name: g.Name, Description: g.Description, Tags: g.Tags, DP: g.DP, Topics: g.Topics,
		Discoverable: g.Discoverable, Type: g.Type, TemplateID: g.TemplateID,
		Actions: apiActions(g.Actions), IsAIGenerated: g.IsAIGenerated,
	}
	if v := g.Video; v != nil {
		f.Video = &genuin.RecordedVideo{
			MessageID: v.MessageID, VideoName: v.VideoName, ThumbnailName: v.ThumbnailName,
			VideoPath: v.VideoPath, ThumbnailPath: v.ThumbnailPath,
			IsAIGeneratedVideo: v.IsAIGeneratedVideo, IsAIGeneratedThumbnail: v.IsAIGeneratedThumbnail,
			Link: v.Link, Size: v.Size, Duration: v.Duration, AspectRatio: v.AspectRatio,
			Resolution: v.Resolution, DescriptionText: v.DescriptionText, DescriptionData: v.DescriptionData,
		}
		if v.Topic != "" {
			f.Video.MetaData = &genuin.VideoMetaData{Topic: v.Topic}
		}
	}
	return f
}

func apiActions(as []spec.Action) []genuin.Action {
	if len(as) == 0 {
		return nil
	}
	out := make([]genuin.Action, len(as))
	for i, a := range as {
		out[i] = genuin.Action{ActionID: a.ActionID, AccessTypeID: a.AccessTypeID}
	}
	return out
}

// toFields renders a struct of field values as lockfile Fields: one
// canonical JSON value per field, with unset fields left out.
func toFields(v any) lockfile.Fields {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode fields: %v", err)) // plain data: cannot fail
	}
	var fields lockfile.Fields
	if err := json.Unmarshal(data, &fields); err != nil {
		panic(fmt.Sprintf("decode fields: %v", err))
	}
	return fields
}

// fromFields decodes lockfile Fields back into a struct of field values.
func fromFields(fields lockfile.Fields, v any) error {
	data, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
