//go:build unix

package sandbox

import (
	"os"
	"syscall"
)

// openNonBlocking opens name for reading without blocking, even on a FIFO
// swapped in after it was checked.
func openNonBlocking(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
