package regfile

import (
	"bytes"
	"cmp"
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

// TestReadCappedShortReads: short reads before the size Stat gave (a
// network file system may make them) do not end the file; a short read at
// the size does.
func TestReadCappedShortReads(t *testing.T) {
	const limit = 1 << 20
	content := bytes.Repeat([]byte("0123456789"), 100)
	data, err := readCapped(&trickle{r: bytes.NewReader(content)}, int64(len(content)), limit)
	if err != nil || !bytes.Equal(data, content) {
		t.Errorf("read %d bytes, %v; want all %d", len(data), err, len(content))
	}
	r := &trickle{r: bytes.NewReader(content), step: 2000}
	if data, err := readCapped(r, 1000, limit); err != nil || len(data) != 1000 || r.reads != 1 {
		t.Errorf("a whole file in one short read: %d bytes in %d reads, %v", len(data), r.reads, err)
	}
}

// trickle reads at most step bytes at a time (7 by default).
type trickle struct {
	r     *bytes.Reader
	step  int
	reads int
}

func (t *trickle) Read(p []byte) (int, error) {
	t.reads++
	return t.r.Read(p[:min(len(p), cmp.Or(t.step, 7))])
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
