package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// within runs f and fails the test if it does not return within a few
// seconds, so a read that hangs (a FIFO) fails rather than blocks.
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("did not return within 5s (hung on a non-regular file?)")
		return nil
	}
}

// wantRefused checks that New with DataFile path and LoadSeed(path) both
// fail quickly with an error naming path and containing want.
func wantRefused(t *testing.T, path, seedWant, dataWant string) {
	t.Helper()
	err := within(t, func() error { _, err := New(Config{DataFile: path}); return err })
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), dataWant) {
		t.Errorf("New(DataFile: %s) = %v, want an error naming it and %q", path, err, dataWant)
	}
	err = within(t, func() error { _, err := LoadSeed(path); return err })
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), seedWant) {
		t.Errorf("LoadSeed(%s) = %v, want an error naming it and %q", path, err, seedWant)
	}
}

func TestRefusesDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	wantRefused(t, "/dev/zero", "not a regular file", "not a regular file")
	link := filepath.Join(t.TempDir(), "genuin-sandbox.json")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	wantRefused(t, link, "not a regular file", "symbolic link")
}

func TestRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	wantRefused(t, dir, "not a regular file", "not a regular file")
}

// TestSymlinkedDataFileRefused: a data file that is a link to a regular
// file is refused and neither the link nor its target is changed; a seed
// may be such a link.
func TestSymlinkedDataFileRefused(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	s, err := New(Config{DataFile: real})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(real)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	if _, err := New(Config{DataFile: link}); err == nil || !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("New(symlinked data file) = %v, want a refusal naming %s", err, link)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced")
	}
	if after, _ := os.ReadFile(real); string(after) != string(before) {
		t.Error("the link's target was changed")
	}
	dangling := filepath.Join(dir, "dangling.json")
	if err := os.Symlink(filepath.Join(dir, "nowhere.json"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{DataFile: dangling}); err == nil {
		t.Error("a dangling symlinked data file was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere.json")); err == nil {
		t.Error("a file was created through the dangling link")
	}

	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(`{"users":[{"user_id":"u1"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	seedLink := filepath.Join(dir, "seed-link.json")
	if err := os.Symlink(seed, seedLink); err != nil {
		t.Fatal(err)
	}
	if sd, err := LoadSeed(seedLink); err != nil || len(sd.Users) != 1 {
		t.Errorf("LoadSeed(link to a regular file) = %v, %v", sd, err)
	}
}

// TestSaveReplacesLinkNotTarget: a link put in place of the data file
// while the sandbox runs is replaced by the save, not written through.
func TestSaveReplacesLinkNotTarget(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sandbox.json")
	s, err := New(Config{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "victim")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, file); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the save wrote through the link: target now %q", b)
	}
	if fi, err := os.Lstat(file); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("data file after save: %v, %v; want a regular file", fi, err)
	}
}

func TestReadCaps(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, []byte(strings.Repeat(" ", 2<<20)+"{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	oldData, oldSeed := maxDataFileSize, maxSeedFileSize
	maxDataFileSize, maxSeedFileSize = 1<<20, 1<<20
	t.Cleanup(func() { maxDataFileSize, maxSeedFileSize = oldData, oldSeed })
	wantRefused(t, big, "1 MiB limit", "1 MiB limit")
	if got := byteSize(1 << 30); got != "1 GiB" {
		t.Errorf("byteSize(1<<30) = %q", got)
	}
	if got := byteSize(64 << 20); got != "64 MiB" {
		t.Errorf("byteSize(64<<20) = %q", got)
	}
	// The cap is readRegular's argument, named in bytes when not whole MiB.
	if _, err := readRegular(big, "seed", 100); err == nil || !strings.Contains(err.Error(), "100-byte limit") {
		t.Errorf("readRegular over the cap = %v", err)
	}
}
