//go:build unix

package sandbox

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	wantRefused(t, fifo, "a FIFO", "a FIFO")
	link := filepath.Join(dir, "genuin-sandbox.json")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, link, "a FIFO", "symbolic link")
}

// TestOpenNonBlockingFIFO: even if a FIFO is swapped in after the check,
// the open itself does not block.
func TestOpenNonBlockingFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	err := within(t, func() error {
		f, err := openNonBlocking(fifo)
		if err == nil {
			f.Close()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
