package spec

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestGenerators(t *testing.T) {
	d, err := Load([]string{filepath.Join("testdata", "generators")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"group/genuin/blr-music", "group/genuin/blr-sports",
		"group/genuin/nyc-music", "group/genuin/nyc-sports",
		"group/genuin/plain-1", "group/genuin/plain-2",
	}
	if got := d.GroupAddresses(); !reflect.DeepEqual(got, want) {
		t.Fatalf("groups = %q, want %q", got, want)
	}
	csv := filepath.Join("testdata", "generators", "cities.csv")
	spec := filepath.Join("testdata", "generators", "spec.yaml")
	g := d.Groups["group/genuin/nyc-music"]
	wantG := &Group{
		Key: "nyc-music", Community: "genuin", Name: "New York music",
		Description: "music in New York", Tags: []string{"music", "new-york"},
		Topics: []int{1}, Type: 4,
		Members: made(
			Member{Phone: "919876543210", Pos: Pos{csv, 2, 1}},
			Member{UserID: "b12f13af-ef5a-4906-b0a0-2995e106200d", Pos: Pos{spec, 8, 9}},
		),
		Pos: Pos{csv, 2, 1},
	}
	if !reflect.DeepEqual(g, wantG) {
		t.Errorf("group =\n%+v\nwant\n%+v", g, wantG)
	}
	if pos := d.Groups["group/genuin/plain-2"].Pos; pos != (Pos{spec, 24, 5}) {
		t.Errorf("a group generated from lists only is at %s, want the generator's position", pos)
	}
}

func TestGeneratorRows(t *testing.T) {
	gen := &generator{vars: []matrixVar{
		{name: "a", values: []matrixValue{{value: "1"}, {value: "2"}}},
		{name: "b", values: []matrixValue{{value: "x"}, {value: "y"}, {value: "z"}}},
	}}
	var got []string
	for i := range 6 {
		row := gen.row(i)
		got = append(got, row[0].value.(string)+row[1].value.(string))
	}
	if want := []string{"1x", "1y", "1z", "2x", "2y", "2z"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
}

func TestGeneratorErrors(t *testing.T) {
	const head = "version: 1\ncommunities: [{handle: c, name: C}]\ngenerators:\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"missing column, at the first row", map[string]string{
			"a.yaml":     head + "  - {name: g, matrix: {city: {csv: cities.csv}}, group: {key: '{{.city.slg}}', community: c, name: x}}\n",
			"cities.csv": "slug\nnyc\nblr\n",
		}, []string{`cities.csv:2:1: generator/g: template "{{.city.slg}}": no variable or column "slg" (did you mean "slug"?)`}},
		{"key collision names both rows", map[string]string{
			"a.yaml":     head + "  - {name: g, matrix: {city: {csv: cities.csv}}, group: {key: '{{.city.slug}}', community: c, name: x}}\n",
			"cities.csv": "slug\nnyc\nblr\nnyc\n",
		}, []string{`cities.csv:4:1: group/c/nyc: defined twice: also at cities.csv:2:1`}},
		{"too many groups", map[string]string{
			"a.yaml": head + "  - {name: g, matrix: {a: {csv: n.csv}, b: {csv: n.csv}}, group: {key: 'k{{.a.n}}-{{.b.n}}', community: c, name: x}}\n",
			"n.csv":  "n\n" + strings.Repeat("1\n", 400),
		}, []string{`a.yaml:4:5: generator/g: the matrix makes more than 100000 groups`}},
		{"bad CSV row", map[string]string{
			"a.yaml":     head + "  - {name: g, matrix: {city: {csv: cities.csv}}, group: {key: '{{.city.slug}}', community: c, name: x}}\n",
			"cities.csv": "slug,name\nnyc\n",
		}, []string{`cities.csv:2:1: generator/g: invalid CSV: wrong number of fields`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			writeFiles(t, tt.files)
			if got := errorLines(t, "a.yaml"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"New York": "new-york", "  São Paulo!! ": "s-o-paulo", "a--b": "a-b", "": "", "ABC123": "abc123",
	}
	for in, want := range tests {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
