package lockfile

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// Holder describes the process holding a lockfile's lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	Command string    `json:"command"`
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "another process (which has not written who it is yet)"
	}
	return fmt.Sprintf("pid %d on %s (%s), since %s", h.PID, h.Host, h.Command, h.Started.Format(time.RFC3339))
}

// LockedError reports that another process holds the lock.
type LockedError struct {
	Path   string
	Holder Holder
	// Released says what frees the lock when its holder dies.
	Released string
	// Waited is how long the lock was waited for (--lock-timeout).
	Waited time.Duration
}

func (e *LockedError) Error() string {
	if e.Waited > 0 {
		return fmt.Sprintf("%s is still locked by %s after waiting %s: wait for it to finish, or give --lock-timeout more time (%s)", e.Path, e.Holder, e.Waited, e.Released)
	}
	return fmt.Sprintf("%s is locked by %s: wait for it to finish, or pass --lock-timeout to wait (%s)", e.Path, e.Holder, e.Released)
}

// lock is an exclusive lock on the file beside the lockfile: flock on
// Unix, LockFileEx on Windows (github.com/gofrs/flock). The operating
// system releases it when the process ends, however it ends, so a killed
// apply can never leave a stuck lock.
//
// The lock file is never opened through a symlink, nor when it is not a
// regular file (nolink.go): it arrives with the repository, and writing
// the holder's details through a link would overwrite what it points to.
type lock struct {
	fl   *flock.Flock
	path string
	// info is the lock file opened for writing the holder's details, nil
	// if it could not be (the details are informational only).
	info *os.File
}

// acquireLock takes the lock, waiting up to timeout, and records the
// holder in the lock file for the error message of the next process.
func acquireLock(path string, timeout time.Duration, command string) (*lock, error) {
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR|oNoFollow), flock.SetPermissions(0o644))
	deadline := time.Now().Add(timeout)
	for {
		ok, err := fl.TryLock()
		if err != nil {
			if cerr := checkWritable(path); cerr != nil {
				return nil, cerr
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			// A holder that has not yet written its details, or one on
			// Windows (where a locked file cannot be read), shows as empty.
			return nil, &LockedError{Path: path, Holder: readHolder(path), Waited: timeout,
				Released: "the kernel releases the lock when that process ends, even if it was killed"}
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The file locked must be a regular file, the one at path: not a
	// device or a pipe swapped in before the open.
	locked, err := fl.Stat()
	if err == nil && !locked.Mode().IsRegular() {
		err = &NotRegularError{Path: path, Mode: locked.Mode()}
	}
	if err != nil {
		fl.Close()
		return nil, err
	}
	l := &lock{fl: fl, path: path}
	if f, err := openRegular(path, os.O_WRONLY, 0); err == nil {
		if info, err := f.Stat(); err == nil && os.SameFile(info, locked) {
			l.info = f
		} else {
			f.Close()
		}
	}
	if l.info != nil { // informational only: the lock is the lock
		host, _ := os.Hostname()
		data, _ := json.Marshal(Holder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second), Command: command})
		if l.info.Truncate(0) == nil {
			_, _ = l.info.WriteAt(append(data, '\n'), 0)
		}
	}
	return l, nil
}

// readHolder reads the holder's details from the lock file, never through
// a symlink; what cannot be read shows as empty.
func readHolder(path string) Holder {
	var h Holder
	if checkWritable(path) != nil {
		return h
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return h
	}
	defer f.Close()
	if checkOpened(path, f) != nil {
		return h
	}
	data, _ := io.ReadAll(io.LimitReader(f, 4096))
	_ = json.Unmarshal(data, &h)
	return h
}

// release empties the holder details and drops the lock. The file stays:
// removing it could let two processes lock different files of one name.
func (l *lock) release() error {
	if l.info != nil {
		_ = l.info.Truncate(0)
		_ = l.info.Close()
		l.info = nil
	}
	err := l.fl.Unlock()
	if cerr := l.fl.Close(); err == nil {
		err = cerr
	}
	return err
}
