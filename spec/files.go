package spec

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// specFiles expands the paths given to Load into the spec files to read, in
// order: a file as given, a directory as every *.yaml and *.yml below it,
// sorted, skipping directories whose name starts with '.'. Each file is
// named by the path as given joined with its path below it. A file reached
// twice is read once.
func specFiles(paths []string, ds *diagnostics) []string {
	var files []string
	seen := map[string]bool{}
	for _, p := range paths {
		found, err := filesBelow(p)
		if err != nil {
			ds.add(Pos{File: p}, "", "%v", unwrapPathError(err))
			continue
		}
		if len(found) == 0 {
			ds.add(Pos{File: p}, "", "no *.yaml or *.yml files found")
			continue
		}
		for _, f := range found {
			if abs := absPath(f); !seen[abs] {
				seen[abs] = true
				files = append(files, f)
			}
		}
	}
	return files
}

func filesBelow(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{root}, nil
	}
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			files = append(files, path)
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

// unwrapPathError drops the operation and path from an *fs.PathError, since
// the diagnostic already names the path: "no such file or directory".
func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
