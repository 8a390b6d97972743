package pgstate

import (
	"bytes"
	"runtime"
	"testing"
)

func TestCompressRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte(`{"format_version": 2, "groups": {}}`+"\n"), 1000)
	packed, err := compress(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decompress(packed); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("round trip: %d bytes, %v", len(got), err)
	}
	if got, err := decompress([]byte("{}\n")); err != nil || string(got) != "{}\n" {
		t.Errorf("a plain lockfile: %q, %v", got, err)
	}
	if got, err := decompress(nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("an empty value must read as an empty (damaged) lockfile, not none: %v, %v", got, err)
	}
}

// TestDecompressBomb: a stored value whose gzip trailer claims 4 GiB is
// refused without allocating anything like it.
func TestDecompressBomb(t *testing.T) {
	bomb := []byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decompress(bomb)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Error("a damaged gzip was accepted")
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
		t.Errorf("decompressing 14 bytes allocated %d bytes", allocated)
	}
}
