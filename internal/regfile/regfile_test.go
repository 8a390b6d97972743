package regfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadCapped(t *testing.T) {
	const limit = 1 << 20
	if _, err := readCapped(endless{}, 0, limit); err != TooLarge(limit) {
		t.Errorf("readCapped(endless) = %v, want %v", err, TooLarge(limit))
	}
	for _, size := range []int64{0, 10, limit, limit + 1} { // what Stat says
		data, err := readCapped(bytes.NewReader(make([]byte, limit)), size, limit)
		if err != nil || len(data) != limit {
			t.Errorf("readCapped(%d bytes, size %d) = %d bytes, %v", limit, size, len(data), err)
		}
	}
}

// endless is a reader of zeros without end, like /dev/zero.
type endless struct{}

func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := Read(small, 64); err != nil || string(data) != "token\n" {
		t.Errorf("Read(small) = %q, %v", data, err)
	}
	var refusal Refusal
	if _, err := Read(small, 4); !errors.As(err, &refusal) || err.Error() != "larger than the 4 bytes limit" {
		t.Errorf("Read(small, 4) = %v", err)
	}
	if _, err := Read(dir, 64); err == nil || err.Error() != "a directory, not a regular file" {
		t.Errorf("Read(dir) = %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := Read("/dev/zero", 64); err == nil || err.Error() != "a device, not a regular file" {
			t.Errorf("Read(/dev/zero) = %v", err)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{64 << 20: "64 MiB", 64 << 10: "64 KiB", 1 << 30: "1 GiB", 100: "100 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
