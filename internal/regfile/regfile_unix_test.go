//go:build unix

package regfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFIFO: a named pipe is refused without the open waiting for a writer,
// and a FIFO swapped in after the Stat of a regular file is refused after
// an open that does not block either.
func TestFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := Read(fifo, 64); err == nil || err.Error() != "a named pipe (FIFO), not a regular file" {
		t.Errorf("Read(fifo) = %v", err)
	}
	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(regular)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadStat(fifo, info, 64); err != replaced {
		t.Errorf("a FIFO in place of a regular file: %v, want %v", err, replaced)
	}
	if data, err := ReadStat(regular, info, 64); err != nil || string(data) != "x" {
		t.Errorf("ReadStat(regular) = %q, %v", data, err)
	}
}
