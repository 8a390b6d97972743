package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/pgstate"
	"github.com/genuin/genuinctl/reconcile/render"
)

type planOptions struct {
	files            specOptions
	lock             lockOptions
	render           renderOptions
	limits           limitOptions
	pacing           pacingOptions
	selection        selectionOptions
	output           string
	detailsHint      string
	out              string
	detailedExitCode bool
	endpoint         string
}

func newPlanCmd(e *env) *cobra.Command {
	var o planOptions
	o.lock.spec = &o.files
	cmd := &cobra.Command{
		Use:   "plan [-f PATH]... [--lockfile FILE]",
		Short: "Show what apply would change, without calling the API",
		Long: `Plan diffs the spec against the lockfile and prints what apply would do:
communities and groups to create (with their first members), group updates
(changed fields, members to add and remove, subscribers to remove), creates
left pending by an interrupted apply, records that the spec's moved blocks
carry to a new address (the lockfile only: a renamed key keeps its group),
and changes the API cannot make (blocked), each with the reason and what to
do. A user taken off a group's subscribers_removed is listed too:
nothing is sent for them (no API
subscribes anyone again), and apply only makes the lockfile forget the
removal, so such an update counts as a change with no API call. The
summary counts the API calls apply will make and estimates how long they
take at --parallelism and --rate, assuming --assume-latency per request
(retries not counted).

Blocked changes are reported with their reason but are not pending
changes: apply cannot make them, so --detailed-exitcode exits 0 for a plan
with only blocked changes. Safety thresholds (--max-creates,
--max-removals, which counts the members and subscribers removed,
--max-removal-delta) are reported too; with --detailed-exitcode a plan
over one exits 3.

-o markdown writes the plan as a pull-request comment (summary first,
details folded per community, always under GitHub's 65,536 characters);
--target and --exclude narrow the plan to addresses matching their globs.

Plan needs no network and no token: it is safe on pull requests from forks.
There is no read API, so plan knows the platform only through the lockfile:
genuin.lock in the spec root (the -f directory, a -f file's directory, or
the deepest directory holding every -f path) unless --lockfile names
another. A lockfile most of whose objects are not in the spec is reported:
it is probably another spec's.

A new group's chat_id is derived, not drawn: from the lockfile's lineage
and the group's address, so every plan of the same spec and lockfile shows
the same chat_ids, and two runners that apply it at once (or a run from a
lockfile whose last update was lost) create the group once: the second
create is confirmed as the first's group. Before any lockfile exists the
lineage comes from the endpoint (--endpoint or $GENUIN_ENDPOINT); without
one, the plan shows no chat_ids and apply derives them. A chat_id in the
spec wins.

` + exitCodesHelp,
		Example: `  genuinctl plan -f examples/quickstart
  genuinctl plan --detailed-exitcode -o json > plan.json
  genuinctl plan --out tonight.plan`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.output != "text" && o.output != "json" && o.output != "markdown" {
				return withCode(exitError, fmt.Errorf("--output %q: use text, json or markdown", o.output))
			}
			if err := o.pacing.check(); err != nil {
				return withCode(exitError, err)
			}
			if err := o.selection.check(); err != nil {
				return withCode(exitError, err)
			}
			d, lf, err := loadSpecAndLockfile(e, &o.files, &o.lock)
			if err != nil {
				return err
			}
			if err := checkMoves(e, d, lf.State()); err != nil {
				return err
			}
			warnForeign(e, lf, d)
			p := reconcile.Diff(d, lf.State(), reconcile.Options{Namespace: o.namespace(e, lf.State())})
			p = o.selection.apply(e, p, d, lf.State())
			if o.out != "" {
				if err := writeSavedPlan(e, o.out, reconcile.Save(p, lf.State())); err != nil {
					return withCode(exitError, err)
				}
			}
			// The estimate depends on how apply will run, not on the
			// changes: a saved plan does not carry it.
			p.Estimate = o.pacing.estimate(p)
			switch o.output {
			case "json":
				err = render.JSON(e.stdout, p, render.JSONOptions{ShowPII: o.render.showPII, Lineage: lineageOf(lf.State())})
			case "markdown":
				err = render.Markdown(e.stdout, p, render.MarkdownOptions{ShowPII: o.render.showPII,
					Thresholds: o.limits.violations(p, lf.State()), DetailsHint: o.detailsHint})
			default:
				err = render.Text(e.stdout, p, render.TextOptions{Color: e.colour, ShowPII: o.render.showPII})
			}
			if err != nil {
				return withCode(exitError, err)
			}
			if o.out != "" {
				fmt.Fprintf(e.stdout, "Saved the plan to %s: \"%s\" performs exactly these changes.\n", o.out, applySavedCommand(o.out, &o.lock, lf.Path()))
			}
			if err := o.limits.check(e, p, lf.State()); err != nil && o.detailedExitCode {
				return err
			}
			if o.detailedExitCode && p.HasChanges() {
				return withCode(exitChanges, nil)
			}
			return nil
		},
	}
	o.files.register(cmd)
	o.lock.register(cmd.Flags())
	o.render.register(cmd)
	o.limits.register(cmd.Flags(), false)
	o.pacing.register(cmd.Flags())
	o.selection.register(cmd.Flags())
	cmd.Flags().StringVarP(&o.output, "output", "o", "text",
		"text, json (schema/plan.schema.json) or markdown (a pull-request comment: summary first, details folded per community, always under GitHub's 65,536 characters)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json", "markdown"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringVar(&o.detailsHint, "details-hint", "",
		`with -o markdown: where to see the changes a long plan leaves out, e.g. "the plan.json artifact of this run" (default: "the JSON plan lists every change")`)
	cmd.Flags().StringVar(&o.out, "out", "", "also save the plan to FILE for \"genuinctl apply FILE\" (it holds phone numbers: keep it private)")
	cmd.Flags().StringVar(&o.endpoint, "endpoint", "",
		"the API base URL apply will use (default $GENUIN_ENDPOINT): with no lockfile yet, the chat_ids of new groups are derived from it; plan makes no call")
	cmd.Flags().BoolVar(&o.detailedExitCode, "detailed-exitcode", false, "exit 0 with no changes, 2 with changes pending, 1 on error")
	return cmd
}

// namespace is what the chat_ids of new groups are derived from: the
// lockfile's lineage, or before any lockfile exists the lineage apply will
// give the first one, which comes from the endpoint (--endpoint, else
// $GENUIN_ENDPOINT). For the embedded sandbox, whose identity is its data
// file's, or with no endpoint, it is "": the plan shows no chat_ids, and
// apply derives them once it knows the endpoint, the same way.
func (o *planOptions) namespace(e *env, st *lockfile.State) string {
	if st != nil {
		return ""
	}
	ep := o.endpoint
	if ep == "" {
		ep = e.getenv("GENUIN_ENDPOINT")
	}
	ep = strings.TrimRight(ep, "/")
	if ep == "" || isSandbox(ep) {
		return ""
	}
	return lockfile.LineageFor(ep)
}

// applySavedCommand is the command that applies a saved plan to the state
// it was made against, named by statePath: "apply PLANFILE" finds
// genuin.lock in the current directory, or the state $GENUIN_STATE names,
// unless told otherwise.
func applySavedCommand(planFile string, lock *lockOptions, statePath string) string {
	switch {
	case lock.state != "" && pgstate.IsURL(statePath):
		return "genuinctl apply " + planFile + " --state '" + statePath + "'"
	case pgstate.IsURL(statePath), filepath.Clean(statePath) == lockfileName:
		return "genuinctl apply " + planFile
	}
	return "genuinctl apply " + planFile + " --lockfile " + statePath
}

// lineageOf is the lockfile's lineage, or "" without one: masked phones in
// the JSON plan are tagged with a hash keyed with it.
func lineageOf(st *lockfile.State) string {
	if st == nil {
		return ""
	}
	return st.Lineage
}
