package main

import (
	"errors"
	"fmt"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/render"
)

// bind checks that the objects the lockfile records belong to the target,
// and binds the lockfile to it when they may follow:
//
//   - a new lockfile, or one that records no objects (a first apply that
//     failed), belongs to whatever it is applied to next;
//   - one that an older genuinctl bound to the embedded sandbox, before
//     sandboxes had an identity, is bound to the instance whose data file
//     is found (a new, empty sandbox is refused: it cannot hold them).
//
// Anything else is refused, saying what is safe to do.
func bind(e *env, lf *lockfile.File, t *target) error {
	st := lf.State()
	switch {
	case st == nil:
		lf.Init(t.id)
		return nil
	case st.Endpoint == t.id:
		return nil
	case len(st.Communities)+len(st.Groups) == 0:
		return rebind(e, lf, t, "it records no objects")
	case st.Endpoint == embeddedSandbox && t.sandbox != nil && !t.fresh:
		return rebind(e, lf, t, "it was bound to the embedded sandbox before sandboxes had an identity")
	}
	return withCode(exitError, bindRefusal(lf.Path(), st, t))
}

// rebind binds the lockfile to the target and says so.
func rebind(e *env, lf *lockfile.File, t *target, why string) error {
	was := lf.State().Endpoint
	if err := lf.Rebind(t.id); err != nil {
		return withCode(exitError, fmt.Errorf("bind %s to %s: %w", lf.Path(), t.id, err))
	}
	fmt.Fprintf(e.stderr, "note: %s belonged to endpoint %q; %s, so it now belongs to %q.\n", lf.Path(), was, why, t.id)
	return nil
}

// bindRefusal explains why the lockfile's records cannot move to the
// target, and what is safe to do instead.
func bindRefusal(path string, st *lockfile.State, t *target) error {
	records := render.Plural(len(st.Communities)+len(st.Groups), "object")
	switch {
	case isSandbox(st.Endpoint) && t.fresh:
		return fmt.Errorf("%s records %s in the embedded sandbox, whose data file %s no longer exists (deleted or moved?): a new sandbox would not hold them. Restore %s, or start afresh by deleting %s too",
			path, records, t.sandboxData, t.sandboxData, path)
	case isSandbox(st.Endpoint) && t.sandbox != nil:
		return fmt.Errorf("%s records %s in %s, but %s holds another sandbox (%s). Pass --sandbox-data with the data file of %s, or start afresh by deleting %s",
			path, records, st.Endpoint, t.sandboxData, t.id, st.Endpoint, path)
	}
	msg := fmt.Sprintf("%s belongs to endpoint %q, not %q: it records %s there. To work on them, pass --endpoint %s; for a separate lockfile for %s, pass --lockfile FILE",
		path, st.Endpoint, t.id, records, st.Endpoint, t.id)
	if allPending(st) {
		msg += fmt.Sprintf(". None of them is confirmed created: if %s was never reachable, nothing was created there and deleting %s is safe", st.Endpoint, path)
	}
	return errors.New(msg)
}

// allPending reports whether every record is a create whose result was
// never recorded.
func allPending(st *lockfile.State) bool {
	for _, c := range st.Communities {
		if c.Status != lockfile.StatusPending {
			return false
		}
	}
	for _, g := range st.Groups {
		if g.Status != lockfile.StatusPending {
			return false
		}
	}
	return true
}
