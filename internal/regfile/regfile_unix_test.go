//go:build unix

package regfile

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestFIFO: a named pipe is refused without the open waiting for a writer,
// and a FIFO opened as Read opens files does not block either.
func TestFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := Read(fifo, 64); err == nil || err.Error() != "a named pipe (FIFO), not a regular file" {
		t.Errorf("Read(fifo) = %v", err)
	}
	f, err := openNonBlocking(fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || check(info, 64) == nil {
		t.Errorf("opened FIFO: Stat = %v, %v; want it refused", info, err)
	}
}
