package spec

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MaxFileSize is the largest file Load reads: a spec file, a member list
// file or a CSV file. A CSV list of a million members is about 40 MB.
const MaxFileSize = 64 << 20

// refusal is why Load will not read a file, worded to follow "is".
type refusal string

func (r refusal) Error() string { return string(r) }

// errReplaced refuses a file that is not the one its Stat described.
var errReplaced = refusal("replaced while being opened")

// tooLarge refuses a file larger than limit bytes, a number of MiB.
func tooLarge(limit int64) refusal {
	return refusal(fmt.Sprintf("larger than the %d MiB limit", limit>>20))
}

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
// clean.
func within(dir, path string) bool {
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

// readRegular reads a regular file of at most MaxFileSize bytes. Anything
// else (a directory, a named pipe, a device, a socket) is refused before it
// is opened, and again if it was swapped in between: it is opened in a way
// that cannot block, and checked to be the file first seen.
func readRegular(file string) ([]byte, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(info); err != nil {
		return nil, err
	}
	f, err := openNonBlocking(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(info, opened) || checkRegular(opened) != nil {
		return nil, errReplaced
	}
	return readCapped(f, opened.Size(), MaxFileSize)
}

// checkRegular refuses a file that is not regular or is too large.
func checkRegular(info fs.FileInfo) error {
	mode := info.Mode()
	switch {
	case mode.IsRegular() && info.Size() > MaxFileSize:
		return tooLarge(MaxFileSize)
	case mode.IsRegular():
		return nil
	case mode.IsDir():
		return refusal("a directory, not a regular file")
	case mode&fs.ModeNamedPipe != 0:
		return refusal("a named pipe (FIFO), not a regular file")
	case mode&fs.ModeSocket != 0:
		return refusal("a socket, not a regular file")
	case mode&fs.ModeDevice != 0:
		return refusal("a device, not a regular file")
	}
	return refusal("not a regular file")
}

// readCapped reads r to its end, sized for size bytes, and refuses it
// past limit bytes: a file may grow while read, and some (in /proc) say
// they are empty.
func readCapped(r io.Reader, size, limit int64) ([]byte, error) {
	data := make([]byte, 0, min(size, limit)+512)
	r = io.LimitReader(r, limit+1)
	for {
		if len(data) == cap(data) {
			data = slices.Grow(data, len(data)) // double
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		switch {
		case int64(len(data)) > limit:
			return nil, tooLarge(limit)
		case err == io.EOF:
			return data, nil
		case err != nil:
			return nil, err
		}
	}
}
