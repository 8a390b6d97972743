package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// store is the platform's state. It is not safe for concurrent use: the
// Server serialises every access with its mutex.
type store struct {
	// instance identifies this world; see Server.Instance.
	instance string
	brand    Brand

	users     []*User
	userByID  map[string]*User
	userByTel map[string]*User

	categories   []Category
	categoryByID map[int]int // id -> index in categories
	nextCategory int

	videos    []Video
	templates []Template
	apiKeys   []APIKey
	tokens    []Token

	communities     []*Community
	communityByID   map[string]*Community
	communityByName map[string]*Community // lower-cased handle

	groups    []*Group
	groupByID map[string]*Group
}

func newStore() *store {
	return &store{
		instance:        newUUID(),
		userByID:        map[string]*User{},
		userByTel:       map[string]*User{},
		categoryByID:    map[int]int{},
		nextCategory:    1,
		communityByID:   map[string]*Community{},
		communityByName: map[string]*Community{},
		groupByID:       map[string]*Group{},
	}
}

// merge adds everything in seed the store does not hold yet; it never
// overwrites state a client created.
func (st *store) merge(seed *Seed, now time.Time) {
	if st.brand == (Brand{}) {
		st.brand = seed.Brand
	}
	for _, u := range seed.Users {
		if st.userByID[u.UserID] == nil {
			u := u
			st.addUser(&u)
		}
	}
	for _, c := range seed.Categories {
		if _, ok := st.categoryByID[c.ID]; !ok {
			st.addCategory(c)
		}
	}
	for _, v := range seed.Videos {
		if _, ok := st.video(v.VideoName); !ok {
			st.videos = append(st.videos, v)
		}
	}
	for _, t := range seed.Templates {
		if !st.hasTemplate(t.ID) {
			st.templates = append(st.templates, t)
		}
	}
	for _, k := range seed.APIKeys {
		if _, ok := st.apiKey(k.Key); !ok {
			st.apiKeys = append(st.apiKeys, k)
		}
	}
	for _, t := range seed.Tokens {
		if st.tokenOwner(t.Token) == nil {
			st.tokens = append(st.tokens, t)
		}
	}
	for _, c := range seed.Communities {
		if st.communityByID[c.CommunityID] != nil || st.communityByName[strings.ToLower(c.Handle)] != nil {
			continue
		}
		c := c
		if c.ColorCode == "" {
			c.ColorCode, c.TextColorCode = colors(c.CommunityID)
		}
		if c.ShareURL == "" {
			c.ShareURL = communityShareURL(c.Handle)
		}
		if c.Categories == nil {
			c.Categories = []int{}
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		if len(c.Members) == 0 {
			c.Members = []Member{st.member(st.userByID[c.LeaderID], roleOwner)}
		}
		st.addCommunity(&c)
	}
}

func (st *store) addUser(u *User) {
	st.users = append(st.users, u)
	st.userByID[u.UserID] = u
	if u.Phone != "" && st.userByTel[u.Phone] == nil {
		st.userByTel[u.Phone] = u
	}
}

func (st *store) addCategory(c Category) {
	st.categoryByID[c.ID] = len(st.categories)
	st.categories = append(st.categories, c)
	if c.ID >= st.nextCategory {
		st.nextCategory = c.ID + 1
	}
}

// categoryNamed returns the id of the category with this name (case
// insensitive), creating it when there is none.
func (st *store) categoryNamed(name string) int {
	for _, c := range st.categories {
		if strings.EqualFold(c.Name, name) {
			return c.ID
		}
	}
	c := Category{ID: st.nextCategory, Name: name}
	st.addCategory(c)
	return c.ID
}

func (st *store) addCommunity(c *Community) {
	st.communities = append(st.communities, c)
	st.communityByID[c.CommunityID] = c
	st.communityByName[strings.ToLower(c.Handle)] = c
}

func (st *store) addGroup(g *Group) {
	st.groups = append(st.groups, g)
	st.groupByID[g.ChatID] = g
}

func (st *store) video(name string) (Video, bool) {
	for _, v := range st.videos {
		if v.VideoName == name {
			return v, true
		}
	}
	return Video{}, false
}

func (st *store) hasTemplate(id int) bool {
	for _, t := range st.templates {
		if t.ID == id {
			return true
		}
	}
	return false
}

func (st *store) apiKey(key string) (APIKey, bool) {
	for _, k := range st.apiKeys {
		if k.Key == key {
			return k, true
		}
	}
	return APIKey{}, false
}

// tokenOwner returns the user a token acts as, or nil for an unknown token.
func (st *store) tokenOwner(token string) *User {
	for _, t := range st.tokens {
		if t.Token == token {
			return st.userByID[t.UserID]
		}
	}
	return nil
}

// brandUser is the first brand system user: the owner of extra tokens
// given in Config.Tokens.
func (st *store) brandUser() *User {
	for _, u := range st.users {
		if u.IsBrandSystemUser {
			return u
		}
	}
	return nil
}

// Member roles and statuses (research-notes §5: the creator comes back as
// status 1 role 1, an added member as status 2 role 2).
const (
	roleOwner    = 1
	roleMember   = 2
	statusActive = 1
	statusAdded  = 2
)

// member builds a membership for u with role; owners are active, added
// members have status 2.
func (st *store) member(u *User, role int) Member {
	status := statusAdded
	if role == roleOwner {
		status = statusActive
	}
	return Member{MemberID: u.UserID, UserID: u.UserID, Phone: u.Phone, Role: role, Status: status}
}

// avatarFor returns the user with this phone, creating an avatar user with
// a fresh id when there is none. created reports whether it was new.
func (st *store) avatarFor(phone string) (u *User, created bool) {
	if u := st.userByTel[phone]; u != nil {
		return u, false
	}
	id := newUUID()
	u = &User{UserID: id, Phone: phone, Username: "user_" + id[:8], IsAvatar: true, ProfileImage: avatarImage(id)}
	st.addUser(u)
	return u, true
}

var avatarImages = []string{"alien", "sloth", "panda", "owl", "fox", "koala", "otter", "robot"}

func avatarImage(id string) string { return avatarImages[hashOf(id)%uint32(len(avatarImages))] }

var palette = [][2]string{
	{"#A4E6DA", "#49CDB5"}, {"#FF5733", "#C70039"}, {"#FFD166", "#B8860B"},
	{"#B5A8FF", "#5A43E0"}, {"#9AD0F5", "#1F77B4"}, {"#F7A8C8", "#C2185B"},
}

// colors picks a colour pair deterministically from an id.
func colors(id string) (color, text string) {
	p := palette[hashOf(id)%uint32(len(palette))]
	return p[0], p[1]
}

func hashOf(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// shareHost is the host of every URL the sandbox invents.
const shareHost = "http://sandbox.local"

func communityShareURL(handle string) string { return shareHost + "/community/" + handle }

func groupShareURL() string { return shareHost + "/l/" + randomHex(8) }

// mediaURL turns a file name from a request into the CDN URL a response
// carries; "" stays "".
func mediaURL(kind, name string) string {
	if name == "" {
		return ""
	}
	return shareHost + "/media/uploads/" + kind + "/" + name
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// isUUID reports whether s has the 8-4-4-4-12 hex shape of a UUID. The
// docs' own ids are not all version 4, so no version is checked.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}
