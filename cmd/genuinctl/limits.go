package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// limitOptions are the safety thresholds, checked before the first call.
type limitOptions struct {
	limits reconcile.Limits
	force  bool
}

func (o *limitOptions) register(fs *pflag.FlagSet, withForce bool) {
	d := reconcile.DefaultLimits
	fs.IntVar(&o.limits.MaxCreates, "max-creates", d.MaxCreates, "most communities and groups one apply may create (creates cannot be undone); 0 for no cap")
	fs.IntVar(&o.limits.MaxRemovals, "max-removals", d.MaxRemovals, "most members and subscribers one apply may remove, over all groups; 0 for no cap")
	fs.Float64Var(&o.limits.MaxRemovalDelta, "max-removal-delta", d.MaxRemovalDelta,
		fmt.Sprintf("largest fraction of a group's recorded members one apply may remove (groups under %d members are exempt); 0 for no cap", reconcile.MinMembersForDelta))
	if withForce {
		fs.BoolVar(&o.force, "force", false, "apply even if a safety threshold is exceeded")
	}
}

// check prints the thresholds the plan exceeds and returns an exit-3 error
// for them, unless forced.
func (o *limitOptions) check(e *env, p *reconcile.Plan, st *lockfile.State) error {
	violations := o.violations(p, st)
	if len(violations) == 0 {
		return nil
	}
	for _, v := range violations {
		fmt.Fprintln(e.stderr, "safety threshold:", v)
	}
	if o.force {
		fmt.Fprintln(e.stderr, "--force: going ahead anyway.")
		return nil
	}
	return withCode(exitThreshold, errors.New("the plan exceeds a safety threshold: check it, then raise the threshold or pass --force"))
}

// violations are the thresholds the plan exceeds, each as a sentence.
func (o *limitOptions) violations(p *reconcile.Plan, st *lockfile.State) []string {
	return p.Violations(o.limits, func(addr string) int {
		if st == nil || st.Groups[addr] == nil {
			return 0
		}
		return len(st.Groups[addr].Members)
	})
}
