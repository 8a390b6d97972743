package sandbox

import (
	"fmt"
	"net/http"
	"strings"
)

// communityRequest is the body of POST /api/thirdparty/community/create,
// written from shared/api/community-create.*.
type communityRequest struct {
	Handle      string `json:"handle"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Tags        string `json:"tags"`
	DP          string `json:"dp"`
	Banner      string `json:"banner"`
	Categories  struct {
		Existing []int    `json:"existing"`
		New      []string `json:"new"`
	} `json:"categories"`
	IsAIGenerated       bool     `json:"is_ai_generated"`
	IsAIGeneratedDP     bool     `json:"is_ai_generated_dp"`
	IsAIGeneratedBanner bool     `json:"is_ai_generated_banner"`
	Users               []idRef  `json:"users"`
	Type                optInt   `json:"type"`    // "mandatory" yet undefined: optional here
	Actions             []Action `json:"actions"` // likewise
}

// idRef is a {"user_id": ...} reference.
type idRef struct {
	UserID string `json:"user_id"`
}

// communityData is the data of a community create's 200.
type communityData struct {
	CommunityID   string     `json:"community_id"`
	ShareURL      string     `json:"share_url"`
	DP            string     `json:"dp"`
	Banner        string     `json:"banner"`
	ColorCode     string     `json:"color_code"`
	TextColorCode string     `json:"text_color_code"`
	Leader        leaderView `json:"leader"`
}

// leaderView is the community leader: the token's brand system user.
type leaderView struct {
	MemberID          string  `json:"member_id"`
	Name              *string `json:"name"`
	Bio               *string `json:"bio"`
	Nickname          *string `json:"nickname"`
	Phone             string  `json:"phone"`
	IsBrandSystemUser bool    `json:"is_brand_system_user"`
	IsAvatar          bool    `json:"is_avatar"`
	Brand             Brand   `json:"brand"`
	ProfileImage      string  `json:"profile_image"`
	ProfileImageS     string  `json:"profile_image_s"`
	ProfileImageM     string  `json:"profile_image_m"`
	ProfileImageL     string  `json:"profile_image_l"`
}

func (s *Server) createCommunity(req *apiRequest) reply {
	if !req.owner.IsBrandSystemUser {
		return fail(http.StatusPreconditionFailed, "5166", "XXXX-[Invalid Use of API]", "the token's user is not a brand system user")
	}
	var in communityRequest
	if err := decodeBody(req.body, &in); err != nil {
		return badCreate("%v", err)
	}
	in.Handle, in.Name = strings.TrimSpace(in.Handle), strings.TrimSpace(in.Name)
	if in.Handle == "" || in.Name == "" {
		return badCreate("handle and name are required")
	}
	if !validHandle(in.Handle) {
		return badCreate("handle %q: use 3-50 letters, digits, '_', '-' or '.'", in.Handle)
	}
	st := s.st
	for i, id := range in.Categories.Existing {
		if _, found := st.categoryByID[id]; !found {
			return fail(http.StatusNotFound, "5220", "XXXX-[community categories does not exists.]",
				fmt.Sprintf("categories.existing[%d]: unknown category id %d", i, id))
		}
	}
	for _, n := range in.Categories.New {
		if strings.TrimSpace(n) == "" {
			return badCreate("categories.new: empty category name")
		}
	}
	members := []Member{st.member(req.owner, roleOwner)}
	seen := map[string]bool{req.owner.UserID: true}
	for i, u := range in.Users {
		user := st.userByID[u.UserID]
		if user == nil {
			return badCreate("users[%d]: unknown user_id %q", i, u.UserID)
		}
		if !seen[user.UserID] {
			seen[user.UserID] = true
			members = append(members, st.member(user, roleMember))
		}
	}
	if taken := st.communityByName[strings.ToLower(in.Handle)]; taken != nil {
		return fail(http.StatusInternalServerError, "5216", "XXXX-[community handle already exists.]",
			fmt.Sprintf("handle %q is taken by community_id %s", taken.Handle, taken.CommunityID))
	}

	cats := append([]int{}, in.Categories.Existing...)
	for _, n := range in.Categories.New {
		cats = append(cats, st.categoryNamed(strings.TrimSpace(n)))
	}
	c := &Community{
		CommunityID: newUUID(), Handle: in.Handle, Name: in.Name,
		Description: in.Description, Tags: in.Tags, DP: in.DP, Banner: in.Banner,
		Type: in.Type.ptr(), Actions: in.Actions, Categories: dedupeInts(cats),
		IsAIGenerated: in.IsAIGenerated, IsAIGeneratedDP: in.IsAIGeneratedDP, IsAIGeneratedBanner: in.IsAIGeneratedBanner,
		ShareURL: communityShareURL(in.Handle), LeaderID: req.owner.UserID, Members: members,
		CreatedAt: s.now().UTC(),
	}
	c.ColorCode, c.TextColorCode = colors(c.CommunityID)
	st.addCommunity(c)

	return ok("XXXX-[Community has been created successfully.]", communityData{
		CommunityID: c.CommunityID, ShareURL: c.ShareURL,
		DP: mediaURL("profile_images/community", c.DP), Banner: mediaURL("community/banner", c.Banner),
		ColorCode: c.ColorCode, TextColorCode: c.TextColorCode,
		Leader: leaderView{
			MemberID: req.owner.UserID, Name: nullable(req.owner.Name), Bio: nullable(req.owner.Bio),
			Nickname: nullable(req.owner.Nickname), Phone: req.owner.Phone,
			IsBrandSystemUser: req.owner.IsBrandSystemUser, IsAvatar: req.owner.IsAvatar,
			Brand: st.brand, ProfileImage: req.owner.ProfileImage,
		},
	})
}

// validHandle: the docs give no charset; the sandbox allows what every
// example uses, so a client passing here is not surprised by stricter rules.
func validHandle(h string) bool {
	if len(h) < 3 || len(h) > 50 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func dedupeInts(in []int) []int {
	out := []int{}
	seen := map[int]bool{}
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
