package lockfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
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

// lock is an exclusive advisory lock on the file beside the lockfile. The
// kernel releases it when the process ends, however it ends, so a killed
// apply can never leave a stuck lock.
type lock struct {
	f *os.File
}

// acquireLock takes the lock, waiting up to timeout, and records the
// holder in the lock file for the error message of the next process.
func acquireLock(path string, timeout time.Duration, command string) (*lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err := tryLock(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errWouldBlock) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			var h Holder
			data, _ := os.ReadFile(path)
			_ = json.Unmarshal(data, &h) // a holder that has not yet written its details shows as empty
			f.Close()
			return nil, &LockedError{Path: path, Holder: h}
		}
		time.Sleep(50 * time.Millisecond)
	}
	host, _ := os.Hostname()
	info, _ := json.Marshal(Holder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second), Command: command})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(info, '\n'), 0) // informational only: the flock is the lock
	}
	return &lock{f: f}, nil
}

// release empties the holder details and drops the lock. The file stays:
// removing it could let two processes lock different files of one name.
func (l *lock) release() error {
	_ = l.f.Truncate(0)
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
