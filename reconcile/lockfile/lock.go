package lockfile

import (
	"encoding/json"
	"fmt"
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
	return fmt.Sprintf("pid %d on %s (%s), since %s", h.PID, h.Host, h.Command, h.Started.Format(time.RFC3339))
}

// LockedError reports that another process holds the lock.
type LockedError struct {
	Path   string
	Holder Holder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is locked by %s: wait for it to finish, or pass --lock-timeout to wait (the kernel releases the lock when that process ends, even if it was killed)", e.Path, e.Holder)
}

// lock is an exclusive lock on the file beside the lockfile: flock on
// Unix, LockFileEx on Windows (github.com/gofrs/flock). The operating
// system releases it when the process ends, however it ends, so a killed
// apply can never leave a stuck lock.
type lock struct {
	fl   *flock.Flock
	path string
}

// acquireLock takes the lock, waiting up to timeout, and records the
// holder in the lock file for the error message of the next process.
func acquireLock(path string, timeout time.Duration, command string) (*lock, error) {
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o644))
	deadline := time.Now().Add(timeout)
	for {
		ok, err := fl.TryLock()
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			// A holder that has not yet written its details, or one on
			// Windows (where a locked file cannot be read), shows as empty.
			var h Holder
			data, _ := os.ReadFile(path)
			_ = json.Unmarshal(data, &h)
			return nil, &LockedError{Path: path, Holder: h}
		}
		time.Sleep(50 * time.Millisecond)
	}
	host, _ := os.Hostname()
	info, _ := json.Marshal(Holder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second), Command: command})
	_ = os.WriteFile(path, append(info, '\n'), 0o644) // informational only: the lock is the lock
	return &lock{fl: fl, path: path}, nil
}

// release empties the holder details and drops the lock. The file stays:
// removing it could let two processes lock different files of one name.
func (l *lock) release() error {
	_ = os.Truncate(l.path, 0)
	err := l.fl.Unlock()
	if cerr := l.fl.Close(); err == nil {
		err = cerr
	}
	return err
}
