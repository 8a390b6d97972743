package reconcile

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// plannedMove is a record move a moved block asks for: the group recorded
// at From goes to To, the end of the block's chain.
type plannedMove struct {
	lockfile.Move
	pos spec.Pos
}

// plannedMoves resolves the spec's moved blocks against the state. The
// blocks of a chain (a to b, b to c) carry the record at whichever of
// their addresses the lockfile holds to the chain's end; a chain whose end
// is recorded already is done. It returns the moves to make and, as
// *spec.Diagnostic at the blocks, the chains that cannot be: none of
// their addresses recorded while the lockfile records other groups of the
// community (the from is likely a typo, and the group's create could not
// be undone; a lockfile with no group of that community has nothing to
// move), two of them recorded, or a move the lockfile would refuse (to
// another community).
func plannedMoves(d *spec.Desired, st *lockfile.State) (moves []plannedMove, problems []error) {
	if len(d.Moved) == 0 {
		return nil, nil
	}
	byFrom := make(map[string]spec.Move, len(d.Moved))
	isTo := make(map[string]bool, len(d.Moved))
	for _, m := range d.Moved {
		byFrom[m.From], isTo[m.To] = m, true
	}
	if st == nil {
		return nil, nil // no lockfile: nothing recorded to move
	}
	// The communities of which the lockfile records a group: one that
	// records none of a community's groups has nothing to move there (an
	// environment where they were never created).
	holding := map[string]bool{}
	for addr := range st.Groups {
		holding[communityPart(addr)] = true
	}
	for _, start := range d.Moved {
		if isTo[start.From] {
			continue // not the start of its chain
		}
		chain := []spec.Move{start}
		for next, ok := byFrom[chain[len(chain)-1].To]; ok && len(chain) <= len(d.Moved); next, ok = byFrom[next.To] {
			chain = append(chain, next)
		}
		end := chain[len(chain)-1].To
		var held []spec.Move // the blocks whose from is recorded
		for _, m := range chain {
			if st.Groups[m.From] != nil {
				held = append(held, m)
			}
		}
		endHeld := st.Groups[end] != nil
		switch {
		case len(held) == 0 && (endHeld || !holding[communityPart(start.From)]):
			// Moved already, or no group of the community recorded yet.
		case len(held) == 0:
			problems = append(problems, moveProblem(start, "the lockfile records no group at %s%s: a moved block's from is the address the group was recorded at (is this the right lockfile?)",
				start.From, alsoNot(chain[1:])))
		case len(held)+boolInt(endHeld) > 1:
			addrs := fromsOf(held)
			if endHeld {
				addrs = append(addrs, end)
			}
			problems = append(problems, moveProblem(held[0], "%s are all recorded: one group cannot be at two addresses; forget the one that is not it with \"genuinctl state rm\"",
				strings.Join(addrs, " and ")))
		default:
			move := plannedMove{lockfile.Move{From: held[0].From, To: end}, held[0].Pos}
			if _, err := st.WithMoves([]lockfile.Move{move.Move}); err != nil {
				problems = append(problems, moveProblem(held[0], "%s", strings.TrimPrefix(err.Error(), "move "+move.From+": ")))
				continue
			}
			moves = append(moves, move)
		}
	}
	return moves, problems
}

// CheckMoves refuses the spec's moved blocks that cannot be applied to the
// lockfile's records (see plannedMoves), as a *multierror.Error of
// *spec.Diagnostic; nil when every one holds.
func CheckMoves(d *spec.Desired, st *lockfile.State) error {
	_, problems := plannedMoves(d, st)
	if len(problems) == 0 {
		return nil
	}
	return &multierror.Error{Errors: problems}
}

func moveProblem(m spec.Move, format string, args ...any) error {
	return &spec.Diagnostic{Pos: m.Pos, Address: m.From, Message: "moved: " + fmt.Sprintf(format, args...)}
}

// alsoNot names the other addresses of a chain, none recorded either.
func alsoNot(rest []spec.Move) string {
	if len(rest) == 0 {
		return ""
	}
	return " (nor at " + strings.Join(fromsOf(rest), ", ") + ")"
}

func fromsOf(ms []spec.Move) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.From
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// movedState is the state the plan is made against: st with the moves
// made (a copy; st is unchanged), and a change for each move.
func movedState(moves []plannedMove, st *lockfile.State) (*lockfile.State, []*Change) {
	lm := make([]lockfile.Move, len(moves))
	for i, m := range moves {
		lm[i] = m.Move
	}
	moved, err := st.WithMoves(lm)
	if err != nil {
		return st, nil // plannedMoves checked each: not reached
	}
	changes := make([]*Change, len(moves))
	for i, m := range moves {
		rec := moved.Groups[m.To]
		changes[i] = &Change{Address: m.To, Kind: KindGroup, Action: ActionMove, MovedFrom: m.From,
			Community: rec.Community, CommunityID: rec.CommunityID, ChatID: rec.ChatID, Source: m.pos.String()}
	}
	return moved, changes
}

// suggestMoves points each orphaned group record at a create of a group
// with the same name in the same community, the likely rename: a moved
// block would keep the group instead of creating another.
func suggestMoves(p *Plan, st *lockfile.State) {
	creates := map[string][]*Change{} // by community and name
	for _, c := range p.Changes {
		if c.Kind == KindGroup && c.Action == ActionCreate {
			k := communityKey(c.Community, c.CommunityID) + "\x00" + string(afterFields(c.Fields)["name"])
			creates[k] = append(creates[k], c)
		}
	}
	for _, c := range p.Changes {
		rec := st.Groups[c.Address]
		if c.Kind != KindGroup || c.Action != ActionBlocked || rec == nil || c.Reason != orphanReason {
			continue
		}
		k := communityKey(rec.Community, rec.CommunityID) + "\x00" + string(rec.Fields["name"])
		if same := creates[k]; len(same) == 1 {
			c.Hint = fmt.Sprintf("if it is %s renamed, keep it with a moved block: \"moved: [{from: %s, to: %s}]\" (else %s)",
				same[0].Address, c.Address, same[0].Address, c.Hint)
		}
	}
}

// communityKey names a group's community for comparing: its address, or
// its id for one the spec does not manage.
func communityKey(community, id string) string {
	if community != "" {
		return community
	}
	return strings.ToLower(id)
}
