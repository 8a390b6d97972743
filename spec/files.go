package spec

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// specFile is a spec file to read: a path given to Load (explicit), or a
// file found below a directory given.
type specFile struct {
	path     string
	explicit bool
}

// specFiles expands the paths given to Load into the spec files to read, in
// order: a file as given, a directory as every *.yaml and *.yml below it,
// sorted, skipping directories whose name starts with '.'. Each file is
// named by the path as given joined with its path below it. A file reached
// twice is read once.
func specFiles(paths []string, ds *diagnostics) []specFile {
	var files []specFile
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
			if abs := absPath(f.path); !seen[abs] {
				seen[abs] = true
				files = append(files, f)
			}
		}
	}
	return files
}

// filesBelow lists the spec files of one path given to Load. Below a
// directory, a symlink or anything else that is not a directory is listed
// by its name, and checked when it is read.
func filesBelow(root string) ([]specFile, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []specFile{{path: root, explicit: true}}, nil
	}
	var files []specFile
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
			files = append(files, specFile{path: path})
		}
		return nil
	})
	slices.SortFunc(files, func(a, b specFile) int { return strings.Compare(a.path, b.path) })
	return files, err
}

// read reads a spec file, reporting at the file why it cannot. A file found
// below a directory must resolve inside the root; one given is the user's
// choice. Either must be a regular file no larger than MaxFileSize.
func (f specFile) read(root specRoots, ds *diagnostics) ([]byte, bool) {
	path := f.path
	if !f.explicit {
		real, err := root.resolve(path)
		if err != nil {
			ds.add(Pos{File: f.path}, "", "%v", unwrapPathError(err))
			return nil, false
		}
		path = real
	}
	data, err := readRegular(path)
	if err != nil {
		ds.add(Pos{File: f.path}, "", "%v", unwrapPathError(err))
		return nil, false
	}
	return data, true
}

// unwrapPathError drops the operation and path from an *fs.PathError, since
// the diagnostic already names the path: "no such file or directory".
func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
