package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary file contents to Load: it must never panic, and
// every diagnostic must carry a position in the file.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"good", "bad", "subscribers"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "spec.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := Load([]string{path})
		if err == nil {
			if d == nil || d.Communities == nil || d.Groups == nil {
				t.Fatalf("Load succeeded with %+v", d)
			}
			return
		}
		ds := Diagnostics(err)
		if len(ds) == 0 {
			t.Fatalf("error without diagnostics: %v", err)
		}
		for _, d := range ds {
			if d.Pos.File != path || d.Pos.Line < 1 || d.Message == "" {
				t.Fatalf("diagnostic without a position or message: %#v", d)
			}
		}
	})
}
