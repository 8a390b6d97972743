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
	// OpMembers records members added (identity → member id) and removed,
	// and subscribers removed and forgotten.
	OpMembers Op = "members"
	// OpDelete forgets a record.
	OpDelete Op = "delete"
	// OpMove gives a group's record a new address (To), in one entry: a
	// put and a delete would hold two records with one chat_id between
	// them. The new address is in the group's community on the platform:
	// another key, or the same community named another way (by its
	// community_id, or by the handle of the recorded community with that
	// id): no API call moves a group to another community.
	OpMove Op = "move"
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
	// Added and Removed come with OpMembers, and so do the subscribers
	// removed (sent in subscribers_removed and answered) and forgotten
	// (taken off the spec's subscribers_removed): "user:<id>" identities.
	Added                map[string]string `json:"added,omitempty"`
	Removed              []string          `json:"removed,omitempty"`
	SubscribersRemoved   []string          `json:"subscribers_removed,omitempty"`
	SubscribersForgotten []string          `json:"subscribers_forgotten,omitempty"`
	// To comes with OpMove: the record's new address.
	To string `json:"to,omitempty"`
}

// chatIndex maps each group's chat_id to the group's address.
type chatIndex map[string]string

func newChatIndex(s *State) chatIndex {
	idx := make(chatIndex, len(s.Groups))
	for addr, g := range s.Groups {
		if g != nil {
			idx[g.ChatID] = addr
		}
	}
	return idx
}

// record checks an entry, on its own and against the state (a put may not
// take another group's chat_id; a move needs a free destination in the
// group's community, which apply checks before it changes anything), then
// applies it and keeps idx, the state's chat index, up to date. An entry
// that is refused changes nothing.
func (s *State) record(e *Entry, idx chatIndex) error {
	if p := e.problem(); p != nil {
		return fmt.Errorf("%s %s: %s", printable(string(e.Op)), printable(e.Address), p.msg)
	}
	if e.Op == OpPut && e.Group != nil {
		if other, ok := idx[e.Group.ChatID]; ok && other != e.Address {
			return fmt.Errorf("put %s: chat_id %q is already the chat_id of %s", e.Address, e.Group.ChatID, other)
		}
	}
	old := s.Groups[e.Address]
	if err := s.apply(e); err != nil {
		return err
	}
	switch e.Op {
	case OpPut, OpDelete:
		if old != nil && idx[old.ChatID] == e.Address {
			delete(idx, old.ChatID)
		}
		if g := s.Groups[e.Address]; g != nil {
			idx[g.ChatID] = e.Address
		}
	case OpMove:
		idx[s.Groups[e.To].ChatID] = e.To
	}
	return nil
}

// apply makes the entry's change to the state.
func (s *State) apply(e *Entry) error {
	switch e.Op {
	case OpPut:
		switch {
		case e.Community != nil:
			c := *e.Community
			c.Fields = maps.Clone(c.Fields)
			s.Communities[e.Address] = &c
		case e.Group != nil:
			g := *e.Group
			g.Fields, g.Members = maps.Clone(g.Fields), maps.Clone(g.Members)
			g.CreateMembers = slices.Clone(g.CreateMembers)
			g.SubscribersRemoved = slices.Clone(g.SubscribersRemoved)
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
		g.SubscribersRemoved = subscribersAfter(g.SubscribersRemoved, e.SubscribersRemoved, e.SubscribersForgotten)
	case OpDelete:
		delete(s.Communities, e.Address)
		delete(s.Groups, e.Address)
	case OpMove:
		return s.move(e.Address, e.To)
	default:
		return fmt.Errorf("unknown operation %q", e.Op)
	}
	return nil
}

// ConfirmCreateMembers moves the members a confirmed create sent into
// Members: a member added by user id has its user id as member id; one
// added by phone has none known (the create's answer does not say which
// member a phone became), as after a lost answer.
func (g *Group) ConfirmCreateMembers() {
	if len(g.CreateMembers) == 0 {
		return
	}
	if g.Members == nil {
		g.Members = make(map[string]string, len(g.CreateMembers))
	}
	for _, id := range g.CreateMembers {
		user, _ := strings.CutPrefix(id, "user:")
		if strings.HasPrefix(id, "phone:") {
			user = ""
		}
		g.Members[id] = user
	}
	g.CreateMembers = nil
}

// subscribersAfter is a group's sorted list of subscribers removed, with
// removed added and forgotten taken out; nil when none remain.
func subscribersAfter(recorded, removed, forgotten []string) []string {
	if len(removed) == 0 && len(forgotten) == 0 {
		return recorded
	}
	out := append(slices.Clone(recorded), removed...)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(forgotten) > 0 {
		drop := make(map[string]bool, len(forgotten))
		for _, id := range forgotten {
			drop[id] = true
		}
		out = slices.DeleteFunc(out, func(id string) bool { return drop[id] })
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// movedCommunity is the community a group's record names once moved from
// from to to ("" for a community the spec does not manage, named by its
// id), or an error when to is in another community on the platform.
func (s *State) movedCommunity(from, to string, g *Group) (string, error) {
	_, fromCommunity, _, _ := parseAddress(from)
	_, toCommunity, _, _ := parseAddress(to)
	switch {
	case toCommunity == fromCommunity:
		return g.Community, nil
	case g.CommunityID == "":
		return "", fmt.Errorf("the record of %s has no community_id: it can move only to another key in %s", from, fromCommunity)
	case strings.EqualFold(toCommunity, g.CommunityID):
		return "", nil
	}
	if c := s.Communities[communityPrefix+toCommunity]; c != nil && strings.EqualFold(c.CommunityID, g.CommunityID) {
		return communityPrefix + toCommunity, nil
	}
	return "", fmt.Errorf("%s is in community %s on the platform, and %s is not (no API call moves a group to another community)", from, g.CommunityID, to)
}

// Move is a group record's move from one address to another (OpMove).
type Move struct{ From, To string }

// WithMoves returns the state as it will be once every move is recorded:
// a copy sharing the records, s unchanged. A move Record would refuse (no
// record at From, one at To already, another community) is an error.
func (s *State) WithMoves(moves []Move) (*State, error) {
	if len(moves) == 0 {
		return s, nil
	}
	moved := *s
	moved.Groups = maps.Clone(s.Groups)
	for _, m := range moves {
		if err := moved.move(m.From, m.To); err != nil {
			return nil, err
		}
	}
	return &moved, nil
}

// move gives the group recorded at from the address to, or changes
// nothing and says why it cannot: no record at from, one at to already,
// to in another community.
func (s *State) move(from, to string) error {
	g := s.Groups[from]
	switch {
	case g == nil:
		return fmt.Errorf("move %s: no such group", from)
	case s.Groups[to] != nil:
		return fmt.Errorf("move %s: %s is already recorded", from, to)
	}
	community, err := s.movedCommunity(from, to, g)
	if err != nil {
		return fmt.Errorf("move %s: %w", from, err)
	}
	if community != g.Community {
		moved := *g
		moved.Community = community
		g = &moved
	}
	s.Groups[to] = g
	delete(s.Groups, from)
	return nil
}
