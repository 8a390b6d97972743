// Package regfile reads files that arrive with untrusted input (a spec's
// member lists, a token file, a saved plan): regular files only, and only
// up to a size limit. A named pipe would hang the reader, a device such as
// /dev/zero would never end, and either can be committed to a repository
// as a symlink. Anything but a regular file is refused before it is
// opened, and again after, in case one was swapped in between; the open
// itself cannot block.
//
// The lockfile and the sandbox keep their own copies of this check: both
// packages depend on nothing of ours, by design.
package regfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
)

// Refusal is why a file is not read, worded to follow "is": "a named pipe
// (FIFO), not a regular file", "larger than the 64 MiB limit".
type Refusal string

func (r Refusal) Error() string { return string(r) }

// replaced refuses a file that is not the one its Stat described.
const replaced = Refusal("replaced while being opened")

// TooLarge is the refusal of a file larger than limit bytes.
func TooLarge(limit int64) Refusal {
	return Refusal(fmt.Sprintf("larger than the %s limit", Size(limit)))
}

// Read reads the regular file at path, of at most limit bytes. A file
// that is not regular, or is larger, is refused with a Refusal.
func Read(path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return ReadStat(path, info, limit)
}

// ReadStat is Read of a file whose Stat the caller has (or its Lstat, for
// a path that is no symlink): info. A spec of 20,000 groups reads as many
// files, and each system call saved is 20,000 saved.
func ReadStat(path string, info fs.FileInfo, limit int64) ([]byte, error) {
	if err := check(info, limit); err != nil {
		return nil, err
	}
	return readOpened(path, info, limit)
}

// check refuses a file that is not regular or is larger than limit.
func check(info fs.FileInfo, limit int64) error {
	mode := info.Mode()
	switch {
	case mode.IsRegular() && info.Size() > limit:
		return TooLarge(limit)
	case mode.IsRegular():
		return nil
	case mode.IsDir():
		return Refusal("a directory, not a regular file")
	case mode&fs.ModeNamedPipe != 0:
		return Refusal("a named pipe (FIFO), not a regular file")
	case mode&fs.ModeSocket != 0:
		return Refusal("a socket, not a regular file")
	case mode&fs.ModeDevice != 0:
		return Refusal("a device, not a regular file")
	}
	return Refusal("not a regular file")
}

// readCapped reads r, a regular file of size bytes, to its end, and
// refuses it past limit bytes: a file may grow while read, and some (in
// /proc) say they are empty. A read that returns less than asked once
// size bytes are in is the end of a regular file: no read is spent on
// hearing so (a spec of 20,000 groups reads as many files). A file that
// grows while read is read as it was at some moment of its growth.
func readCapped(r io.Reader, size, limit int64) ([]byte, error) {
	data := make([]byte, 0, min(size, limit)+512)
	r = io.LimitReader(r, limit+1)
	for {
		if len(data) == cap(data) {
			data = slices.Grow(data, len(data)) // double
		}
		want := cap(data) - len(data)
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		switch {
		case int64(len(data)) > limit:
			return nil, TooLarge(limit)
		case err == io.EOF, err == nil && n < want && size > 0 && int64(len(data)) >= size:
			return data, nil
		case err != nil:
			return nil, err
		}
	}
}

// Size words a size in bytes for messages: "64 MiB", "64 KiB", "100 bytes".
func Size(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
