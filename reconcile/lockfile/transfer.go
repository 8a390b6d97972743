package lockfile

import (
	"fmt"
	"slices"
	"strings"
)

// Pull returns the state a Storage holds as lockfile content, for "state
// pull": the content it stores, byte for byte, when no journal adds to it;
// otherwise Marshal of the state with the journal's results replayed, at
// the same serial (replayed counts them). It closes s.
func Pull(s Storage) (data []byte, replayed int, err error) {
	stored, err := s.Read()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, err
	}
	f, err := loadStored(s, stored, false)
	switch {
	case err != nil:
		return nil, 0, err
	case f.state == nil:
		return nil, 0, fmt.Errorf("%s records nothing yet: no lockfile or state was ever written there", s.Name())
	case f.replayed == nil:
		return stored.Lockfile, 0, nil
	}
	data, err = Marshal(f.state)
	return data, len(f.replayed.entries), err
}

// PushRefusedError is Push refusing to replace a state: another lineage,
// a newer serial, other content at the same serial, a journal of an
// interrupted apply not folded in, or records the new content lacks.
type PushRefusedError struct{ Reason string }

func (e *PushRefusedError) Error() string { return e.Reason }

// Push replaces the state of f, open for writing, with lockfile content
// data (named name in messages), for "state push": data is stored byte for
// byte, so that a Pull gives it back unchanged. It validates data as Load
// does, and refuses (with a *PushRefusedError) a target that holds another
// lineage, a later serial, other content at the same serial, or a journal
// of an interrupted apply; and, unless force, a target holding records
// that data lacks or names with other ids. Every lockfile of one endpoint
// starts from the same lineage (LineageFor), so only its records tell
// another repository's state from an older copy of this one. Content
// equal to the target's, in canonical form, is not written: changed says
// whether anything was.
func (f *File) Push(name string, data []byte, force bool) (changed bool, err error) {
	src, err := Parse(name, data)
	if err != nil {
		return false, err
	}
	canonical, err := Marshal(src)
	if err != nil {
		return false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.locked {
		return false, errReadOnly
	}
	if err := f.quiesce(); err != nil {
		return false, err
	}
	refuse := func(format string, args ...any) (bool, error) {
		return false, &PushRefusedError{Reason: fmt.Sprintf(format, args...)}
	}
	dst := f.state
	switch {
	case f.replayed != nil:
		return refuse("%s holds %d results of an apply that did not finish, not yet in its state: run apply against it first, so that pushing %s cannot lose them",
			f.Path(), len(f.replayed.entries), name)
	case dst == nil:
	case dst.Lineage != src.Lineage:
		return refuse("%s holds another state (lineage %s) than %s (lineage %s): it records other objects, and replacing it would lose them",
			f.Path(), dst.Lineage, name, src.Lineage)
	case dst.Serial > src.Serial:
		return refuse("%s is at serial %d, newer than %s (serial %d): pull it instead", f.Path(), dst.Serial, name, src.Serial)
	case renderingOf(canonical) == f.written:
		return false, nil
	case dst.Serial == src.Serial:
		return refuse("%s holds other content at the same serial %d as %s: one of them changed without a checkpoint; compare them with state pull", f.Path(), src.Serial, name)
	}
	if lost := lostRecords(dst, src); len(lost) > 0 && !force {
		shown := lost[:min(len(lost), 5)]
		more := ""
		if len(lost) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(lost)-len(shown))
		}
		return refuse("%s records objects that %s does not, or under other ids (%s%s): it may be another repository's state; "+
			"pass --force to replace it even so (genuinctl forgets them; they stay on the platform)",
			f.Path(), name, strings.Join(shown, ", "), more)
	}
	if err := f.store.WriteState(data); err != nil {
		return false, f.fail(fmt.Errorf("write %s: %w", f.Path(), err))
	}
	if err := f.store.RemoveJournal(); err != nil {
		return true, f.fail(fmt.Errorf("remove journal: %w", err))
	}
	f.state, f.chats, f.written = src, nil, renderingOf(canonical)
	return true, nil
}

// lostRecords lists, sorted, the addresses dst records that src does not,
// or with another community_id or chat_id: what replacing dst with src
// would forget. dst may be nil.
func lostRecords(dst, src *State) []string {
	if dst == nil {
		return nil
	}
	var lost []string
	for addr, c := range dst.Communities {
		if s := src.Communities[addr]; s == nil || s.CommunityID != c.CommunityID && c.CommunityID != "" {
			lost = append(lost, addr)
		}
	}
	for addr, g := range dst.Groups {
		if s := src.Groups[addr]; s == nil || s.ChatID != g.ChatID {
			lost = append(lost, addr)
		}
	}
	slices.Sort(lost)
	return lost
}
