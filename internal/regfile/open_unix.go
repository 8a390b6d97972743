//go:build unix

package regfile

import (
	"io"
	"io/fs"
	"syscall"
)

// readOpened opens path without waiting, checks that it opened the regular
// file info describes, and reads it. A named pipe swapped in after the
// Stat does not block the open (for a writer), and is refused by the Stat
// of what was opened. It uses plain system calls: an os.File would first
// offer the file to the runtime's poller, one wasted call per file.
func readOpened(path string, info fs.FileInfo, limit int64) ([]byte, error) {
	fd, err := retryEINTR(func() (int, error) {
		return syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var opened syscall.Stat_t
	if err := syscall.Fstat(fd, &opened); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	want, ok := info.Sys().(*syscall.Stat_t)
	if !ok || opened.Mode&syscall.S_IFMT != syscall.S_IFREG || opened.Size > limit ||
		uint64(opened.Dev) != uint64(want.Dev) || uint64(opened.Ino) != uint64(want.Ino) {
		return nil, replaced
	}
	return readCapped(fdReader(fd), opened.Size, limit)
}

// fdReader reads a file descriptor.
type fdReader int

func (r fdReader) Read(p []byte) (int, error) {
	n, err := retryEINTR(func() (int, error) { return syscall.Read(int(r), p) })
	switch {
	case err != nil:
		return 0, err
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}

// retryEINTR calls fn again while a signal interrupts it.
func retryEINTR(fn func() (int, error)) (int, error) {
	for {
		n, err := fn()
		if err != syscall.EINTR {
			return n, err
		}
	}
}
