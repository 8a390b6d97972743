package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// mergeDriverName is the git merge driver genuin.lock is merged with.
const mergeDriverName = "genuinctl-lockfile"

// mergeDriverSetup is how a repository installs the merge driver.
const mergeDriverSetup = `  echo 'genuin.lock merge=` + mergeDriverName + `' >> .gitattributes
  git config merge.` + mergeDriverName + `.name "genuinctl lockfile merge"
  git config merge.` + mergeDriverName + `.driver "genuinctl lockfile merge %O %A %B"`

func newLockfileCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lockfile",
		Short: "Work with genuin.lock as a file: the git merge driver",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "merge BASE OURS THEIRS",
		Short: "Merge two versions of a lockfile (a git merge driver: %O %A %B)",
		Long: `Merge is git's merge driver for genuin.lock: two applies on two branches (or
two CI runners) each wrote the lockfile, and git asks for one. It reads the
common ancestor BASE (empty when there was none), OURS and THEIRS, and
writes the merge to OURS:

  - it keeps the lineage (OURS and THEIRS must share it, and the endpoint),
    and takes the larger serial plus one;
  - records that only one side wrote (different addresses) are unioned; a
    record one side removed (state rm) and the other left alone is removed;
  - two versions of one record merge field by field: a value changed on one
    side only is taken, a create confirmed on one side and pending on the
    other is confirmed, members and subscriber removals merge per member,
    and a field whose update answer was lost on one side stays unknown (the
    next plan sends it again).

A real conflict is refused: the same field with two values, two chat_ids for
one address (two groups were created: see "Many runners" in the README),
two member ids for one member, a record removed on one side and changed on
the other, one chat_id at two addresses. Each is listed, OURS is left as it
was, and merge exits 5, so git reports a conflict; resolve it by choosing
the version whose records match the platform (genuinctl state show), then
run plan.

Install it in a repository (once per clone for the git config):

` + mergeDriverSetup + `

Exit codes:
  0    merged: OURS holds the result
  1    a file is missing, unreadable or not a valid lockfile
  5    a real conflict: nothing was written`,
		Args: cobra.ExactArgs(3),
		RunE: func(_ *cobra.Command, args []string) error {
			return runLockfileMerge(e, args[0], args[1], args[2])
		},
	})
	return cmd
}

// exitMergeConflict is lockfile merge's exit code for a real conflict.
const exitMergeConflict = 5

func runLockfileMerge(e *env, basePath, oursPath, theirsPath string) error {
	read := func(path string, optional bool) (*lockfile.State, error) {
		data, err := readLimited(path, maxLockfileMerge)
		if err != nil {
			if optional && errors.Is(err, os.ErrNotExist) {
				return nil, nil
			}
			return nil, withCode(exitError, fmt.Errorf("lockfile merge: read %s: %w", path, err))
		}
		if optional && len(data) == 0 {
			return nil, nil // git passes an empty file for a missing ancestor
		}
		st, err := lockfile.Parse(path, data)
		if err != nil {
			return nil, withCode(exitError, fmt.Errorf("lockfile merge: %w", err))
		}
		return st, nil
	}
	base, err := read(basePath, true)
	if err != nil {
		return err
	}
	ours, err := read(oursPath, false)
	if err != nil {
		return err
	}
	theirs, err := read(theirsPath, false)
	if err != nil {
		return err
	}
	merged, err := lockfile.Merge(base, ours, theirs)
	var conflict *lockfile.ConflictError
	switch {
	case errors.As(err, &conflict):
		return withCode(exitMergeConflict, fmt.Errorf("lockfile merge: %s is left as it was: %w", oursPath, err))
	case err != nil:
		return withCode(exitError, fmt.Errorf("lockfile merge: %w", err))
	}
	data, err := lockfile.Marshal(merged)
	if err != nil {
		return withCode(exitError, err)
	}
	if err := lockfile.WriteAtomic(oursPath, data, 0o644); err != nil {
		return withCode(exitError, fmt.Errorf("lockfile merge: write %s: %w", oursPath, err))
	}
	fmt.Fprintf(e.stderr, "lockfile merge: merged %d communities and %d groups (serial %d)\n", len(merged.Communities), len(merged.Groups), merged.Serial)
	return nil
}
