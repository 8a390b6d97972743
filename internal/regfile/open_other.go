//go:build !unix

package regfile

import "os"

// openNonBlocking opens a file for reading: other systems have no named
// pipes whose open waits for a writer.
func openNonBlocking(name string) (*os.File, error) {
	return os.Open(name)
}
