package spec

import "testing"

func TestDidYouMean(t *testing.T) {
	keys := []string{"name", "description", "tags", "topics", "members", "member_lists"}
	tests := []struct{ word, want string }{
		{"nmae", ` (did you mean "name"?)`},
		{"descripton", ` (did you mean "description"?)`},
		{"desc", ` (did you mean "description"?)`},
		{"tag", ` (did you mean "tags"?)`},
		{"member", ` (did you mean "members"?)`},
		{"colour", ""},
		{"members_list", ` (did you mean "member_lists"?)`},
		{"phone_number", ""},
		{"x", ""},
		{"name", ""},
	}
	for _, tt := range tests {
		if got := didYouMean(tt.word, keys); got != tt.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"name", "nmae", 2}, {"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
