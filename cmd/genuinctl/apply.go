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
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE | -f PATH...] [--lockfile FILE] [--auto-approve]",
		Short: "Make the API calls that bring the platform to the spec",
		Long: `Apply computes the plan, shows it, asks for "yes" (on a terminal; unattended
runs must pass --auto-approve), then calls the Genuin API: community create,
group create, and update_conversation with exactly the members_added and
members_removed deltas. Every result is written to the lockfile before the
next request starts, so an apply that fails or is interrupted loses nothing:
run it again and it converges.

With PLANFILE (written by "plan --out"), apply performs exactly that plan,
with the chat_ids it generated, and refuses it if the records it touches
changed in the lockfile since, saying which.

The lockfile belongs to one endpoint: applying it to another is refused.
One apply at a time: the lockfile is locked, and a second apply fails at
once naming the holder, or waits with --lock-timeout.
Members this tool did not add are never removed by it.

Ctrl-C (or SIGTERM) stops starting requests, lets the ones in flight finish
and records them; a second one exits at once (the lockfile stays
consistent). --timeout does the same when the time is up, and exits 4. One
request, with its retries, takes at most 2 minutes.

` + exitCodesHelp,
		Example: `  genuinctl apply -f examples/quickstart --endpoint sandbox --auto-approve
  GENUIN_ENDPOINT=https://api.example GENUIN_TOKEN=... genuinctl apply -f .
  genuinctl plan --out tonight.plan && genuinctl apply tonight.plan --auto-approve`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if cmd.Flags().Changed("file") {
					return withCode(exitError, errors.New("a saved plan carries its changes: give PLANFILE or -f, not both"))
				}
				o.planFile = args[0]
			}
			ctx, stop := e.interruptible(cmd.Context())
			defer stop()
			return runApply(ctx, e, &o)
		},
	}
	o.files.register(cmd)
	o.lock.register(cmd.Flags())
	o.lock.registerTimeout(cmd.Flags())
	o.endpoint.register(cmd)
	o.render.register(cmd)
	o.limits.register(cmd.Flags(), true)
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "stop starting requests after this long (e.g. 30m), record what finished and exit 4; 0 means no limit")
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking for confirmation (required when stdin is not a terminal)")
	return cmd
}

func runApply(ctx context.Context, e *env, o *applyOptions) error {
	endpoint, err := o.endpoint.resolve(e)
	if err != nil {
		return err
	}
	// Credentials and the endpoint are checked before anything is shown.
	conn, err := o.endpoint.connect(e, endpoint)
	if err != nil {
		return err
	}
	defer func() {
		if err := conn.close(); err != nil {
			fmt.Fprintf(e.stderr, "warning: closing the embedded sandbox: %v\n", err)
		}
	}()
	lf, plan, err := o.loadPlan(e, endpoint)
	if err != nil {
		return err
	}
	defer lf.Close() // releases the lock on early returns; a no-op once closed below
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
	lf.Init(endpoint)
	view := &applyView{w: e.stdout, started: map[*reconcile.Change]time.Time{}}
	fmt.Fprintf(e.stdout, "\nApplying %s to %s…\n", render.Plural(plan.Summary.Create+plan.Summary.Update+plan.Summary.Pending, "change"), endpoint)
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

// loadPlan locks the lockfile and returns it with the plan to apply: the
// saved plan, if it still holds, or a fresh diff of the spec.
func (o *applyOptions) loadPlan(e *env, endpoint string) (*lockfile.File, *reconcile.Plan, error) {
	var d *spec.Desired
	var saved *reconcile.SavedPlan
	var err error
	if o.planFile != "" {
		saved, err = readSavedPlan(o.planFile)
	} else {
		d, err = o.files.load(e)
	}
	if err != nil {
		return nil, nil, err
	}
	lf, err := o.lock.open(e, "genuinctl apply")
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*lockfile.File, *reconcile.Plan, error) {
		lf.Close()
		return nil, nil, withCode(exitError, err)
	}
	if st := lf.State(); st != nil && st.Endpoint != endpoint {
		return fail(fmt.Errorf("%s belongs to endpoint %q, not %q: pass the matching --endpoint, or --lockfile for a lockfile of %q",
			lf.Path(), st.Endpoint, endpoint, endpoint))
	}
	if saved == nil {
		return lf, reconcile.Diff(d, lf.State(), reconcile.Options{}), nil
	}
	if err := saved.Check(lf.State()); err != nil {
		return fail(fmt.Errorf("%s: %w", o.planFile, err))
	}
	fmt.Fprintf(e.stdout, "Saved plan %s: its content matches its digest, and none of the records it touches (%d) changed since it was made.\n\n",
		o.planFile, len(saved.Fingerprints))
	return lf, saved.Plan, nil
}

// reportApply prints the outcome and chooses the exit code.
func reportApply(e *env, lf *lockfile.File, view *applyView, calls int64, err error) error {
	serial := int64(0)
	if st := lf.State(); st != nil {
		serial = st.Serial
	}
	fmt.Fprintf(e.stdout, "\n%d succeeded, %d failed; %d API requests. %s is at serial %d.\n",
		view.ok, view.failed, calls, lf.Path(), serial)
	switch {
	case err == nil:
		fmt.Fprintln(e.stdout, "Apply complete: the platform matches the spec.")
		return nil
	case errors.Is(err, reconcile.ErrTimedOut):
		return withCode(exitPartial, err)
	case errors.Is(err, reconcile.ErrInterrupted):
		return withCode(exitInterrupted, err)
	default:
		return withCode(exitPartial, fmt.Errorf("apply finished with errors; every success is recorded, fix the causes and run apply again:\n%w", err))
	}
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

// applyView prints one line per finished change.
type applyView struct {
	w       io.Writer
	started map[*reconcile.Change]time.Time
	ok      int
	failed  int
}

var _ reconcile.Hooks = (*applyView)(nil)

func (v *applyView) ChangeStarted(c *reconcile.Change) { v.started[c] = time.Now() }

func (v *applyView) ChangeFinished(c *reconcile.Change, err error) {
	took := time.Since(v.started[c]).Round(time.Millisecond)
	if reconcile.IsStop(err) {
		fmt.Fprintf(v.w, "… %s %s stopped before its next request; the next apply continues it\n", c.Address, c.Action)
		return
	}
	if err != nil {
		v.failed++
		fmt.Fprintf(v.w, "✗ %s %s failed after %s\n", c.Address, c.Action, took)
		return
	}
	v.ok++
	fmt.Fprintf(v.w, "✓ %s %s", c.Address, c.Action)
	if n, m := len(c.MembersAdded), len(c.MembersRemoved); n+m > 0 {
		fmt.Fprintf(v.w, " (+%d −%d members)", n, m)
	}
	fmt.Fprintf(v.w, " in %s\n", took)
}
