package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/genuin/genuinctl/internal/regfile"
)

// MaxFileSize is the largest file Load reads: a spec file, a member list
// file or a CSV file. A CSV list of a million members is about 40 MB.
const MaxFileSize = 64 << 20

// refusal is why Load will not read a file, worded to follow "is".
type refusal = regfile.Refusal

// specRoots are the directories that confine the files a spec names: each
// path given to Load (a directory itself, a file its directory), absolute,
// with symlinks resolved. A file is inside when it is inside one of them:
// giving two unrelated paths never widens what a spec may read to a
// common ancestor such as /. With none (no path exists), nothing is inside.
type specRoots []string

// rootsOf returns the spec roots of the paths given to Load.
func rootsOf(paths []string) specRoots {
	var roots specRoots
	for _, p := range paths {
		dir, err := realDir(p)
		if err != nil || leavesItsDirectory(p, dir) {
			continue // reported when the files are listed, or read
		}
		if !roots.contains(dir) {
			roots = append(roots, dir)
		}
	}
	return roots
}

// leavesItsDirectory reports whether path, given to Load, is a symlink to
// a directory (dir, resolved) outside the directory holding the link: as
// "-f spec/*" passes a committed spec/evil -> ../.. . Such a directory is
// no root, so every file below it is refused as outside.
func leavesItsDirectory(path, dir string) bool {
	info, err := os.Lstat(filepath.Clean(path))
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return false
	}
	parent, err := realDir(filepath.Dir(filepath.Clean(path)))
	return err != nil || !within(parent, dir)
}

// realDir is the directory a path given to Load stands for: the path
// itself or, for a file, its directory; absolute, symlinks resolved. For a
// symlink to a file, that is the directory holding the link, not its
// target's, so that the link cannot make its own target's directory a root.
func realDir(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !info.IsDir() {
		path = filepath.Dir(path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// within reports whether path is dir or below it; both are absolute and
// clean. A path that starts with dir and a separator is below it, which
// is quicker to see than its path relative to dir.
func within(dir, path string) bool {
	if rest, ok := strings.CutPrefix(path, dir); ok && (rest == "" || rest[0] == filepath.Separator) {
		return true
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolve returns the real path of file (absolute, symlinks resolved) if
// it is inside a root, or else an error: a refusal, or the reason it
// cannot be resolved. A path outside is refused whether or not it exists,
// so that a spec cannot probe the file system.
func (r specRoots) resolve(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if r.contains(abs) {
			return "", err
		}
		real = abs
	}
	if !r.contains(real) {
		return "", refusal(fmt.Sprintf("outside the spec root %s: only files inside the directories given are read", r))
	}
	return real, nil
}

// confinement resolves the files of one Load within its roots as
// specRoots.resolve does, but each directory once: a spec naming 20,000
// CSV files in one directory resolves that directory once, and then only
// checks that each file's own name is no symlink. It makes paths absolute
// with the working directory Load started in, rather than asking the
// system each time (os.Getwd stats "." and $PWD). Its methods are safe for
// concurrent use.
type confinement struct {
	roots specRoots
	wd    string // the working directory; "" to leave it to filepath.Abs
	mu    sync.Mutex
	dirs  map[string]string // a directory (absolute, clean) → its real path
}

func newConfinement(roots specRoots) *confinement {
	c := &confinement{roots: roots, dirs: map[string]string{}}
	if runtime.GOOS != "windows" { // where Abs knows more than Join
		c.wd, _ = os.Getwd()
	}
	return c
}

// abs is filepath.Abs(path), with the working directory Load started in.
func (c *confinement) abs(path string) (string, error) {
	if c.wd == "" || filepath.IsAbs(path) {
		return filepath.Abs(path)
	}
	return filepath.Join(c.wd, path), nil
}

// absPath is the absolute form of path, or path itself if it has none.
func (c *confinement) absPath(path string) string {
	if abs, err := c.abs(path); err == nil {
		return abs
	}
	return path
}

// resolve is specRoots.resolve. When the directory of file resolves and
// file's last element is there and no symlink, the real path is the
// directory's joined with that element, which is all EvalSymlinks would
// find; any other case (a symlink, a missing file or directory) is left
// to specRoots.resolve. It also returns the Lstat of the real path when
// it took one (nil otherwise), so that reading the file needs no Stat of
// its own.
func (c *confinement) resolve(file string) (string, fs.FileInfo, error) {
	abs, err := c.abs(file)
	if err != nil {
		return "", nil, err
	}
	dir, name := filepath.Split(abs)
	if real, ok := c.realDir(dir); ok {
		path := filepath.Join(real, name)
		if info, err := os.Lstat(path); err == nil && info.Mode()&fs.ModeSymlink == 0 && c.roots.contains(path) {
			return path, info, nil
		}
	}
	real, err := c.roots.resolve(abs)
	return real, nil, err
}

// realDir is the real path of dir, resolved once per Load; false when it
// cannot be resolved.
func (c *confinement) realDir(dir string) (string, bool) {
	c.mu.Lock()
	real, ok := c.dirs[dir]
	c.mu.Unlock()
	if ok {
		return real, true
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", false
	}
	c.mu.Lock()
	c.dirs[dir] = real
	c.mu.Unlock()
	return real, true
}

// contains reports whether path, absolute and clean, is inside a root.
func (r specRoots) contains(path string) bool {
	return slices.ContainsFunc(r, func(root string) bool { return within(root, path) })
}

// String names the roots, for messages.
func (r specRoots) String() string {
	if len(r) == 0 {
		return "(none: no path given exists)"
	}
	return strings.Join(r, ", ")
}

// readRegular reads a regular file of at most MaxFileSize bytes; see
// regfile for what it refuses and why.
func readRegular(file string) ([]byte, error) {
	return regfile.Read(file, MaxFileSize)
}

// readResolved reads a file confinement.resolve resolved, with the Lstat it took
// if any.
func readResolved(real string, info fs.FileInfo) ([]byte, error) {
	if info == nil {
		return readRegular(real)
	}
	return regfile.ReadStat(real, info, MaxFileSize)
}
