package spec

import (
	"fmt"
	"sort"
)

// Pos is a position in a spec file: the file as given on the command line
// (or found below a directory), a 1-based line and a 1-based column.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// String renders the position as file:line:col, or file:line when the
// column is unknown.
func (p Pos) String() string {
	if p.Col == 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Desired is the whole resolved spec: every community and group the files
// declare, each with the position that declared it.
type Desired struct {
	// Communities are keyed by handle.
	Communities map[string]*Community
	// Groups are keyed by GroupAddress(community handle, key).
	Groups map[string]*Group
	// Moved are the moved blocks, in the order of the files: each carries
	// a group's record to a new address (Move).
	Moved []Move
	// Skipped are the YAML files below the directories given that are not
	// spec files, and the testdata directories left out, sorted by path;
	// SkippedNotes words them. Nil when there are none.
	Skipped []Skipped
}

// CommunityHandles returns the handles of all communities, sorted.
func (d *Desired) CommunityHandles() []string { return sortedKeys(d.Communities) }

// GroupAddresses returns the addresses of all groups, sorted.
func (d *Desired) GroupAddresses() []string { return sortedKeys(d.Groups) }

// GroupAddress is the address of a group: group/<community handle>/<key>.
func GroupAddress(community, key string) string { return "group/" + community + "/" + key }

// CommunityAddress is the address of a community: community/<handle>.
func CommunityAddress(handle string) string { return "community/" + handle }

// Community is a community as the spec declares it. Its fields mirror the
// community create request; none can change after creation.
type Community struct {
	Handle              string
	Name                string
	Description         string
	Tags                []string
	DP                  string
	Banner              string
	Categories          Categories
	IsAIGenerated       bool
	IsAIGeneratedDP     bool
	IsAIGeneratedBanner bool
	// Users are the user ids added as the community's first members.
	Users []string
	// Type and Actions are listed as mandatory by the docs but never defined;
	// they are sent only when the spec gives them.
	Type    *int
	Actions []Action
	Pos     Pos
}

// Categories are a community's existing category ids and new category names.
type Categories struct {
	Existing []int
	New      []string
}

// Action is one access-control pair of a group (or community).
type Action struct {
	ActionID     int `json:"action_id"`
	AccessTypeID int `json:"access_type_id"`
}

// Group is a group (loop) as the spec declares it.
type Group struct {
	// Key is the stable slug that, with the community handle, addresses the
	// group. It never changes; the display name may.
	Key string
	// Community is the handle of the managed community the group belongs
	// to; empty when the group names an existing one by CommunityID.
	Community string
	// CommunityID is the id of an existing community the spec does not
	// manage; empty when Community is set.
	CommunityID string
	Name        string
	Description string
	Tags        []string
	DP          string
	Topics      []int
	// Discoverable is settings.discoverable; nil when the spec leaves it out.
	Discoverable *bool
	// Create-only fields: the API offers no way to change them later.
	Type          int
	TemplateID    *int
	Actions       []Action
	Video         *Video
	IsAIGenerated bool
	// Members are de-duplicated, in the order first declared.
	Members []Member
	// ChatID is the chat_id the spec gives the group's create, in lower
	// case; "" lets genuinctl generate one.
	ChatID string
	// PhonesInCreate sends the members given by phone in the group create
	// rather than in an update right after it: their member ids then stay
	// unknown.
	PhonesInCreate bool
	// SubscribersRemoved are the users who must not be subscribers of the
	// group: its inline ones, then each member list's, de-duplicated by
	// user id, keeping the first.
	SubscribersRemoved []Subscriber
	Pos                Pos
}

// Address returns the group's address: group/<community handle>/<key>, or
// group/<community_id>/<key> in a community the spec does not manage.
func (g *Group) Address() string {
	if g.Community == "" {
		return GroupAddress(g.CommunityID, g.Key)
	}
	return GroupAddress(g.Community, g.Key)
}

// Video is the group's recorded_video, sent only at creation.
type Video struct {
	MessageID              string `json:"message_id,omitempty"`
	VideoName              string `json:"video_name,omitempty"`
	ThumbnailName          string `json:"thumbnail_name,omitempty"`
	VideoPath              string `json:"video_path,omitempty"`
	ThumbnailPath          string `json:"thumbnail_path,omitempty"`
	IsAIGeneratedVideo     bool   `json:"is_ai_generated_video,omitempty"`
	IsAIGeneratedThumbnail bool   `json:"is_ai_generated_thumbnail,omitempty"`
	Link                   string `json:"link,omitempty"`
	Size                   string `json:"size,omitempty"`
	Duration               int    `json:"duration,omitempty"`
	AspectRatio            string `json:"aspect_ratio,omitempty"`
	Resolution             string `json:"resolution,omitempty"`
	DescriptionText        string `json:"description_text,omitempty"`
	DescriptionData        string `json:"description_data,omitempty"`
	Topic                  string `json:"topic,omitempty"`
}

// Member is one member identity: exactly one of UserID or Phone is set.
// Phone is normalised to the API's form: country code and digits, no '+'.
type Member struct {
	UserID string
	Phone  string
	Pos    Pos
	// identity is Identity, set by Load: UserID or Phone is the end of it,
	// so the member costs one string. Empty in a Member made elsewhere.
	identity string
}

// The prefixes of member identities.
const (
	userPrefix  = "user:"
	phonePrefix = "phone:"
)

// Subscriber is a user a group's subscribers_removed names: by user_id
// (subscribers_removed takes member ids, and a user's member id is their
// user id), written inline or in a member list.
type Subscriber struct {
	UserID string
	// AlsoMember says that the user may also be a member of the group, on
	// purpose (also_member: true).
	AlsoMember bool
	// Pos is where the user is written: the item of subscribers_removed,
	// or the member in its member list.
	Pos Pos
}

// Identity is the subscriber's identity string, "user:<id>", as member
// identities are written.
func (s Subscriber) Identity() string { return userPrefix + s.UserID }

// Identity is the member's stable identity string, "user:<id>" or
// "phone:<digits>", used as the key of member records in the lockfile.
// For a member Load returned it costs nothing: Load made it.
func (m Member) Identity() string {
	if m.UserID != "" {
		return identityOf(m.identity, userPrefix, m.UserID)
	}
	return identityOf(m.identity, phonePrefix, m.Phone)
}

// identityOf is prefix+id: made when made is that, as it is in a member
// Load made; otherwise (a Member made or changed elsewhere) built anew.
func identityOf(made, prefix, id string) string {
	if len(made) == len(prefix)+len(id) && made[len(prefix):] == id && made[:len(prefix)] == prefix {
		return made
	}
	return prefix + id
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
