package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/render"
	"github.com/genuin/genuinctl/spec"
)

type applyOptions struct {
	files       specOptions
	lock        lockOptions
	endpoint    endpointOptions
	render      renderOptions
	limits      limitOptions
	autoApprove bool
	planFile    string
	timeout     time.Duration
}

func newApplyCmd(e *env) *cobra.Command {
	var o applyOptions
	o.lock.spec = &o.files
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE | -f PATH...] [--lockfile FILE] [--auto-approve]",
		Short: "Make the API calls that bring the platform to the spec",
		Long: `Apply computes the plan, shows it, asks for "yes" (on a terminal; unattended
runs must pass --auto-approve), then calls the Genuin API: community create,
group create, and update_conversation with exactly the members_added and
members_removed deltas. Every result is written to the lockfile before the
next request starts, so an apply that fails or is interrupted loses nothing:
run it again and it converges. A community whose create fails holds back
its groups: they are counted in its error, and the next apply creates them.

The lockfile is genuin.lock in the spec root (the -f directory, a -f file's
directory, or the deepest directory holding every -f path) unless
--lockfile names another. With PLANFILE (written by "plan --out"), apply
performs exactly that plan, with the chat_ids it generated, and refuses it
if the records it touches changed in the lockfile since, saying which; its
lockfile is genuin.lock in the current directory unless --lockfile names
the one "plan --out" used (plan prints the command).

The lockfile belongs to the endpoint its objects were created at: applying
it to another is refused, saying what to do. Without --endpoint or
GENUIN_ENDPOINT, apply uses the endpoint the lockfile records. A lockfile
that records no objects yet follows the endpoint it is applied to. The
embedded sandbox keeps its state in genuin-sandbox.json beside the lockfile;
a lockfile that records objects of a sandbox whose data file was deleted is
refused (restore the file, or delete the lockfile too).

One apply at a time: the lockfile is locked, and a second apply fails at
once naming the holder, or waits with --lock-timeout.
Members this tool did not add are never removed by it.

Once requests start, Ctrl-C (or SIGTERM) stops starting new ones, lets the
ones in flight finish and records them; a second one exits at once (the
lockfile stays consistent). Before that, a signal ends apply at once. --timeout does the same when the time is up, and exits 4. One
request, with its retries, takes at most 2 minutes.

` + exitCodesHelp,
		Example: `  genuinctl apply -f examples/quickstart --endpoint sandbox --auto-approve
  GENUIN_ENDPOINT=https://api.example GENUIN_TOKEN=... genuinctl apply -f .
  genuinctl plan --out tonight.plan && genuinctl apply tonight.plan --auto-approve`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return []string{"plan"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if cmd.Flags().Changed("file") {
					return withCode(exitError, errors.New("a saved plan carries its changes: give PLANFILE or -f, not both"))
				}
				o.planFile = args[0]
			}
			return runApply(cmd.Context(), e, &o)
		},
	}
	o.files.register(cmd)
	o.lock.register(cmd.Flags())
	o.lock.registerTimeout(cmd.Flags())
	o.endpoint.register(cmd.Flags())
	o.endpoint.registerCredentials(cmd.Flags())
	o.render.register(cmd)
	o.limits.register(cmd.Flags(), true)
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "stop starting requests after this long (e.g. 30m), record what finished and exit 4; 0 means no limit")
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking for confirmation (required when stdin is not a terminal)")
	return cmd
}

func runApply(ctx context.Context, e *env, o *applyOptions) error {
	// The redactor learns the token before any file is read and quoted.
	if _, err := o.endpoint.readToken(e); err != nil {
		return withCode(exitError, err)
	}
	d, saved, err := o.input(e)
	if err != nil {
		return err
	}
	lf, err := o.lock.open(e, "genuinctl apply")
	if err != nil {
		return err
	}
	defer lf.Close() // releases the lock on early returns; a no-op once closed below
	// A saved plan is checked against the lockfile as found, before a new
	// one is bound.
	plan, err := o.plan(e, lf, d, saved)
	if err != nil {
		return err
	}
	t, err := o.endpoint.target(e, lf)
	if err != nil {
		return err
	}
	if err := bind(e, lf, t); err != nil {
		return err
	}
	// Credentials are checked before anything is shown.
	conn, err := o.endpoint.connect(e, t)
	if err != nil {
		return err
	}
	defer func() {
		if err := conn.close(); err != nil {
			fmt.Fprintf(e.stderr, "warning: closing the embedded sandbox: %v\n", err)
		}
	}()
	if saved != nil {
		fmt.Fprintf(e.stdout, "Saved plan %s: its content matches its digest, and none of the records it touches (%d) changed since it was made.\n\n",
			o.planFile, len(saved.Fingerprints))
	}
	if err := render.Text(e.stdout, plan, render.TextOptions{Color: e.colour, ShowPII: o.render.showPII}); err != nil {
		return withCode(exitError, err)
	}
	if !plan.HasChanges() {
		// Fold in a journal a killed run left, so the lockfile to commit
		// holds every result; with none, this writes nothing.
		if err := lf.Checkpoint(); err != nil {
			return withCode(exitError, fmt.Errorf("checkpoint %s: %w", lf.Path(), err))
		}
		return nil
	}
	if err := o.limits.check(e, plan, lf.State()); err != nil {
		return err
	}
	if !o.autoApprove {
		if err := confirm(e); err != nil {
			return err
		}
	}
	view := render.NewApplyText(e.stdout)
	fmt.Fprintf(e.stdout, "\nApplying %s to %s…\n", render.Plural(plan.Summary.Create+plan.Summary.Update+plan.Summary.Pending, "change"), t)
	// From the first request on, a signal lets the requests in flight
	// finish and be recorded; until then it ends the process at once.
	ctx, stop := e.interruptible(ctx)
	defer stop()
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	applyErr := reconcile.Apply(ctx, plan, lf, conn.client, view, reconcile.ApplyOptions{})
	if err := lf.Close(); err != nil {
		return withCode(exitError, fmt.Errorf("checkpoint %s: %w (the journal beside it still holds every result)", lf.Path(), err))
	}
	return reportApply(e, lf, view, conn.client.Calls(), applyErr)
}

// input reads what to apply: the saved plan, or else the spec.
func (o *applyOptions) input(e *env) (*spec.Desired, *reconcile.SavedPlan, error) {
	if o.planFile != "" {
		saved, err := readSavedPlan(o.planFile)
		return nil, saved, err
	}
	d, err := o.files.load(e)
	return d, nil, err
}

// plan returns the plan to apply: the saved plan, if it still holds, or a
// fresh diff of the spec.
func (o *applyOptions) plan(e *env, lf *lockfile.File, d *spec.Desired, saved *reconcile.SavedPlan) (*reconcile.Plan, error) {
	if saved == nil {
		warnForeign(e, lf, d)
		return reconcile.Diff(d, lf.State(), reconcile.Options{}), nil
	}
	if err := saved.Check(lf.State()); err != nil {
		return nil, withCode(exitError, fmt.Errorf("%s: %w", o.planFile, err))
	}
	return saved.Plan, nil
}

// reportApply prints the outcome and chooses the exit code.
func reportApply(e *env, lf *lockfile.File, view *render.ApplyText, calls int64, err error) error {
	serial := int64(0)
	if st := lf.State(); st != nil {
		serial = st.Serial
	}
	view.Summary(err, calls, lf.Path(), serial)
	if err == nil {
		fmt.Fprintln(e.stdout, "Apply complete: the platform matches the spec.")
		return nil
	}
	code := exitPartial // failures, or --timeout
	if errors.Is(err, reconcile.ErrInterrupted) {
		code = exitInterrupted
	}
	return withCode(code, errors.New(render.ApplyErrors(err)))
}

// confirm asks for "yes" on a terminal and refuses to guess otherwise.
func confirm(e *env) error {
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return withCode(exitError, errors.New("refusing to apply unattended: stdin is not a terminal, so nobody can confirm; review the plan and pass --auto-approve"))
	}
	fmt.Fprint(e.stdout, "Do you want to perform these actions? Only 'yes' will be accepted: ")
	e.flush()
	answer, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return withCode(exitError, err)
	}
	if strings.TrimSpace(answer) != "yes" {
		return withCode(exitError, errors.New("apply cancelled: nothing was changed"))
	}
	return nil
}
