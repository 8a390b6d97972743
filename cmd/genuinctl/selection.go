package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/render"
	"github.com/genuin/genuinctl/spec"
)

// selectionOptions narrow a plan to some addresses: --target, --exclude.
type selectionOptions struct {
	sel reconcile.Selection
}

func (o *selectionOptions) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.sel.Targets, "target", nil,
		`plan only the addresses this glob matches ("*" stays within one part: group/acme/* is every group of acme); `+
			`a group's community create comes along when the group needs it; repeatable`)
	fs.StringArrayVar(&o.sel.Excludes, "exclude", nil,
		"leave out the addresses this glob matches, even when a --target matches them (a group whose community create "+
			"is left out is held back too); repeatable")
}

// check refuses a malformed pattern.
func (o *selectionOptions) check() error { return o.sel.Check() }

// apply narrows the plan and says on stderr what the selection did: a
// plan narrowed by patterns is not the whole difference between the spec
// and the platform, and a pattern that names nothing is probably a typo.
func (o *selectionOptions) apply(e *env, p *reconcile.Plan, d *spec.Desired, st *lockfile.State) *reconcile.Plan {
	if o.sel.IsZero() {
		return p
	}
	for _, pattern := range o.sel.Unmatched(knownAddresses(d, st)) {
		fmt.Fprintf(e.stderr, "warning: %q matches no address of the spec or the lockfile\n", pattern)
	}
	q, s := reconcile.Select(p, o.sel)
	for _, addr := range s.PulledIn {
		fmt.Fprintf(e.stderr, "note: %s is created too: the selected groups in it need it\n", addr)
	}
	if len(s.HeldBack) > 0 {
		fmt.Fprintf(e.stderr, "note: %s held back: the community create they need is excluded (%s)\n",
			render.Plural(len(s.HeldBack), "group"), strings.Join(first(s.HeldBack, 5), ", "))
	}
	fmt.Fprintf(e.stderr, "warning: --target/--exclude in effect: this plan leaves out %s of the difference; run without them to see all of it\n",
		render.Plural(s.LeftOut, "change"))
	return q
}

// knownAddresses are the addresses of the spec and the lockfile.
func knownAddresses(d *spec.Desired, st *lockfile.State) []string {
	addrs := d.GroupAddresses()
	for _, h := range d.CommunityHandles() {
		addrs = append(addrs, spec.CommunityAddress(h))
	}
	if st != nil {
		addrs = append(addrs, st.Addresses()...)
	}
	return addrs
}

// first is at most n of s, with "…" when some are left out.
func first(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], "…")
}
