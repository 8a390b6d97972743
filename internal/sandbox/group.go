package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// groupRequest is the body of POST /api/thirdparty/group/create, written
// from shared/api/group-create.*.
type groupRequest struct {
	Type          optInt        `json:"type"`
	ChatID        string        `json:"chat_id"`
	RecordedVideo *videoRequest `json:"recorded_video"`
	CommunityID   string        `json:"community_id"`
	Actions       []Action      `json:"actions"`
	Group         struct {
		Name        string      `json:"name"`
		Description string      `json:"description"`
		Tags        string      `json:"tags"`
		DP          string      `json:"dp"`
		Topics      []int       `json:"topics"`
		Members     []memberRef `json:"members"`
	} `json:"group"`
	Settings      *settingsRequest `json:"settings"`
	TemplateID    optInt           `json:"template_id"`
	IsAIGenerated bool             `json:"is_ai_generated"`
}

type videoRequest struct {
	MessageID              string          `json:"message_id"`
	VideoName              string          `json:"video_name"`
	ThumbnailName          string          `json:"thumbnail_name"`
	VideoPath              string          `json:"video_path"`
	ThumbnailPath          string          `json:"thumbnail_path"`
	IsAIGeneratedVideo     bool            `json:"is_ai_generated_video"`
	IsAIGeneratedThumbnail bool            `json:"is_ai_generated_thumbnail"`
	Link                   string          `json:"link"`
	Size                   flexString      `json:"size"`
	Duration               flexString      `json:"duration"`
	AspectRatio            string          `json:"aspect_ratio"`
	Resolution             string          `json:"resolution"`
	DescriptionText        string          `json:"description_text"`
	DescriptionData        string          `json:"description_data"`
	MetaData               json.RawMessage `json:"meta_data"`
}

type settingsRequest struct {
	Discoverable *bool `json:"discoverable"`
}

// memberRef names a member by user_id or by phone_number (a new phone
// becomes an avatar user; name, as the consumer SDK sends it, names it).
type memberRef struct {
	UserID      string `json:"user_id"`
	PhoneNumber string `json:"phone_number"`
	Name        string `json:"name"`
}

func (s *Server) createGroup(req *apiRequest) reply {
	var in groupRequest
	if err := decodeBody(req.body, &in); err != nil {
		return badCreate("%v", err)
	}
	if !in.Type.set || in.CommunityID == "" {
		return badCreate("type and community_id are required")
	}
	if in.ChatID != "" && !isUUID(in.ChatID) {
		return badCreate("chat_id %q is not a UUID", in.ChatID)
	}
	st := s.st
	if g := st.groupByID[in.ChatID]; g != nil {
		if s.cfg.DuplicateChatID == DuplicateError {
			return bad1099("chat_id %q already exists: this sandbox runs with duplicate chat_id mode \"error\"", in.ChatID)
		}
		rep := ok("Group has been created successfully.", s.groupData(g))
		rep.changed = false
		return rep
	}
	c := st.communityByID[in.CommunityID]
	if c == nil {
		return badCreate("community_id %q does not exist", in.CommunityID)
	}
	if in.TemplateID.set && !st.hasTemplate(in.TemplateID.v) {
		return badCreate("template_id %d does not exist", in.TemplateID.v)
	}
	if reason := st.checkRefs("group.members", in.Group.Members); reason != "" {
		return badCreate("%s", reason)
	}
	refs := in.Group.Members
	var video *GroupVideo
	if v := in.RecordedVideo; v != nil {
		seeded, found := st.video(v.VideoName)
		switch {
		case !found:
			return fail(http.StatusInternalServerError, "5026", "Could not find the video.",
				fmt.Sprintf("recorded_video.video_name %q is not in storage: the sandbox holds only its seeded videos", v.VideoName))
		case v.VideoPath != "" && v.VideoPath != seeded.VideoPath:
			return fail(http.StatusInternalServerError, "5026", "Could not find the video.",
				fmt.Sprintf("recorded_video.video_path %q: video %q is stored under %q", v.VideoPath, v.VideoName, seeded.VideoPath))
		}
		if len(v.MetaData) > 0 && !json.Valid(v.MetaData) {
			return badCreate("recorded_video.meta_data is not JSON")
		}
		video = &GroupVideo{
			MessageID: v.MessageID, VideoName: v.VideoName, VideoPath: seeded.VideoPath,
			ThumbnailName: v.ThumbnailName, ThumbnailPath: v.ThumbnailPath,
			IsAIGeneratedVideo: v.IsAIGeneratedVideo, IsAIGeneratedThumbnail: v.IsAIGeneratedThumbnail,
			Link: v.Link, Size: string(v.Size), Duration: string(v.Duration),
			AspectRatio: v.AspectRatio, Resolution: v.Resolution,
			DescriptionText: v.DescriptionText, DescriptionData: v.DescriptionData,
			MetaData: compactJSON(v.MetaData),
		}
		if video.MessageID == "" {
			video.MessageID = newUUID()
		}
	}

	now := s.now().UTC()
	g := &Group{
		ChatID: in.ChatID, GroupID: newUUID(), CommunityID: c.CommunityID,
		Type: in.Type.v, TemplateID: in.TemplateID.ptr(),
		Name: in.Group.Name, Description: in.Group.Description, Tags: in.Group.Tags, DP: in.Group.DP,
		Topics: normTopics(in.Group.Topics), Actions: in.Actions, Settings: Settings{Discoverable: true},
		IsAIGenerated: in.IsAIGenerated, Video: video, ShareURL: groupShareURL(),
		Members:     []Member{st.member(req.owner, roleOwner)},
		Subscribers: []Member{}, CreatedAt: now, UpdatedAt: now,
	}
	if g.ChatID == "" {
		g.ChatID = newUUID()
	}
	if g.Actions == nil {
		g.Actions = []Action{}
	}
	if in.Settings != nil && in.Settings.Discoverable != nil {
		g.Settings.Discoverable = *in.Settings.Discoverable
	}
	g.ColorCode, g.TextColorCode = colors(g.GroupID)
	for _, u := range st.resolve(refs) {
		if !g.hasMember(u.UserID) {
			g.Members = append(g.Members, st.member(u, roleMember))
		}
	}
	st.addGroup(g)
	return ok("Group has been created successfully.", s.groupData(g))
}

// checkRefs validates the member references of field without changing
// anything, so a request that fails creates no avatar users. It returns
// why the first bad one is refused, naming it by index ("" if all are
// good); a phone number is never quoted, as it is personal data.
func (st *store) checkRefs(field string, refs []memberRef) string {
	for i, m := range refs {
		switch {
		case m.UserID != "":
			if st.userByID[m.UserID] == nil {
				return fmt.Sprintf("%s[%d]: unknown user_id %q", field, i, m.UserID)
			}
		case m.PhoneNumber != "":
			if !validPhone(m.PhoneNumber) {
				return fmt.Sprintf("%s[%d]: phone_number is not 6-15 digits", field, i)
			}
		default:
			return fmt.Sprintf("%s[%d]: a member needs user_id or phone_number", field, i)
		}
	}
	return ""
}

// resolve turns checked references into users, creating avatar users for
// unknown phone numbers. A user_id wins over a phone_number in one entry.
func (st *store) resolve(refs []memberRef) []*User {
	users := make([]*User, 0, len(refs))
	for _, m := range refs {
		if m.UserID != "" {
			users = append(users, st.userByID[m.UserID])
			continue
		}
		u, created := st.avatarFor(m.PhoneNumber)
		if created && m.Name != "" {
			u.Name = m.Name
		}
		users = append(users, u)
	}
	return users
}

func validPhone(p string) bool {
	if len(p) < 6 || len(p) > 15 {
		return false
	}
	return strings.Trim(p, "0123456789") == ""
}

func (g *Group) hasMember(id string) bool {
	return slices.ContainsFunc(g.Members, func(m Member) bool { return m.MemberID == id })
}

// normTopics sorts and de-duplicates topic ids: topics are a set.
func normTopics(t []int) []int {
	out := slices.Clone(t)
	if out == nil {
		out = []int{}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return nil
	}
	return b.Bytes()
}

// groupData is the data of a group create's 200 (the legacy page's shape).
type groupData struct {
	ChatID             string        `json:"chat_id"`
	Type               int           `json:"type"`
	Settings           Settings      `json:"settings"`
	ShareURL           string        `json:"share_url"`
	IsWelcomeLoop      bool          `json:"is_welcome_loop"`
	Group              groupView     `json:"group"`
	LatestMessageAt    string        `json:"latest_message_at"`
	UnreadMessageCount int           `json:"unread_message_count"`
	LatestMessages     []messageView `json:"latest_messages"`
	BrandID            *int          `json:"brand_id"`
	Community          communityView `json:"community"`
}

type groupView struct {
	GroupID          string       `json:"group_id"`
	GroupName        string       `json:"group_name"`
	GroupDescription string       `json:"group_description"`
	ColorCode        string       `json:"color_code"`
	TextColorCode    string       `json:"text_color_code"`
	DP               string       `json:"dp"`
	DPS              string       `json:"dp_s"`
	DPM              string       `json:"dp_m"`
	DPL              string       `json:"dp_l"`
	NoOfMembers      int          `json:"no_of_members"`
	Members          []memberView `json:"members"`
}

// memberView is a member object as responses show it: the union of the
// group-create and update_conversation examples (phone included, so a
// client can match a phone-added member to its new member_id).
type memberView struct {
	MemberID          string  `json:"member_id"`
	Name              *string `json:"name"`
	Username          string  `json:"username"`
	Bio               *string `json:"bio"`
	Nickname          *string `json:"nickname"`
	Phone             string  `json:"phone"`
	IsBrandSystemUser bool    `json:"is_brand_system_user"`
	IsAvatar          bool    `json:"is_avatar"`
	Status            int     `json:"status"`
	Role              int     `json:"role"`
	ProfileImage      string  `json:"profile_image"`
	ProfileImageS     string  `json:"profile_image_s"`
	ProfileImageM     string  `json:"profile_image_m"`
	ProfileImageL     string  `json:"profile_image_l"`
}

type messageView struct {
	Owner struct {
		MemberID string `json:"member_id"`
		Username string `json:"username"`
	} `json:"owner"`
	MediaURL      string  `json:"media_url"`
	ThumbnailURL  string  `json:"thumbnail_url"`
	ThumbnailURLS string  `json:"thumbnail_url_s"`
	ThumbnailURLL string  `json:"thumbnail_url_l"`
	MediaURLM3U8  *string `json:"media_url_m3u8"`
	MessageID     string  `json:"message_id"`
	MessageAt     string  `json:"message_at"`
	ShareURL      string  `json:"share_url"`
}

type communityView struct {
	CommunityID   string `json:"community_id"`
	Handle        string `json:"handle"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	ColorCode     string `json:"color_code"`
	TextColorCode string `json:"text_color_code"`
	DP            string `json:"dp"`
	DPS           string `json:"dp_s"`
	DPM           string `json:"dp_m"`
	DPL           string `json:"dp_l"`
	ShareURL      string `json:"share_url"`
}

func (s *Server) memberView(m Member) memberView {
	u := s.st.userByID[m.UserID]
	return memberView{
		MemberID: m.MemberID, Name: nullable(u.Name), Username: u.Username,
		Bio: nullable(u.Bio), Nickname: nullable(u.Nickname), Phone: u.Phone,
		IsBrandSystemUser: u.IsBrandSystemUser, IsAvatar: u.IsAvatar,
		Status: m.Status, Role: m.Role, ProfileImage: u.ProfileImage,
	}
}

func msString(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// groupData renders g as a group create's 200 data.
func (s *Server) groupData(g *Group) groupData {
	c := s.st.communityByID[g.CommunityID]
	d := groupData{
		ChatID: g.ChatID, Type: g.Type, Settings: g.Settings, ShareURL: g.ShareURL,
		Group: groupView{
			GroupID: g.GroupID, GroupName: g.Name, GroupDescription: g.Description,
			ColorCode: g.ColorCode, TextColorCode: g.TextColorCode,
			DP: mediaURL("profile_images/group", g.DP), NoOfMembers: len(g.Members),
		},
		LatestMessageAt: msString(g.CreatedAt), LatestMessages: []messageView{},
		Community: communityView{
			CommunityID: c.CommunityID, Handle: c.Handle, Name: c.Name, Description: c.Description,
			ColorCode: c.ColorCode, TextColorCode: c.TextColorCode,
			DP: mediaURL("profile_images/community", c.DP), ShareURL: c.ShareURL,
		},
	}
	for _, m := range g.Members {
		d.Group.Members = append(d.Group.Members, s.memberView(m))
	}
	if v := g.Video; v != nil {
		var m messageView
		owner := s.st.userByID[g.Members[0].UserID]
		m.Owner.MemberID, m.Owner.Username = owner.UserID, owner.Username
		m.MediaURL = shareHost + "/media/" + v.VideoPath + "/" + v.VideoName
		if v.ThumbnailName != "" {
			m.ThumbnailURL = shareHost + "/media/" + v.ThumbnailPath + "/" + v.ThumbnailName
		}
		m.MessageID, m.MessageAt, m.ShareURL = v.MessageID, msString(g.CreatedAt), g.ShareURL
		d.LatestMessages = append(d.LatestMessages, m)
	}
	return d
}
