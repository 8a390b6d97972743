package sandbox

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Caps on what the sandbox reads from disk. A variable so tests can lower
// them.
var (
	// maxDataFileSize caps the data file (Config.DataFile).
	maxDataFileSize int64 = 1 << 30 // 1 GiB
	// maxSeedFileSize caps a seed file (LoadSeed).
	maxSeedFileSize int64 = 64 << 20 // 64 MiB
)

// readRegular reads the regular file at path, at most limit bytes. what
// names the file in errors ("sandbox data file", "seed"). Anything but a
// regular file (a device such as /dev/zero, a FIFO, a socket, a directory),
// whether named directly or through a symbolic link, is refused before it
// is opened, so it can neither hang the read nor fill memory. The file is
// opened without blocking (O_NONBLOCK on unix) and checked again after
// opening (os.SameFile), so one swapped in between is refused too. A
// missing file is an error wrapping fs.ErrNotExist.
func readRegular(path, what string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if err := checkRegular(path, what, info, limit); err != nil {
		return nil, err
	}
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !os.SameFile(info, opened) {
		return nil, fmt.Errorf("%s %s changed while it was being opened; refusing to read it", what, path)
	}
	if err := checkRegular(path, what, opened, limit); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(path, what, limit)
	}
	return b, nil
}

func checkRegular(path, what string, info fs.FileInfo, limit int64) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s %s is not a regular file (%s); refusing to read it", what, path, fileKind(info.Mode()))
	}
	if info.Size() > limit {
		return tooLarge(path, what, limit)
	}
	return nil
}

func tooLarge(path, what string, limit int64) error {
	return fmt.Errorf("%s %s is larger than the %s limit; refusing to read it", what, path, byteSize(limit))
}

// fileKind describes a non-regular file mode for an error message.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "mode " + m.String()
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	default:
		return fmt.Sprintf("%d-byte", n)
	}
}

// refuseSymlink refuses a data file that is a symbolic link. Saves replace
// the data file by renaming a new file over it, which would replace the
// link rather than write to what it points to: the link's target would
// silently stop being the sandbox's state. A missing path is fine.
func refuseSymlink(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox data file %s: %w", path, err)
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("sandbox data file %s is a symbolic link; refusing it, since every save replaces the data file (a rename, which would replace the link, not write to its target): give the path of a regular file", path)
	}
	return nil
}
