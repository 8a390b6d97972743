package lockfile

import (
	"fmt"
	"io"
	"os"
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
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than the %d MiB limit", path, MaxFileSize>>20)
	}
	return data, nil
}
