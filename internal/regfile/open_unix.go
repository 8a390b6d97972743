//go:build unix

package regfile

import (
	"os"
	"syscall"
)

// openNonBlocking opens a file for reading without waiting: a named pipe
// swapped in after its Stat does not block the open (for a writer), and is
// then refused by its Stat.
func openNonBlocking(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
