package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSpecRoot: the directory -f names, a file's directory, the deepest
// common ancestor of several; relative when every path is.
func TestSpecRoot(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, d := range []string{"a/b", "a/c/d"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile("a/b/x.yaml", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "a", "c")
	tests := []struct {
		paths []string
		want  string
	}{
		{[]string{"."}, "."},
		{[]string{"a/b"}, filepath.Join("a", "b")},
		{[]string{"a/b/x.yaml"}, filepath.Join("a", "b")},
		{[]string{"a/b/x.yaml", "a/c/d"}, "a"},
		{[]string{"a/b", "."}, "."},
		{[]string{abs + "/d", abs}, abs},
		{[]string{"a/b", abs}, filepath.Join(dir, "a")},
	}
	for _, tt := range tests {
		o := specOptions{paths: tt.paths}
		if got := o.root(); got != tt.want {
			t.Errorf("root(%q) = %q, want %q", tt.paths, got, tt.want)
		}
	}
}
