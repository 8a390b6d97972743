package spec

// addSubscriberLists adds the users of the member lists a group's
// subscribers_removed names to its inline ones, dropping users already
// there. subscribers_removed takes member ids, and only a user's is known
// (their user id): a list holding a phone is an error where it is named.
func (l *loader) addSubscriberLists(r *resolver, p *pendingGroup) {
	g := p.group
	if len(p.subscriberLists) == 0 && len(g.SubscribersRemoved) < 2 {
		return
	}
	seen := make(map[string]bool, len(g.SubscribersRemoved))
	out := g.SubscribersRemoved[:0:0]
	add := func(s Subscriber) {
		if !seen[s.UserID] {
			seen[s.UserID] = true
			out = append(out, s)
		}
	}
	for _, s := range g.SubscribersRemoved {
		add(s)
	}
	for _, ref := range p.subscriberLists {
		list, ok := l.lists[ref.name]
		if !ok {
			r.errorf(p, ref.pos, "subscribers_removed: unknown member list %s%s", excerpt(ref.name), didYouMean(ref.name, sortedKeys(l.lists)))
			continue
		}
		var phones []Member
		for _, m := range list.members {
			if m.Phone != "" {
				phones = append(phones, m)
			}
		}
		if len(phones) > 0 {
			// Phone numbers are personal data: the message names where
			// they are, never the numbers.
			r.errorf(p, ref.pos, "subscribers_removed: member list %s holds %s (the first at %s): subscribers_removed takes member ids, and a phone's is not known; list those users by user_id",
				excerpt(ref.name), count(len(phones), "phone number", "phone numbers"), phones[0].Pos)
			continue
		}
		for _, m := range list.members {
			add(Subscriber{UserID: m.UserID, AlsoMember: ref.alsoMember, Pos: m.Pos})
		}
	}
	if len(out) == 0 {
		out = nil
	}
	g.SubscribersRemoved = out
}

// checkSubscribers reports each user a group both keeps as a member and
// removes as a subscriber, at the subscriber's position, unless its item
// says also_member: a member is a collaborator, not one of the subscribers
// (non-collaborators) subscribers_removed removes, so both at once is
// usually one list used for both by mistake.
func checkSubscribers(r *resolver, p *pendingGroup) {
	g := p.group
	if len(g.SubscribersRemoved) == 0 || len(g.Members) == 0 {
		return
	}
	members := make(map[string]Pos, len(g.Members))
	for _, m := range g.Members {
		if m.UserID != "" {
			members[m.UserID] = m.Pos
		}
	}
	for _, s := range g.SubscribersRemoved {
		at, member := members[s.UserID]
		if !member || s.AlsoMember {
			continue
		}
		where := at.String()
		if at == s.Pos {
			where = "by the same member list"
		}
		r.errorf(p, s.Pos, "subscribers_removed: user %s is also a member of the group (%s): a member is a collaborator, not a subscriber to remove; take it out of one of the two, or write also_member: true in its subscribers_removed item if both are meant",
			s.UserID, where)
	}
}
