//go:build !unix

package lockfile

// oNoFollow is 0 where the open flags have no O_NOFOLLOW: the Lstat check
// before each open is the guard there.
const oNoFollow = 0
