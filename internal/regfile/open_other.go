//go:build !unix

package regfile

import (
	"io/fs"
	"os"
)

// readOpened opens path, checks that it opened the regular file info
// describes, and reads it: other systems have no named pipes whose open
// waits for a writer.
func readOpened(path string, info fs.FileInfo, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(info, opened) || check(opened, limit) != nil {
		return nil, replaced
	}
	return readCapped(f, opened.Size(), limit)
}
