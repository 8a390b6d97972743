package spec

import (
	"path/filepath"
	"testing"
)

// seededUsers are the user ids the sandbox knows; examples use no others.
var seededUsers = map[string]bool{
	"b12f13af-ef5a-4906-b0a0-2995e106200d": true,
	"abcd1234-5678-90ef-1112-234567890111": true,
	"345e1234-5678-90ef-2345-678912341234": true,
}

func TestExamples(t *testing.T) {
	tests := []struct {
		dir       string
		minGroups int
	}{
		{"quickstart", 2},
		{"gitops", 4},
		{"campaign", 500},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			d, err := Load([]string{filepath.Join("..", "examples", tt.dir)})
			if err != nil {
				t.Fatal(err)
			}
			if d.Skipped != nil {
				t.Errorf("skipped %v: every YAML file of an example is a spec or member list file", d.Skipped)
			}
			if len(d.Groups) < tt.minGroups {
				t.Errorf("%d groups, want at least %d", len(d.Groups), tt.minGroups)
			}
			for addr, g := range d.Groups {
				if len(g.Members) == 0 {
					t.Errorf("%s has no members", addr)
				}
				for _, m := range g.Members {
					if m.UserID != "" && !seededUsers[m.UserID] {
						t.Errorf("%s: user %s is not seeded in the sandbox", addr, m.UserID)
					}
				}
			}
		})
	}
}

func BenchmarkLoadCampaign(b *testing.B) {
	for b.Loop() {
		if _, err := Load([]string{filepath.Join("..", "examples", "campaign")}); err != nil {
			b.Fatal(err)
		}
	}
}
