package spec

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// specFile is a YAML file to read: a path given to Load (explicit), or a
// file found below a directory given, which is a spec file only if its
// content says so (see isSpec).
type specFile struct {
	path     string
	explicit bool
	// from is the index of the path given to Load that listed it.
	from int
}

// specFiles expands the paths given to Load into the YAML files to read, in
// order: a file as given, a directory as every *.yaml and *.yml below it,
// sorted, leaving out what a directory holds that is not a spec's (see
// filesBelow). Each file is named by the path as given joined with its
// path below it. A file reached twice (by its absolute path, as root makes
// it) is read once, as given if it is given. The testdata directories left
// out are returned, for the note.
func specFiles(paths []string, root *confinement, ds *diagnostics) (files []specFile, testdata []string) {
	seen := map[string]int{}
	for i, p := range paths {
		found, skipped, err := filesBelow(p)
		testdata = append(testdata, skipped...)
		if err != nil {
			ds.add(Pos{File: p}, "", "%v", unwrapPathError(err))
			continue
		}
		if len(found) == 0 {
			ds.add(Pos{File: p}, "", "no *.yaml or *.yml files found")
			continue
		}
		for _, f := range found {
			f.from = i
			abs := root.absPath(f.path)
			if j, ok := seen[abs]; ok {
				files[j].explicit = files[j].explicit || f.explicit
				continue
			}
			seen[abs] = len(files)
			files = append(files, f)
		}
	}
	return files, testdata
}

// filesBelow lists the YAML files of one path given to Load: the path
// itself if it is a file, or the *.yaml and *.yml files below a directory,
// leaving out, below it, every file and directory whose name starts with
// '.' (hidden: .git, .github, .pre-commit-config.yaml) and every directory
// named testdata (Go's convention for test fixtures), which it returns.
// The directory given is read whatever its name. Below a directory, a
// symlink or anything else that is not a directory is listed by its name,
// and checked when it is read.
func filesBelow(root string) (files []specFile, testdata []string, err error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, nil, err
	}
	if !info.IsDir() {
		return []specFile{{path: root, explicit: true}}, nil, nil
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == root {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				testdata = append(testdata, path)
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
	return files, testdata, err
}

// read reads a spec file, reporting at the file why it cannot. A file found
// below a directory must resolve inside the root, and so must a symlink
// given: a shell glob such as "spec/*.yaml" passes the symlinks committed
// there, which must not lead a spec out of its root. A regular file given
// is the user's choice. Either must be a regular file no larger than
// MaxFileSize.
func (f specFile) read(root *confinement, ds *diagnostics) ([]byte, bool) {
	path := f.path
	var info fs.FileInfo
	if !f.explicit || isSymlink(path) {
		real, stat, err := root.resolve(path)
		if err != nil {
			ds.add(Pos{File: f.path}, "", "%v", unwrapPathError(err))
			return nil, false
		}
		path, info = real, stat
	}
	data, err := readResolved(path, info)
	if err != nil {
		ds.add(Pos{File: f.path}, "", "%v", unwrapPathError(err))
		return nil, false
	}
	return data, true
}

// isSymlink reports whether path itself (not a directory above it) is a
// symbolic link.
func isSymlink(path string) bool {
	info, err := os.Lstat(path)
	return err == nil && info.Mode()&fs.ModeSymlink != 0
}

// unwrapPathError drops the operation and path from an *fs.PathError, since
// the diagnostic already names the path: "no such file or directory".
func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
