//go:build unix

package lockfile

import "syscall"

// oNoFollow makes an open fail on a symlink in the last component of the
// path, closing the window between the Lstat check and the open.
const oNoFollow = syscall.O_NOFOLLOW
