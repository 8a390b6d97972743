package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/genuin/genuinctl/internal/regfile"
)

// Limits on files named by flags.
const (
	maxTokenFile     = 64 << 10
	maxPlanFile      = 1 << 30
	maxLockfileMerge = 1 << 30
)

// readLimited reads a file named on the command line: a regular file of at
// most limit bytes (see regfile). It may still be a symlink committed to a
// repository, to a pipe that would hang the command or a device that would
// never end.
func readLimited(path string, limit int64) ([]byte, error) {
	data, err := regfile.Read(path, limit)
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err // the path is named below, once
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}
