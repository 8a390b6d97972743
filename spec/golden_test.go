package spec

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/bad")

// TestBadSpecs loads each spec under testdata/bad, a file or a directory
// with one mistake (many.yaml has many), and compares the errors printed
// with its .golden file.
func TestBadSpecs(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "bad"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".golden" {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".yaml")
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "bad", e.Name())
			_, err := Load([]string{path})
			if err == nil {
				t.Fatalf("Load(%s) succeeded", path)
			}
			for _, d := range Diagnostics(err) {
				if d.Pos.File == "" || d.Pos.Line == 0 {
					t.Errorf("diagnostic without a position: %v", d)
				}
			}
			got := filepath.ToSlash(err.Error()) + "\n"
			golden := filepath.Join("testdata", "bad", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./spec -update)", err)
			}
			if got != string(want) {
				t.Errorf("errors of %s:\n%s\nwant (%s):\n%s", path, got, golden, want)
			}
		})
	}
}
