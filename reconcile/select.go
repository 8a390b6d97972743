package reconcile

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Selection narrows a plan to some addresses, as Terraform's -target and
// -exclude do: for a first rollout of one campaign, or to hold back one
// group while the rest goes out.
type Selection struct {
	// Targets are globs over addresses ("*" matches within one part:
	// group/acme/* is every group of acme, group/*/launch-* the launch
	// groups of every community); none selects every address.
	Targets []string `json:"targets,omitempty"`
	// Excludes are globs of addresses left out, even when a target
	// matches them.
	Excludes []string `json:"excludes,omitempty"`
}

// IsZero reports whether the selection selects every address.
func (s Selection) IsZero() bool { return len(s.Targets) == 0 && len(s.Excludes) == 0 }

// Check refuses a malformed pattern, or one that cannot match an address
// (its first part must be community, group or a wildcard).
func (s Selection) Check() error {
	for _, list := range []struct {
		flag     string
		patterns []string
	}{{"--target", s.Targets}, {"--exclude", s.Excludes}} {
		for _, p := range list.patterns {
			if _, err := path.Match(p, ""); err != nil {
				return fmt.Errorf("%s %q: %v", list.flag, p, err)
			}
			kind, _, _ := strings.Cut(p, "/")
			if ok, _ := path.Match(kind, KindCommunity); !ok {
				if ok, _ := path.Match(kind, KindGroup); !ok {
					return fmt.Errorf("%s %q matches no address: addresses are community/<handle> and group/<community>/<key>", list.flag, p)
				}
			}
		}
	}
	return nil
}

// selects reports whether the selection takes addr.
func (s Selection) selects(addr string) bool {
	return (len(s.Targets) == 0 || matchAny(s.Targets, addr)) && !matchAny(s.Excludes, addr)
}

func matchAny(patterns []string, addr string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, addr); ok {
			return true
		}
	}
	return false
}

// Selected is what Select made of a plan.
type Selected struct {
	// PulledIn are the community creates a selected group needs, taken in
	// though no pattern selects them.
	PulledIn []string
	// HeldBack are selected groups left out because the community create
	// they need is excluded.
	HeldBack []string
	// LeftOut counts the changes of the plan not selected (held back
	// included).
	LeftOut int
}

// Select narrows p to the changes s selects, with the community creates
// (or pending creates) that a selected group's create needs: a group is
// created in its community, so that community comes first unless it is
// excluded, which holds the group back too. The plan records the
// selection (a saved plan carries it) and how many changes it left out.
func Select(p *Plan, s Selection) (*Plan, Selected) {
	var out Selected
	if s.IsZero() {
		return p, out
	}
	communityCreate := map[string]*Change{}
	for _, c := range p.Changes {
		if c.Kind == KindCommunity && (c.Action == ActionCreate || c.Action == ActionPending) {
			communityCreate[c.Address] = c
		}
	}
	keep := map[*Change]bool{}
	pulled := map[string]bool{}
	for _, c := range p.Changes {
		if !s.selects(c.Address) {
			continue
		}
		if c.Kind == KindGroup && c.Community != "" {
			if dep := communityCreate[c.Community]; dep != nil && !s.selects(dep.Address) {
				if matchAny(s.Excludes, dep.Address) {
					out.HeldBack = append(out.HeldBack, c.Address)
					continue
				}
				if !pulled[dep.Address] {
					pulled[dep.Address] = true
					out.PulledIn = append(out.PulledIn, dep.Address)
				}
				keep[dep] = true
			}
		}
		keep[c] = true
	}
	q := &Plan{FormatVersion: p.FormatVersion, Changes: make([]*Change, 0, len(keep)), Estimate: p.Estimate}
	for _, c := range p.Changes {
		if keep[c] {
			q.Changes = append(q.Changes, c)
		}
	}
	out.LeftOut = len(p.Changes) - len(q.Changes)
	sel := s
	q.Selection = &sel
	q.LeftOut = out.LeftOut
	q.finish()
	return q, out
}

// Unmatched returns the patterns (targets and excludes) that match none
// of addrs.
func (s Selection) Unmatched(addrs []string) []string {
	var out []string
	for _, p := range append(append([]string(nil), s.Targets...), s.Excludes...) {
		if !slices.ContainsFunc(addrs, func(a string) bool { return matchAny([]string{p}, a) }) {
			out = append(out, p)
		}
	}
	return out
}
