package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/render"
)

func newStateCmd(e *env) *cobra.Command {
	var files specOptions
	lock := lockOptions{spec: &files}
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Inspect, edit and move the lockfile's records",
		Long: `The lockfile is genuinctl's only memory of what exists on the platform:
there is no read API. These commands show its records and fix them by hand.
Writing commands take the lockfile's lock and go through its journal, like
apply. They change only the lockfile, never the platform.

The lockfile is genuin.lock in the root of the spec -f names (the current
directory by default), or the one --lockfile names. With --state (or
$GENUIN_STATE) set to a postgres:// URL, the state lives in PostgreSQL
instead and every command works on it the same way; "state push" and
"state pull" move it between a lockfile and a database. Addresses complete
from it in the shell (see "genuinctl completion --help").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	files.registerWith(cmd.PersistentFlags(),
		"the spec whose lockfile to use: genuin.lock in its root; repeatable")
	lock.register(cmd.PersistentFlags())
	lock.registerTimeout(cmd.PersistentFlags())

	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List every recorded address with its status and ids",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			st, err := loadState(e, &lock)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ADDRESS\tSTATUS\tID\tMEMBERS")
			for _, addr := range st.Addresses() {
				if c, ok := st.Communities[addr]; ok {
					fmt.Fprintf(tw, "%s\t%s\t%s\t\n", addr, c.Status, orDash(c.CommunityID))
				} else {
					g := st.Groups[addr]
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", addr, g.Status, g.ChatID, len(g.Members))
				}
			}
			return tw.Flush()
		},
	})
	var show renderOptions
	showCmd := &cobra.Command{
		Use:   "show ADDRESS",
		Short: "Print one record as JSON",
		Long: `show prints one record of the lockfile as JSON. Phone numbers are personal
data: a member's is masked unless --show-pii, as the JSON plan masks it
("phone:91••••••••10#3fa2", its tag keyed with the lockfile's lineage), and
so are the values of personal fields. The lockfile itself holds them in
full.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRecorded(e, &lock, 1, false),
		RunE: func(_ *cobra.Command, args []string) error {
			st, err := loadState(e, &lock)
			if err != nil {
				return err
			}
			pii := render.NewPII(render.JSONOptions{ShowPII: show.showPII, Lineage: st.Lineage})
			var rec any
			if c, ok := st.Communities[args[0]]; ok {
				rec = maskedCommunity(c, pii)
			} else if g, ok := st.Groups[args[0]]; ok {
				rec = maskedGroup(g, pii)
			} else {
				return withCode(exitError, unknownAddress(st, args[0]))
			}
			data, err := json.MarshalIndent(rec, "", "  ")
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, string(data))
			return nil
		},
	}
	show.register(showCmd)
	cmd.AddCommand(showCmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "rm ADDRESS...",
		Short: "Forget records: the objects stay on the platform, unmanaged",
		Long: `rm removes records from the lockfile. The communities and groups stay on the
platform (there is no delete endpoint); genuinctl simply stops managing them.
Put them back with "genuinctl import".`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeRecorded(e, &lock, 0, false),
		RunE: func(_ *cobra.Command, args []string) error {
			return editState(e, &lock, "genuinctl state rm", func(lf *lockfile.File) error {
				for _, addr := range args {
					if !has(lf.State(), addr) {
						return unknownAddress(lf.State(), addr)
					}
				}
				for _, addr := range args {
					if err := lf.Record(lockfile.Entry{Op: lockfile.OpDelete, Address: addr}); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Removed %s from the lockfile; it stays on the platform, unmanaged.\n", addr)
				}
				return nil
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "mv FROM TO",
		Short: "Give a group's record a new address in the same community",
		Long: `mv gives a group's record a new address in the lockfile, so that a key
changed in the spec keeps managing the same group instead of creating a new
one. It is for one-off fixes: a "moved" block in the spec does the same on
the next apply, for every runner and lockfile. The new address is in the
group's community: another key, or the community named another way (by its
community_id, or by the handle of the recorded community with that id,
when a community the spec did not manage is imported). A group cannot move
to another community, and a community's handle cannot change: the platform
allows neither. The move is one journal entry: a crash cannot leave the
group recorded twice.`,
		Example:           `  genuinctl state mv group/acme/launch group/acme/launch-2026`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: completeRecorded(e, &lock, 1, true),
		RunE: func(_ *cobra.Command, args []string) error {
			from, to := args[0], args[1]
			return editState(e, &lock, "genuinctl state mv", func(lf *lockfile.File) error {
				st := lf.State()
				if _, ok := st.Groups[from]; !ok {
					return unknownAddress(st, from)
				}
				if a, err := reconcile.ParseAddress(to); err != nil || a.Kind != reconcile.KindGroup {
					return fmt.Errorf("%s is not a group address (group/<handle>/<key>)", to)
				}
				if has(st, to) {
					return fmt.Errorf("%s is already recorded; remove it first with \"genuinctl state rm %s\"", to, to)
				}
				// One entry: a put and a delete would leave two records
				// with one chat_id if the process died between them.
				if err := lf.Record(lockfile.Entry{Op: lockfile.OpMove, Address: from, To: to}); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Moved %s to %s.\n", from, to)
				return nil
			})
		},
	})
	var forcePush bool
	pushCmd := &cobra.Command{
		Use:   "push LOCKFILE",
		Short: "Copy a lockfile's state into --state (a database, say)",
		Long: `push stores the state LOCKFILE holds in the state --state (or $GENUIN_STATE)
names, byte for byte: "state pull" gives the same file back. Use it once to
move a repository's lockfile into a PostgreSQL state, taking that state's
lock as apply does.

It refuses, changing nothing, a target that records objects LOCKFILE does
not (or with other ids: most likely another repository's state, since every
lockfile of one endpoint starts from the same lineage) unless --force, and
always a target of another lineage, a later serial, other content at the
same serial, or results of an apply that did not finish; and a LOCKFILE
with a journal beside it (run apply with it first).`,
		Example: `  PGPASSWORD=... genuinctl state push genuin.lock --state 'postgres://ci@db.internal/genuin?sslmode=verify-full&project=campaigns'`,
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			data, replayed, err := lockfile.Pull(lockfile.Disk(args[0]))
			switch {
			case err != nil:
				return withCode(exitError, err)
			case replayed > 0:
				return withCode(exitError, fmt.Errorf("%s has a journal beside it holding %s of an apply that did not finish: run apply with that lockfile first, so that the push carries them",
					args[0], render.Plural(replayed, "result")))
			}
			lf, err := lock.open(e, "genuinctl state push")
			if err != nil {
				return err
			}
			changed, err := lf.Push(args[0], data, forcePush)
			if cerr := lf.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return withCode(exitError, err)
			}
			st := lf.State()
			if !changed {
				fmt.Fprintf(e.stdout, "%s already holds the state of %s (serial %d): nothing to push.\n", lf.Path(), args[0], st.Serial)
				return nil
			}
			fmt.Fprintf(e.stdout, "Pushed %s (lineage %s, serial %d, %s) to %s.\n", args[0], st.Lineage, st.Serial,
				render.Plural(len(st.Communities)+len(st.Groups), "record"), lf.Path())
			return nil
		},
	}
	pushCmd.Flags().BoolVar(&forcePush, "force", false, "replace a target that records objects LOCKFILE does not (they are forgotten, and stay on the platform unmanaged)")
	cmd.AddCommand(pushCmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "pull FILE",
		Short: "Write the state --state holds as a lockfile, for backup or review",
		Long: `pull writes the state --state (or $GENUIN_STATE) names as a lockfile at FILE
(replacing it atomically), without taking the state's lock: an apply may run
meanwhile. It is the content "state push" stored, byte for byte; results an
unfinished apply left in the state's journal are folded in (a note says how
many). Like every lockfile, FILE holds phone numbers in full.`,
		Example: `  genuinctl state pull backup.lock --state 'postgres://ci@db.internal/genuin?project=campaigns'`,
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			s, err := lock.storage(e)
			if err != nil {
				return err
			}
			data, replayed, err := lockfile.Pull(s)
			if err != nil {
				return withCode(exitError, err)
			}
			if err := lockfile.WriteAtomic(args[0], data, 0o644); err != nil {
				return withCode(exitError, fmt.Errorf("write %s: %w", args[0], err))
			}
			if replayed > 0 {
				fmt.Fprintf(e.stderr, "note: %s includes %s of an apply that did not finish, not yet folded into %s\n", args[0], render.Plural(replayed, "result"), s.Name())
			}
			fmt.Fprintf(e.stdout, "Wrote the state of %s to %s (%d bytes).\n", s.Name(), args[0], len(data))
			return nil
		},
	})
	return cmd
}

// loadState reads the lockfile without locking it, and requires one.
func loadState(e *env, lock *lockOptions) (*lockfile.State, error) {
	lf, err := lock.load(e)
	if err != nil {
		return nil, err
	}
	if lf.State() == nil {
		return nil, withCode(exitError, fmt.Errorf("%s does not exist yet: nothing is recorded", lf.Path()))
	}
	return lf.State(), nil
}

// editState runs edit on the locked lockfile and checkpoints it.
func editState(e *env, lock *lockOptions, command string, edit func(*lockfile.File) error) error {
	lf, err := lock.open(e, command)
	if err != nil {
		return err
	}
	if lf.State() == nil {
		lf.Close()
		return withCode(exitError, fmt.Errorf("%s does not exist yet: nothing is recorded", lf.Path()))
	}
	editErr := edit(lf)
	if err := lf.Close(); err != nil {
		return withCode(exitError, err)
	}
	if editErr != nil {
		return withCode(exitError, editErr)
	}
	return nil
}

func has(st *lockfile.State, addr string) bool {
	_, c := st.Communities[addr]
	_, g := st.Groups[addr]
	return c || g
}

// unknownAddress says an address is not recorded, suggesting close ones.
func unknownAddress(st *lockfile.State, addr string) error {
	var near []string
	key := addr[strings.LastIndex(addr, "/")+1:]
	for _, a := range st.Addresses() {
		if strings.Contains(a, key) {
			near = append(near, a)
		}
	}
	if len(near) > 0 && len(near) <= 5 {
		return fmt.Errorf("%s is not recorded (did you mean %s?)", addr, strings.Join(near, " or "))
	}
	return errors.New(addr + ` is not recorded ("genuinctl state list" shows what is)`)
}

// completeRecorded completes the addresses the lockfile records (only
// groups with groupsOnly) that are not on the command line yet, for the
// first maxArgs arguments (every argument when maxArgs is 0).
func completeRecorded(e *env, lock *lockOptions, maxArgs int, groupsOnly bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if maxArgs > 0 && len(args) >= maxArgs {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, err := lock.storage(e)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		lf, err := lockfile.LoadStorage(s)
		if err != nil || lf.State() == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, addr := range lf.State().Addresses() {
			if groupsOnly && lf.State().Groups[addr] == nil {
				continue
			}
			if strings.HasPrefix(addr, toComplete) && !slices.Contains(args, addr) {
				out = append(out, addr)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
