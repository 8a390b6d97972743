package reconcile

import "fmt"

// Limits are the safety thresholds a plan must stay within unless forced.
// Creates cannot be undone (there is no delete endpoint), and a mass
// removal is usually a mistake in a member list: both deserve a second look.
type Limits struct {
	// MaxCreates caps communities and groups created by one apply; 0 means
	// no cap.
	MaxCreates int
	// MaxRemovals caps the members and subscribers removed by one apply,
	// over all groups; 0 means no cap.
	MaxRemovals int
	// MaxRemovalDelta caps the fraction of a group's recorded members one
	// apply may remove (peribolos' maximum-removal-delta); groups with fewer
	// than MinMembersForDelta recorded members are exempt. 0 means no cap.
	MaxRemovalDelta float64
}

// MinMembersForDelta is the group size from which MaxRemovalDelta applies:
// removing 2 of 3 members is routine, removing 40 of 60 is not.
const MinMembersForDelta = 10

// DefaultLimits are the thresholds plan and apply use unless told otherwise.
var DefaultLimits = Limits{MaxCreates: 500, MaxRemovals: 100, MaxRemovalDelta: 0.25}

// Violations lists every threshold the plan exceeds, each as a sentence
// saying what to do. recorded gives the number of members the lockfile
// records for a group address.
func (p *Plan) Violations(l Limits, recorded func(addr string) int) []string {
	var out []string
	creates, removals, subscribers := 0, 0, 0
	for _, c := range p.Changes {
		switch c.Action {
		case ActionCreate, ActionPending:
			creates++
		case ActionUpdate:
			removals += len(c.MembersRemoved)
			subscribers += len(c.SubscribersRemoved)
			n := recorded(c.Address)
			if l.MaxRemovalDelta > 0 && n >= MinMembersForDelta && float64(len(c.MembersRemoved)) > l.MaxRemovalDelta*float64(n) {
				out = append(out, fmt.Sprintf("%s would lose %d of its %d recorded members (more than %.0f%%, --max-removal-delta)",
					c.Address, len(c.MembersRemoved), n, l.MaxRemovalDelta*100))
			}
		}
	}
	if l.MaxCreates > 0 && creates > l.MaxCreates {
		out = append(out, fmt.Sprintf("%d creates exceed --max-creates %d (creates cannot be undone: there is no delete endpoint)", creates, l.MaxCreates))
	}
	switch {
	case l.MaxRemovals <= 0 || removals+subscribers <= l.MaxRemovals:
	case subscribers == 0:
		out = append(out, fmt.Sprintf("%d member removals exceed --max-removals %d", removals, l.MaxRemovals))
	default:
		out = append(out, fmt.Sprintf("%d removals (%d members, %d subscribers) exceed --max-removals %d", removals+subscribers, removals, subscribers, l.MaxRemovals))
	}
	return out
}
