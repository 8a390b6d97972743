package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// Resumed is what is left of a saved plan once the lockfile shows part of
// it done: the changes, or the parts of changes, not recorded yet.
type Resumed struct {
	// Plan holds the changes still to make (and the plan's blocked
	// changes, which are reported again).
	Plan *Plan
	// Done counts the plan's changes that are recorded in full; Total
	// counts its changes that apply makes (blocked ones aside).
	Done, Total int
	// Moved counts the changes whose records moved since the plan was
	// made, all in ways the plan explains: the plan is resumed.
	Moved int
}

// Resume checks a saved plan against the lockfile and returns what is
// left to do. A record the plan touches may have moved only in the ways
// this plan moves it: a create recorded as pending (with the plan's
// chat_id and fields) or as created, a field that holds the plan's value
// before or after (or the value of an update whose answer was lost), a
// member or subscriber that the plan adds or removes recorded as added or
// removed. Anything else (another chat_id, a field with a third value, a
// member removed under another member id) is refused, naming the record
// and what moved: the plan no longer says what applying it would do.
// Records the plan does not touch may have changed freely.
//
// A plan made before any lockfile existed, or without a namespace for its
// chat_ids, gets the chat_ids derived from the lockfile's lineage first
// (DeriveChatIDs): the ones it was applied with.
func (sp *SavedPlan) Resume(st *lockfile.State) (*Resumed, error) {
	switch {
	case sp.Lockfile != nil && st == nil:
		return nil, fmt.Errorf("the plan was made against lockfile %s at serial %d, which is gone; restore it or run plan again", sp.Lockfile.Lineage, sp.Lockfile.Serial)
	case sp.Lockfile != nil && st.Lineage != sp.Lockfile.Lineage:
		return nil, fmt.Errorf("the plan was made against another lockfile (lineage %s, this one is %s); run plan again", sp.Lockfile.Lineage, st.Lineage)
	}
	r := &Resumed{Plan: &Plan{FormatVersion: sp.Plan.FormatVersion, Changes: []*Change{}, Selection: sp.Plan.Selection, LeftOut: sp.Plan.LeftOut}}
	for _, c := range sp.Plan.Changes {
		if c.Action != ActionBlocked {
			r.Total++
		}
	}
	if st == nil {
		r.Plan.Changes = append(r.Plan.Changes, sp.Plan.Changes...)
		r.Plan.finish()
		return r, nil
	}
	if sp.Lockfile == nil || sp.Plan.hasUnnamedChats() {
		DeriveChatIDs(sp.Plan, st.Lineage)
	}
	// The rest is judged on the records where the plan's moves put them.
	st, movesDone, err := sp.Plan.movesAgainst(st)
	if err != nil {
		return nil, fmt.Errorf("the plan is stale: %v; run plan again", err)
	}
	var moved []string
	byAddr := map[string][]*Change{}
	for _, c := range sp.Plan.Changes {
		if c.Action != ActionBlocked && c.Action != ActionMove {
			byAddr[c.Address] = append(byAddr[c.Address], c)
		}
	}
	unexplained := map[string]bool{}
	for addr, changes := range byAddr {
		if fingerprint(st, addr) == sp.Fingerprints[addr] {
			continue
		}
		if err := explained(changes, st, sp.Fingerprints[addr]); err != nil {
			moved = append(moved, fmt.Sprintf("%s (%v)", addr, err))
			unexplained[addr] = true
		}
	}
	for _, c := range sp.Plan.Changes {
		if c.Action == ActionMove {
			if movesDone[c] {
				r.Moved++
				r.Done++
			} else {
				r.Plan.Changes = append(r.Plan.Changes, c)
			}
			continue
		}
		if c.Action == ActionBlocked || fingerprint(st, c.Address) == sp.Fingerprints[c.Address] {
			// Untouched since the plan was made: all of it is to do.
			r.Plan.Changes = append(r.Plan.Changes, c)
			continue
		}
		r.Moved++
		if unexplained[c.Address] {
			continue
		}
		left, err := residual(c, st)
		if err != nil {
			moved = append(moved, fmt.Sprintf("%s (%v)", c.Address, err))
			continue
		}
		if left == nil {
			r.Done++
		} else {
			r.Plan.Changes = append(r.Plan.Changes, left)
		}
	}
	if len(moved) > 0 {
		since := "since it was made"
		if sp.Lockfile != nil {
			since = fmt.Sprintf("since it was made (lockfile serial %d, now %d)", sp.Lockfile.Serial, st.Serial)
		}
		slices.Sort(moved)
		return nil, fmt.Errorf("the plan is stale: %s these records changed in a way this plan does not: %s; run plan again", since, strings.Join(moved, "; "))
	}
	r.Plan.finish()
	return r, nil
}

// explained checks that the record at the address of changes moved from
// the one the plan was made against (its fingerprint want) only in ways
// the changes move it. An updated record is checked by undoing what the
// plan does to it and comparing fingerprints; a created one (there was no
// record, or a pending one) by what the create and its follow-up updates
// may have recorded.
func explained(changes []*Change, st *lockfile.State, want string) error {
	c0 := changes[0]
	if c0.Kind == KindCommunity {
		return nil // its residual checks everything a community records
	}
	rec := st.Groups[c0.Address]
	if rec == nil {
		return fmt.Errorf("its record is gone")
	}
	if c0.Action == ActionCreate || c0.Action == ActionPending {
		adds := map[string]bool{}
		subs := map[string]bool{}
		for _, c := range changes {
			for _, m := range c.MembersAdded {
				adds[m.Identity] = true
			}
			for _, m := range c.SubscribersRemoved {
				subs[m.Identity] = true
			}
		}
		for id := range rec.Members {
			if !adds[id] {
				return fmt.Errorf("member %s was added, not by this plan", id)
			}
		}
		for _, id := range rec.SubscribersRemoved {
			if !subs[id] {
				return fmt.Errorf("the removal of subscriber %s was recorded, not by this plan", id)
			}
		}
		return nil // the residual checks the chat_id and fields
	}
	for _, uncertain := range []bool{false, true} {
		undone := undo(changes, rec, uncertain)
		if digest(undone) == want {
			return nil
		}
	}
	return fmt.Errorf("it changed beyond what this plan changes")
}

// undo is rec without what changes may have done to it: the record the
// plan was made against, if nothing else moved it. uncertain restores the
// user members the plan removes as recorded with an unknown member id.
func undo(changes []*Change, rec *lockfile.Group, uncertain bool) *lockfile.Group {
	g := *rec
	g.Fields = maps.Clone(rec.Fields)
	g.Members = maps.Clone(rec.Members)
	subs := map[string]bool{}
	for _, id := range rec.SubscribersRemoved {
		subs[id] = true
	}
	for _, c := range changes {
		for _, fc := range c.Fields {
			if fc.Before == nil {
				delete(g.Fields, fc.Name)
			} else {
				if g.Fields == nil {
					g.Fields = lockfile.Fields{}
				}
				g.Fields[fc.Name] = fc.Before
			}
		}
		for _, m := range c.MembersAdded {
			delete(g.Members, m.Identity)
		}
		for _, m := range c.MembersRemoved {
			if g.Members == nil {
				g.Members = map[string]string{}
			}
			g.Members[m.Identity] = m.MemberID
			if uncertain && m.UserID != "" && m.MemberID == m.UserID {
				g.Members[m.Identity] = ""
			}
		}
		for _, m := range c.SubscribersRemoved {
			delete(subs, m.Identity)
		}
		for _, m := range c.SubscribersForgotten {
			subs[m.Identity] = true
		}
	}
	if len(g.Fields) == 0 {
		g.Fields = nil
	}
	if len(g.Members) == 0 {
		g.Members = nil
	}
	g.SubscribersRemoved = nil
	if len(subs) > 0 {
		g.SubscribersRemoved = slices.Sorted(maps.Keys(subs))
	}
	return &g
}

// hasUnnamedChats reports whether a group change has no chat_id yet.
func (p *Plan) hasUnnamedChats() bool {
	for _, c := range p.Changes {
		if c.Kind == KindGroup && c.ChatID == "" && c.Action != ActionBlocked {
			return true
		}
	}
	return false
}

// residual is what is left of change c given the record it touches now:
// nil when c is recorded in full, an error when the record moved in a way
// c does not explain.
func residual(c *Change, st *lockfile.State) (*Change, error) {
	if c.Kind == KindCommunity {
		return communityResidual(c, st.Communities[c.Address])
	}
	rec := st.Groups[c.Address]
	if c.Action == ActionUpdate {
		return updateResidual(c, rec)
	}
	return groupCreateResidual(c, rec)
}

func communityResidual(c *Change, rec *lockfile.Community) (*Change, error) {
	switch {
	case rec == nil:
		return nil, fmt.Errorf("its record is gone")
	case !fieldsEqual(rec.Fields, afterFields(c.Fields)):
		return nil, fmt.Errorf("it was created with other values")
	case rec.Status == lockfile.StatusCreated:
		return nil, nil
	}
	left := *c
	left.Action = ActionPending
	left.Reason = "the earlier run of this plan sent this create and recorded no result"
	return &left, nil
}

func groupCreateResidual(c *Change, rec *lockfile.Group) (*Change, error) {
	switch {
	case rec == nil:
		return nil, fmt.Errorf("its record is gone")
	case rec.ChatID != c.ChatID:
		return nil, fmt.Errorf("it has chat_id %s, the plan creates %s", rec.ChatID, c.ChatID)
	case !fieldsEqual(rec.Fields, afterFields(c.Fields)):
		return nil, fmt.Errorf("it was created with other values")
	case rec.Status == lockfile.StatusPending:
		// The intent holds exactly the request this plan sends: re-send it.
		left := *c
		left.Action = ActionPending
		left.Reason = "the earlier run of this plan sent this create and recorded no result"
		return &left, nil
	}
	// Created: the members the create's follow-up updates add may be
	// missing still.
	left := Change{Address: c.Address, Kind: c.Kind, Action: ActionUpdate, Community: c.Community,
		CommunityID: c.CommunityID, ChatID: c.ChatID, Source: c.Source}
	left.MembersAdded = addsLeft(c.MembersAdded, rec.Members)
	if len(left.MembersAdded) == 0 {
		return nil, nil
	}
	left.Calls = updateCalls(nil, left.MembersAdded, nil, nil, DefaultChunkSize)
	return &left, nil
}

func updateResidual(c *Change, rec *lockfile.Group) (*Change, error) {
	switch {
	case rec == nil:
		return nil, fmt.Errorf("its record is gone")
	case rec.ChatID != c.ChatID:
		return nil, fmt.Errorf("it has chat_id %s, the plan updates %s", rec.ChatID, c.ChatID)
	}
	left := *c
	left.Fields, left.MembersAdded, left.MembersRemoved = nil, nil, nil
	left.SubscribersRemoved, left.SubscribersForgotten = nil, nil
	for _, fc := range c.Fields {
		now, ok := rec.Fields[fc.Name]
		switch {
		case fc.After == nil && !ok, ok && lockfile.EqualJSON(now, fc.After):
			// done
		case fc.Before == nil && !ok, ok && lockfile.EqualJSON(now, fc.Before), ok && lockfile.EqualJSON(now, UnknownValue):
			left.Fields = append(left.Fields, fc)
		default:
			return nil, fmt.Errorf("field %s holds neither the value the plan changes nor the one it sets", fc.Name)
		}
	}
	left.MembersAdded = addsLeft(c.MembersAdded, rec.Members)
	for _, m := range c.MembersRemoved {
		id, ok := rec.Members[m.Identity]
		switch {
		case !ok:
			// done
		case memberIDOf(m.Identity, id) == m.MemberID:
			left.MembersRemoved = append(left.MembersRemoved, m)
		default:
			return nil, fmt.Errorf("a member the plan removes has another member id now")
		}
	}
	for _, m := range c.SubscribersRemoved {
		if !slices.Contains(rec.SubscribersRemoved, m.Identity) {
			left.SubscribersRemoved = append(left.SubscribersRemoved, m)
		}
	}
	for _, m := range c.SubscribersForgotten {
		if slices.Contains(rec.SubscribersRemoved, m.Identity) {
			left.SubscribersForgotten = append(left.SubscribersForgotten, m)
		}
	}
	if len(left.Fields)+len(left.MembersAdded)+len(left.MembersRemoved)+len(left.SubscribersRemoved)+len(left.SubscribersForgotten) == 0 {
		return nil, nil
	}
	left.Calls = updateCalls(left.Fields, left.MembersAdded, left.MembersRemoved, left.SubscribersRemoved, DefaultChunkSize)
	return &left, nil
}

// addsLeft are the members of adds not recorded yet (or recorded as
// uncertain users: adding again is harmless), in order.
func addsLeft(adds []Member, recorded map[string]string) []Member {
	var out []Member
	for _, m := range adds {
		if id, ok := recorded[m.Identity]; !ok || uncertainUser(m.Identity, id) {
			m.InCreate = false
			out = append(out, m)
		}
	}
	return out
}

func fieldsEqual(a, b lockfile.Fields) bool {
	if len(a) != len(b) {
		return false
	}
	for name, v := range a {
		if w, ok := b[name]; !ok || !lockfile.EqualJSON(v, w) {
			return false
		}
	}
	return true
}

// movesAgainst returns the state with the plan's moves made (a copy; st is
// unchanged) and the moves recorded already. A move is to do while its
// record is at its old address only, and done once it is at its new
// address only (with its chat_id); anything else is an error.
func (p *Plan) movesAgainst(st *lockfile.State) (*lockfile.State, map[*Change]bool, error) {
	if st == nil {
		return nil, nil, nil
	}
	var todo []lockfile.Move
	done := map[*Change]bool{}
	for _, c := range p.Changes {
		if c.Action != ActionMove {
			continue
		}
		from, to := st.Groups[c.MovedFrom], st.Groups[c.Address]
		switch {
		case from != nil && to == nil:
			todo = append(todo, lockfile.Move{From: c.MovedFrom, To: c.Address})
		case from == nil && to != nil && to.ChatID == c.ChatID:
			done[c] = true
		default:
			return nil, nil, fmt.Errorf("the move of %s to %s: the lockfile no longer holds its record at one of them alone", c.MovedFrom, c.Address)
		}
	}
	view, err := st.WithMoves(todo)
	return view, done, err
}
