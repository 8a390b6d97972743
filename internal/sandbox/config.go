package sandbox

import (
	"fmt"
	"time"
)

// Config configures a Server. The zero value is an in-memory sandbox with
// the default seed, no faults and idempotent chat_id re-sends.
type Config struct {
	// DataFile keeps the state across restarts: loaded by New when it
	// exists, saved atomically after every request that changed state.
	// "" keeps state in memory only.
	DataFile string
	// Seed is the starting world; nil means DefaultSeed(). With an existing
	// DataFile, seed entries the file lacks are added, none replaced.
	Seed *Seed
	// Faults injected into the API endpoints (never into inspection).
	Faults Faults
	// DuplicateChatID says what a group create with a known chat_id does.
	DuplicateChatID DuplicateMode
	// Tokens are extra accepted bearer tokens, acting as the brand system user.
	Tokens []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DuplicateMode is what a group create re-sent with an existing chat_id does.
type DuplicateMode int

const (
	// DuplicateIdempotent answers 200 with the existing group, unchanged.
	DuplicateIdempotent DuplicateMode = iota
	// DuplicateError answers 400 with code "1099".
	DuplicateError
)

// ParseDuplicateMode parses "idempotent" or "error".
func ParseDuplicateMode(s string) (DuplicateMode, error) {
	switch s {
	case "idempotent":
		return DuplicateIdempotent, nil
	case "error":
		return DuplicateError, nil
	}
	return 0, fmt.Errorf("duplicate chat_id mode %q: want idempotent or error", s)
}

// String returns the name ParseDuplicateMode accepts.
func (m DuplicateMode) String() string {
	if m == DuplicateError {
		return "error"
	}
	return "idempotent"
}
