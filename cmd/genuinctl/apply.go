package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/genuin/genuinctl/internal/genuin"
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
	pacing      pacingOptions
	selection   selectionOptions
	output      string
	progress    string
	maxFailures float64
	autoApprove bool
	planFile    string
	timeout     time.Duration
}

func newApplyCmd(e *env) *cobra.Command {
	var o applyOptions
	o.lock.spec, o.endpoint.spec = &o.files, &o.files
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE | -f PATH...] [--lockfile FILE] [--auto-approve]",
		Short: "Make the API calls that bring the platform to the spec",
		Long: `Apply computes the plan, shows it, asks for "yes" (on a terminal; unattended
runs must pass --auto-approve), then calls the Genuin API: community create,
group create, and update_conversation with exactly the members_added,
members_removed and subscribers_removed deltas. Every result is written to the lockfile before the
worker that got it sends its next request, so an apply that fails or is
interrupted loses nothing: run it again and it converges. A community whose create fails holds back
its groups: they are counted in its error, and the next apply creates them.
A record that a moved block carries to a new address is moved in the
lockfile first, with no API call. --target and --exclude narrow the plan as
they do for plan.

The lockfile is genuin.lock in the spec root (the -f directory, a -f file's
directory, or the deepest directory holding every -f path) unless
--lockfile names another. With PLANFILE (written by "plan --out"), apply
performs exactly that plan, with its chat_ids, and refuses it if the
records it touches changed in the lockfile in a way the plan does not
explain, saying which. Running it again after it exited 4 or 130 resumes
it: the changes not yet recorded are made (pending creates re-sent with the
plan's chat_ids, updates not yet recorded), nothing else, and the summary
ends with "resumed: N of M changes were already done". Its
lockfile is genuin.lock in the current directory unless --lockfile names
the one "plan --out" used (plan prints the command).

The lockfile belongs to the endpoint its objects were created at: applying
it to another is refused, saying what to do. Without --endpoint or
GENUIN_ENDPOINT, apply uses the endpoint the lockfile records. A lockfile
that records no objects yet follows the endpoint it is applied to. The
embedded sandbox keeps its state in genuin-sandbox.json beside the lockfile;
a lockfile that records objects of a sandbox whose data file was deleted is
refused (restore the file, or delete the lockfile too).

Changes run --parallelism at a time (default 10). The requests of one
address stay in order, a group waits for its community's create, and
nothing else waits for anything. All workers share one request rate:
--rate caps it, and apply slows down by itself when the API answers 429
(or 503 in bursts) and speeds up again (AIMD), saying so on stderr. The
circuit breaker stops starting new requests once more than
--max-failure-rate of the last 100 failed (no answer, a 5xx or a refused
token; not a 429 or a 4xx refusal of one request): the ones in flight
finish and are recorded, none is retried, and apply exits 4. A dead API
costs about 20 failed requests, not one per change.

Progress: on a terminal a live status line (done/total, requests/s, in
flight, failures, ETA) below the lines of the finished changes; in CI
(stdout not a terminal) a plain progress line every 10s. -o json writes
NDJSON events instead (schema/apply-events.schema.json): apply_start,
change_start, change_finish, rate, progress every 10s and a summary; it
needs --auto-approve and prints no plan.

One apply at a time: the lockfile is locked, and a second apply fails at
once naming the holder, or waits with --lock-timeout.
Members this tool did not add are never removed by it.

Once requests start, Ctrl-C (or SIGTERM) stops starting new ones, lets the
ones in flight finish and records them; a second one exits at once (the
lockfile stays consistent). Before that, a signal ends apply at once.
--timeout does the same when the time is up, and exits 4. One request,
with its retries, takes at most 2 minutes.

` + exitCodesHelp,
		Example: `  genuinctl apply -f examples/quickstart --endpoint sandbox --auto-approve
  GENUIN_ENDPOINT=https://api.example GENUIN_TOKEN=... genuinctl apply -f .
  genuinctl plan --out tonight.plan && genuinctl apply tonight.plan --auto-approve
  genuinctl apply -f campaign --auto-approve --parallelism 32 --rate 40 -o json > events.ndjson`,
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
	o.pacing.register(cmd.Flags())
	o.selection.register(cmd.Flags())
	cmd.Flags().Float64Var(&o.maxFailures, "max-failure-rate", genuin.DefaultMaxFailureRate,
		fmt.Sprintf("stop sending requests once more than this share of the last %d failed: no answer, 5xx, refused token (1 never stops)", genuin.BreakerWindow))
	cmd.Flags().StringVar(&o.progress, "progress", "auto", "auto, tty (a live status line), plain (a line every 10s) or none; auto is tty on a terminal, plain otherwise")
	_ = cmd.RegisterFlagCompletionFunc("progress", cobra.FixedCompletions([]string{"auto", "tty", "plain", "none"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "text, or json for NDJSON events (schema/apply-events.schema.json)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "stop starting requests after this long (e.g. 30m), record what finished and exit 4; 0 means no limit")
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking for confirmation (required when stdin is not a terminal)")
	return cmd
}

func runApply(ctx context.Context, e *env, o *applyOptions) error {
	if err := o.check(); err != nil {
		return withCode(exitError, err)
	}
	// The redactor learns the token before any file is read and quoted.
	if _, err := o.endpoint.readToken(e); err != nil {
		return withCode(exitError, err)
	}
	d, saved, lf, err := o.inputAndState(e)
	if err != nil {
		return err
	}
	var resumed *reconcile.Resumed
	defer lf.Close() // releases the lock on early returns; a no-op once closed below
	// A saved plan is checked against the lockfile as found, before a new
	// one is bound.
	plan, resumed, err := o.plan(e, lf, d, saved)
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
	// Creates planned with no lockfile and no endpoint get their chat_ids
	// now, derived from the lineage of the lockfile just bound.
	reconcile.DeriveChatIDs(plan, lf.State().Lineage)
	// Credentials are checked before anything is shown. The view exists
	// only once the plan is known: rate changes reach it through views.
	var views rateViews
	conn, err := o.endpoint.connect(e, t, func(opts *genuin.Options) {
		o.pacing.tune(opts, views.rateChanged)
		opts.MaxFailureRate = o.maxFailures
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := conn.close(); err != nil {
			fmt.Fprintf(e.stderr, "warning: closing the embedded sandbox: %v\n", err)
		}
	}()
	// With -o json, stdout holds the events only.
	human, notes := e.stdout, e.stdout
	if o.output == "json" {
		human, notes = io.Discard, e.stderr
	}
	switch {
	case resumed != nil && resumed.Moved > 0:
		fmt.Fprintf(notes, "Saved plan %s: its content matches its digest, and its records moved only as applying it moves them: %d of its %d changes are done already; resuming with the rest.\n\n",
			o.planFile, resumed.Done, resumed.Total)
	case saved != nil:
		fmt.Fprintf(notes, "Saved plan %s: its content matches its digest, and none of the records it touches (%d) changed since it was made.\n\n",
			o.planFile, len(saved.Fingerprints))
	}
	plan.Estimate = o.pacing.estimate(plan)
	if err := render.Text(human, plan, render.TextOptions{Color: e.colour, ShowPII: o.render.showPII}); err != nil {
		return withCode(exitError, err)
	}
	if !plan.HasChanges() {
		// Fold in a journal a killed run left, so the lockfile to commit
		// holds every result; with none, this writes nothing.
		if err := lf.Checkpoint(); err != nil {
			return withCode(exitError, fmt.Errorf("checkpoint %s: %w", lf.Path(), err))
		}
		if o.output == "json" { // a machine still gets its start and summary
			view, err := o.view(e, plan, conn)
			if err != nil {
				return withCode(exitError, err)
			}
			view.Start()
			return reportApply(e, human, notes, lf, view, conn.client.Calls(), resumed, plan.LeftOut, nil)
		}
		printResumed(notes, resumed)
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
	view, err := o.view(e, plan, conn)
	if err != nil {
		return withCode(exitError, err)
	}
	views.set(view)
	changes := plan.Summary.Create + plan.Summary.Update + plan.Summary.Pending
	atOnce := ""
	if n := min(changes, o.pacing.parallelism); n > 1 {
		atOnce = fmt.Sprintf(", %d at a time", n)
	}
	fmt.Fprintf(human, "\nApplying %s to %s%s…\n", render.Plural(changes, "change"), t, atOnce)
	// From the first request on, a signal lets the requests in flight
	// finish and be recorded; until then it ends the process at once.
	ctx, stop := e.interruptible(ctx)
	defer stop()
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	view.Start()
	applyErr := reconcile.Apply(ctx, plan, lf, conn.client, view, reconcile.ApplyOptions{Parallelism: o.pacing.parallelism})
	view.Stop()
	if err := lf.Close(); err != nil {
		applyErr = multierror.Append(applyErr, fmt.Errorf("checkpoint %s: %w (its journal still holds every result: fix the cause and run apply again to fold it in)", lf.Path(), err))
	}
	return reportApply(e, human, notes, lf, view, conn.client.Calls(), resumed, plan.LeftOut, applyErr)
}

// check refuses flag values that cannot work, before anything is read.
func (o *applyOptions) check() error {
	switch {
	case o.output != "text" && o.output != "json":
		return fmt.Errorf("--output %q: use text or json", o.output)
	case o.output == "json" && !o.autoApprove:
		return errors.New("-o json writes events only, with no room for a prompt: review the plan first (genuinctl plan) and pass --auto-approve")
	case !(o.maxFailures > 0 && o.maxFailures <= 1):
		return fmt.Errorf("--max-failure-rate %v: want a share above 0 and at most 1 (1 never stops)", o.maxFailures)
	case o.timeout < 0:
		return fmt.Errorf("--timeout %s: want a duration of 0 (no limit) or more", o.timeout)
	}
	if _, err := render.ParseProgress(o.progress, false); err != nil {
		return err
	}
	if o.planFile != "" && !o.selection.sel.IsZero() {
		return errors.New("--target and --exclude narrow a plan being made: a saved plan applies as it was saved (plan --out records its own --target and --exclude)")
	}
	if err := o.selection.check(); err != nil {
		return err
	}
	return o.pacing.check()
}

// view is the apply's view: NDJSON events with -o json, else text with
// the progress line --progress asks for.
func (o *applyOptions) view(e *env, plan *reconcile.Plan, conn *connection) (render.ApplyView, error) {
	terminal := isTerminal(e.rawStdout)
	progress, err := render.ParseProgress(o.progress, terminal)
	if err != nil {
		return nil, err
	}
	opts := render.ApplyViewOptions{JSON: o.output == "json", Plan: plan, Parallelism: o.pacing.parallelism,
		Requests: conn.client.Calls, Progress: progress, Notices: e.stderr}
	if terminal {
		opts.Width = func() int {
			w, _, _ := term.GetSize(int(e.rawStdout.(*os.File).Fd()))
			return w
		}
	}
	return render.NewApply(e.stdout, opts), nil
}

// rateViews forwards the client's rate changes to the view, once there is
// one: the client is built before the plan is shown.
type rateViews struct {
	mu   sync.Mutex
	view render.ApplyView
}

func (r *rateViews) set(v render.ApplyView) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.view = v
}

func (r *rateViews) rateChanged(rc genuin.RateChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.view != nil {
		r.view.RateChanged(rc)
	}
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

// inputAndState reads the spec or the saved plan and, at the same time,
// opens the state for writing: at 20,000 groups the spec takes about a
// second to read and the lockfile a third of one, and a database's
// connect, lock and read add a fifth of a second.
func (o *applyOptions) inputAndState(e *env) (*spec.Desired, *reconcile.SavedPlan, *lockfile.File, error) {
	s, err := o.lock.storage(e)
	if err != nil {
		return nil, nil, nil, err
	}
	var (
		d     *spec.Desired
		saved *reconcile.SavedPlan
	)
	f, err := stateAlongside(e,
		func() (*lockfile.File, error) { return lockfile.OpenStorage(s, o.lock.timeout, "genuinctl apply") },
		func() (err error) { d, saved, err = o.input(e); return err })
	return d, saved, f, err
}

// plan returns the plan to apply: what is left of the saved plan, if it
// still holds (resumed says how much of it was done already), or a fresh
// diff of the spec.
func (o *applyOptions) plan(e *env, lf *lockfile.File, d *spec.Desired, saved *reconcile.SavedPlan) (*reconcile.Plan, *reconcile.Resumed, error) {
	if saved == nil {
		if err := checkMoves(e, d, lf.State()); err != nil {
			return nil, nil, err
		}
		warnForeign(e, lf, d)
		return o.selection.apply(e, reconcile.Diff(d, lf.State(), reconcile.Options{}), d, lf.State()), nil, nil
	}
	r, err := saved.Resume(lf.State())
	if err != nil {
		return nil, nil, withCode(exitError, fmt.Errorf("%s: %w", o.planFile, err))
	}
	return r.Plan, r, nil
}

// printResumed closes the summary of a resumed saved plan.
func printResumed(w io.Writer, r *reconcile.Resumed) {
	if r != nil && r.Moved > 0 {
		fmt.Fprintf(w, "resumed: %d of %d changes were already done\n", r.Done, r.Total)
	}
}

// reportApply prints the outcome and chooses the exit code; leftOut
// counts the changes --target and --exclude left out of the plan.
func reportApply(e *env, human, notes io.Writer, lf *lockfile.File, view render.ApplyView, calls int64, resumed *reconcile.Resumed, leftOut int, err error) error {
	serial := int64(0)
	if st := lf.State(); st != nil {
		serial = st.Serial
	}
	view.Summary(err, calls, lf.Path(), serial)
	printResumed(notes, resumed)
	switch {
	case err == nil && leftOut > 0:
		fmt.Fprintf(human, "Apply complete for the selected addresses: --target/--exclude left %s of the difference out; run plan to see it.\n",
			render.Plural(leftOut, "change"))
		return nil
	case err == nil:
		fmt.Fprintln(human, "Apply complete: the platform matches the spec.")
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
