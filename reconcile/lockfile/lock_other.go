//go:build !unix

package lockfile

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("lock held")

func tryLock(*os.File) error { return errors.New("advisory locks are supported on Unix systems only") }

func unlock(*os.File) error { return nil }
