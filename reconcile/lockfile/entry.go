package lockfile

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Op is the kind of a journal entry.
type Op string

// The journal's operations. Each is small: a result costs the bytes of what
// it changed, never a rewrite of the lockfile.
const (
	// OpPut stores a whole record: the intent before a create (with the
	// chat_id to send), an import, the destination of a move.
	OpPut Op = "put"
	// OpCreated marks a record created, with the ids the API returned.
	OpCreated Op = "created"
	// OpFields records field values applied by an update (Cleared lists the
	// fields cleared).
	OpFields Op = "fields"
	// OpMembers records members added (identity → member id) and removed.
	OpMembers Op = "members"
	// OpDelete forgets a record.
	OpDelete Op = "delete"
)

// Entry is one change to the state. Every change goes through an Entry, so
// replaying a journal after a crash rebuilds exactly the state that the
// running apply had.
type Entry struct {
	Op      Op     `json:"op"`
	Address string `json:"address"`
	// Community or Group is the record an OpPut stores.
	Community *Community `json:"community,omitempty"`
	Group     *Group     `json:"group,omitempty"`
	// ID and ShareURL come with OpCreated: a community_id or a group_id.
	ID       string `json:"id,omitempty"`
	ShareURL string `json:"share_url,omitempty"`
	// Fields and Cleared come with OpFields.
	Fields  Fields   `json:"fields,omitempty"`
	Cleared []string `json:"cleared,omitempty"`
	// Added and Removed come with OpMembers.
	Added   map[string]string `json:"added,omitempty"`
	Removed []string          `json:"removed,omitempty"`
}

// apply makes the entry's change to the state.
func (s *State) apply(e *Entry) error {
	switch e.Op {
	case OpPut:
		switch {
		case e.Community != nil:
			c := *e.Community
			s.Communities[e.Address] = &c
		case e.Group != nil:
			g := *e.Group
			g.Fields, g.Members = maps.Clone(g.Fields), maps.Clone(g.Members)
			g.CreateMembers = slices.Clone(g.CreateMembers)
			s.Groups[e.Address] = &g
		default:
			return fmt.Errorf("put %s: no record", e.Address)
		}
	case OpCreated:
		if c := s.Communities[e.Address]; c != nil {
			c.Status, c.CommunityID, c.ShareURL = StatusCreated, e.ID, e.ShareURL
		} else if g := s.Groups[e.Address]; g != nil {
			g.Status, g.GroupID, g.ShareURL = StatusCreated, e.ID, e.ShareURL
			g.ConfirmCreateMembers()
		} else {
			return fmt.Errorf("created %s: no such record", e.Address)
		}
	case OpFields:
		g := s.Groups[e.Address]
		if g == nil {
			return fmt.Errorf("fields %s: no such group", e.Address)
		}
		if g.Fields == nil {
			g.Fields = Fields{}
		}
		maps.Copy(g.Fields, e.Fields)
		for _, name := range e.Cleared {
			delete(g.Fields, name)
		}
	case OpMembers:
		g := s.Groups[e.Address]
		if g == nil {
			return fmt.Errorf("members %s: no such group", e.Address)
		}
		if g.Members == nil {
			g.Members = map[string]string{}
		}
		maps.Copy(g.Members, e.Added)
		for _, id := range e.Removed {
			delete(g.Members, id)
		}
	case OpDelete:
		delete(s.Communities, e.Address)
		delete(s.Groups, e.Address)
	default:
		return fmt.Errorf("unknown operation %q", e.Op)
	}
	return nil
}

// ConfirmCreateMembers moves the members a confirmed create sent into
// Members: a member added by user id has its user id as member id.
func (g *Group) ConfirmCreateMembers() {
	if len(g.CreateMembers) == 0 {
		return
	}
	if g.Members == nil {
		g.Members = make(map[string]string, len(g.CreateMembers))
	}
	for _, id := range g.CreateMembers {
		user, _ := strings.CutPrefix(id, "user:")
		g.Members[id] = user
	}
	g.CreateMembers = nil
}
