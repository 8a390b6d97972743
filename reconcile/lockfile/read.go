package lockfile

import (
	"fmt"
	"io"
	"os"
	"slices"
)

// MaxFileSize bounds what Load reads of a lockfile or a journal: a lockfile
// of 20,000 groups and a million memberships is about 100 MB.
const MaxFileSize = 1 << 30

// readBounded reads a lockfile or journal: a regular file of at most
// MaxFileSize bytes. A lockfile arrives with the repository, so it may be
// a symlink to a device or a pipe: anything but a regular file is refused
// before it is opened, and again after, in case it was swapped in between.
func readBounded(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, info.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if opened, err := f.Stat(); err != nil || !os.SameFile(info, opened) {
		return nil, fmt.Errorf("%s changed while being opened", path)
	}
	data, err := readSized(io.LimitReader(f, MaxFileSize+1), min(info.Size(), MaxFileSize))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than the %d MiB limit", path, MaxFileSize>>20)
	}
	return data, nil
}

// readSized reads r to its end into a buffer sized for the size the file
// had when opened: io.ReadAll's doubling from 512 bytes would allocate,
// clear and copy about three times a 100 MB lockfile. A file that grew
// since is still read whole.
func readSized(r io.Reader, size int64) ([]byte, error) {
	data := make([]byte, 0, size+512)
	for {
		if len(data) == cap(data) {
			data = slices.Grow(data, len(data)) // double
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		switch {
		case err == io.EOF:
			return data, nil
		case err != nil:
			return nil, err
		}
	}
}
