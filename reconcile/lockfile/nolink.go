package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// genuinctl writes three files: the lockfile (replaced by rename), its
// journal and its lock file (both written in place). A repository can
// carry any of them as a symlink, or as a device or a pipe; writing in
// place through one would write to (or truncate) whatever it points to. So
// none is ever written through a symlink or when it is not a regular file:
// each is checked with Lstat before it is opened, opened with O_NOFOLLOW
// on Unix, and checked again once open.
//
// A symlinked lockfile is still read by the read-only commands (Load: plan,
// validate, state list); a writer (Open) refuses it, since its checkpoint
// would replace the link with a file rather than update what it points to.

// NotRegularError reports a lockfile, journal or lock file that genuinctl
// will not write: a symlink or something other than a regular file.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	name := filepath.Base(e.Path)
	if e.Mode&fs.ModeSymlink != 0 {
		return fmt.Sprintf("%s is a symlink: genuinctl never writes through one; remove it (%s)", name, e.Path)
	}
	return fmt.Sprintf("%s is not a regular file (%s): genuinctl writes only regular files; remove it (%s)", name, e.Mode.Type(), e.Path)
}

// checkWritable refuses a path that exists and is a symlink or not a
// regular file. A missing path is fine: it will be created.
func checkWritable(path string) error {
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !info.Mode().IsRegular():
		return &NotRegularError{Path: path, Mode: info.Mode()}
	}
	return nil
}

// openRegular opens path for writing, never through a symlink, and only if
// it is a regular file. An open that fails because a symlink appeared
// (ELOOP under O_NOFOLLOW) is reported as the symlink it is.
func openRegular(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|oNoFollow, perm)
	if err != nil {
		if cerr := checkWritable(path); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	if err := checkOpened(path, f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkOpened refuses an open file that is not a regular file, in case one
// was swapped in before the open.
func checkOpened(path string, f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return &NotRegularError{Path: path, Mode: info.Mode()}
	}
	return nil
}
