package lockfile

import (
	"bytes"
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
	// The buffer is sized for the file as opened: io.ReadAll's doubling
	// from 512 bytes would allocate, clear and copy a 100 MB lockfile about
	// three times. A file that grew since is still read whole.
	buf := bytes.NewBuffer(make([]byte, 0, min(info.Size(), MaxFileSize)+512))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than the %d MiB limit", path, MaxFileSize>>20)
	}
	return data, nil
}
