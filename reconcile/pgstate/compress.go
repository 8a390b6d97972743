package pgstate

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// compress gzips a lockfile's content for genuinctl.states, at the
// fastest level: the lockfile's repetitive JSON shrinks about sevenfold
// even so.
func compress(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data) / 4)
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decompress reads a stored lockfile: gzipped, as WriteState stores it,
// or plain (written by hand), at most lockfile.MaxFileSize bytes either
// way. An empty value is a lockfile still, a damaged one: not "none".
func decompress(stored []byte) ([]byte, error) {
	if !bytes.HasPrefix(stored, []byte{0x1f, 0x8b}) {
		if stored == nil {
			stored = []byte{}
		}
		return stored, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(stored))
	if err != nil {
		return nil, fmt.Errorf("the stored lockfile is damaged: %w", err)
	}
	// gzip's trailer holds the size (mod 2^32): one allocation, not a
	// doubling from nothing, for a 70 MB lockfile. The trailer is only
	// believed up to 32 times the stored size (lockfiles shrink about
	// seven times): a row edited to claim a gigabyte costs no gigabyte.
	var buf bytes.Buffer
	claimed := int64(binary.LittleEndian.Uint32(stored[len(stored)-4:]))
	buf.Grow(int(min(claimed, 32*int64(len(stored)), lockfile.MaxFileSize)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(zr, lockfile.MaxFileSize+1)); err != nil {
		return nil, fmt.Errorf("the stored lockfile is damaged: %w", err)
	}
	if buf.Len() > lockfile.MaxFileSize {
		return nil, fmt.Errorf("the stored lockfile is larger than the %d MiB limit", lockfile.MaxFileSize>>20)
	}
	return buf.Bytes(), nil
}
