package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Seed is the world the sandbox starts from: what the real platform would
// already hold before a client's first call. It is read from JSON with the
// field names below; DefaultSeed holds every id the docs' examples use.
type Seed struct {
	Brand       Brand       `json:"brand"`
	Users       []User      `json:"users"`
	Categories  []Category  `json:"categories"`
	Videos      []Video     `json:"videos"`
	Templates   []Template  `json:"templates"`
	APIKeys     []APIKey    `json:"api_keys"`
	Tokens      []Token     `json:"tokens"`
	Communities []Community `json:"communities"`
}

// Seeded ids a test may rely on.
const (
	// DefaultToken is the bearer token DefaultSeed accepts, owned by the
	// brand system user.
	DefaultToken = "sandbox-token"
	// DefaultAPIKey and DefaultAPISecret exchange for DefaultToken at
	// POST /api/thirdparty/auth.
	DefaultAPIKey    = "sandbox-key"
	DefaultAPISecret = "sandbox-secret"
	// BrandUserID is the brand system user: leader of every community and
	// role-1 member of every group the default token creates.
	BrandUserID = "0bf977ed-4887-4056-a8f4-1f0de71101f1"
	// UserOnlyToken is owned by an ordinary (non-brand) user; community
	// create refuses it with 412/5166.
	UserOnlyToken = "sandbox-user-token"
)

// DefaultSeed returns the built-in seed. Each call returns a fresh copy.
func DefaultSeed() *Seed {
	return &Seed{
		Brand: Brand{BrandID: 1, BrandSlug: "sandbox-brand"},
		Users: []User{
			{UserID: BrandUserID, Name: "Sandbox Brand", Username: "sandbox_brand", Nickname: "sandbox",
				Bio: "Brand system user", Phone: "91333333333333", IsBrandSystemUser: true},
			{UserID: "b12f13af-ef5a-4906-b0a0-2995e106200d", Name: "Bea Example", Username: "bea", Phone: "919812345678"},
			{UserID: "abcd1234-5678-90ef-1112-234567890111", Name: "Tech Leader", Username: "tech_leader", Phone: "919812345679"},
			{UserID: "345e1234-5678-90ef-2345-678912341234", Name: "Mentioned User", Username: "mentioned"},
			{UserID: "11111111-1111-4111-8111-111111111111", Name: "Ada One", Username: "ada", Phone: "919800000001"},
			{UserID: "22222222-2222-4222-8222-222222222222", Name: "Bo Two", Username: "bo", Phone: "919800000002"},
			{UserID: "33333333-3333-4333-8333-333333333333", Name: "Cy Three", Username: "cy"},
			{UserID: "44444444-4444-4444-8444-444444444444", Name: "Di Four", Username: "di"},
			{UserID: "55555555-5555-4555-8555-555555555555", Name: "Ed Five", Username: "ed"},
		},
		Categories: []Category{
			{ID: 1, Name: "Technology"}, {ID: 2, Name: "Lifestyle"}, {ID: 3, Name: "Sports"},
			{ID: 4, Name: "Music"}, {ID: 5, Name: "Education"},
		},
		Videos: []Video{
			{VideoName: "abcd1234-5678-90ef-1112-234567890111_video.mp4", VideoPath: "trends_videos/2024/5/6/creative"},
			{VideoName: "sandbox_welcome.mp4", VideoPath: "trends_videos/sandbox"},
		},
		Templates: []Template{{ID: 1, Name: "Default"}, {ID: 2, Name: "Discussion"}, {ID: 3, Name: "Q&A"}},
		APIKeys:   []APIKey{{Key: DefaultAPIKey, Secret: DefaultAPISecret, Token: DefaultToken}},
		Tokens: []Token{
			{Token: DefaultToken, UserID: BrandUserID},
			{Token: UserOnlyToken, UserID: "55555555-5555-4555-8555-555555555555"},
		},
		Communities: []Community{{
			CommunityID: "f2a05adb-93ce-4a19-b003-3523fa745667",
			Handle:      "tech_community",
			Name:        "Tech World",
			Description: "A hub for all things technology. #TechWorld #TechCommunity",
			Categories:  []int{1},
			ColorCode:   "#FF5733", TextColorCode: "#C70039",
			LeaderID: BrandUserID,
		}},
	}
}

// LoadSeed reads a seed from a JSON file. Unknown fields are refused so a
// typo does not silently seed nothing. The file must be a regular file (a
// symbolic link to one is fine) of at most 64 MiB: a device, FIFO or
// directory is refused before it is read.
func LoadSeed(path string) (*Seed, error) {
	b, err := readRegular(path, "seed", maxSeedFileSize)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	return &s, nil
}

// validate checks that every reference in the seed resolves.
func (s *Seed) validate() error {
	users := map[string]bool{}
	for _, u := range s.Users {
		if u.UserID == "" {
			return fmt.Errorf("a user has no user_id")
		}
		if users[u.UserID] {
			return fmt.Errorf("user %s seeded twice", u.UserID)
		}
		users[u.UserID] = true
	}
	tokens := map[string]bool{}
	for _, t := range s.Tokens {
		if t.Token == "" || !users[t.UserID] {
			return fmt.Errorf("token for user %q: empty token or unknown user", t.UserID)
		}
		tokens[t.Token] = true
	}
	for _, k := range s.APIKeys {
		if k.Key == "" || !tokens[k.Token] {
			return fmt.Errorf("api key %q: empty key or token not in tokens", k.Key)
		}
	}
	for _, c := range s.Communities {
		if c.CommunityID == "" || c.Handle == "" || c.Name == "" {
			return fmt.Errorf("community %q needs community_id, handle and name", c.Handle)
		}
		if !users[c.LeaderID] {
			return fmt.Errorf("community %s: leader_id %q is not a seeded user", c.Handle, c.LeaderID)
		}
	}
	return nil
}
