package spec

// memberSet accumulates members in order, dropping repeated identities.
type memberSet struct {
	list []Member
	seen map[memberKey]struct{}
}

// memberKey is a member's identity, comparable without allocating.
type memberKey struct {
	phone bool
	id    string
}

func keyOf(m Member) memberKey {
	if m.UserID != "" {
		return memberKey{id: m.UserID}
	}
	return memberKey{phone: true, id: m.Phone}
}

// add appends m unless a member with its identity is already in the set.
func (s *memberSet) add(m Member) {
	if s.seen == nil {
		s.seen = make(map[memberKey]struct{})
	}
	k := keyOf(m)
	if _, dup := s.seen[k]; dup {
		return
	}
	s.seen[k] = struct{}{}
	s.list = append(s.list, m)
}
