package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestExpandRoundTrip checks that an expanded spec loads back to the same
// Desired, positions aside, and expands to the same bytes.
func TestExpandRoundTrip(t *testing.T) {
	for _, dir := range []string{
		filepath.Join("testdata", "good"),
		filepath.Join("testdata", "memberlists"),
		filepath.Join("testdata", "generators"),
		filepath.Join("testdata", "edge"),
		filepath.Join("testdata", "subscribers"),
		filepath.Join("..", "examples", "quickstart"),
		filepath.Join("..", "examples", "gitops"),
		filepath.Join("..", "examples", "campaign"),
	} {
		t.Run(dir, func(t *testing.T) {
			want, err := Load([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			expanded, err := Expand(want)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "expanded.yaml")
			if err := os.WriteFile(file, expanded, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Load([]string{file})
			if err != nil {
				t.Fatalf("%v\nexpanded:\n%s", err, expanded)
			}
			if again, err := Expand(got); err != nil || string(again) != string(expanded) {
				t.Errorf("expanding again gives something else (%v)", err)
			}
			withoutPositions(want)
			withoutPositions(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("loaded back:\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// withoutPositions zeroes every Pos in d.
func withoutPositions(d *Desired) {
	for _, c := range d.Communities {
		c.Pos = Pos{}
	}
	for _, g := range d.Groups {
		g.Pos = Pos{}
		members := make([]Member, len(g.Members))
		for i, m := range g.Members {
			members[i] = Member{UserID: m.UserID, Phone: m.Phone}
		}
		if g.Members == nil {
			members = nil
		}
		g.Members = members
		for i := range g.SubscribersRemoved {
			g.SubscribersRemoved[i].Pos = Pos{}
		}
	}
}
