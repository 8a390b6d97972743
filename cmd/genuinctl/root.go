package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/genuin/genuinctl/internal/redact"
	"github.com/genuin/genuinctl/reconcile/pgstate"
	"github.com/genuin/genuinctl/reconcile/render"
)

// Exit codes are part of the command-line API: scripts and CI branch on them.
const (
	exitOK          = 0   // success; for plan --detailed-exitcode: no changes
	exitError       = 1   // an error before any API call (bad spec, bad flags, refused)
	exitChanges     = 2   // plan --detailed-exitcode: changes pending
	exitThreshold   = 3   // a safety threshold needs --force
	exitPartial     = 4   // apply: some addresses failed, the rest recorded
	exitInterrupted = 130 // apply: interrupted, what finished is recorded
)

const exitCodesHelp = `Exit codes:
  0    success (plan --detailed-exitcode: no changes)
  1    error before any API call: bad spec, bad flags, refused to run
  2    plan --detailed-exitcode: changes pending
  3    a safety threshold needs --force
  4    apply: some addresses failed or --timeout passed; every success is recorded, re-run to converge
  5    lockfile merge: a real conflict; nothing was written
  130  apply: interrupted; finished calls are recorded, re-run to converge`

// env is what a command may touch of the outside world; tests supply their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// rawStdout is stdout before redaction, to ask whether it is a
	// terminal and how wide.
	rawStdout io.Writer
	getenv    func(string) string
	// secrets masks every credential in use in all that is printed; run
	// wraps stdout and stderr with it, and commands add the secrets they
	// learn (a token file's content, an exchanged token).
	secrets *redact.Redactor
	// colour is set when stdout is a terminal that wants colour.
	colour bool
	// annotate adds a GitHub Actions annotation to every error printed
	// (--error-format).
	annotate bool
}

// flush writes out what stdout buffers and a partial line the redacting
// writers hold back.
func (e *env) flush() {
	for _, w := range []io.Writer{e.stdout, e.stderr} {
		if rw, ok := w.(*redact.Writer); ok {
			_ = rw.Flush()
		}
	}
}

// exitError carries an exit code through cobra's error return.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

// withCode wraps err so that run exits with code; a nil err exits quietly.
func withCode(code int, err error) error { return &exitCodeError{code: code, err: err} }

// syncBuffer is stdout's buffer, safe for concurrent use: apply's views
// write from their goroutines, and stderr flushes it.
type syncBuffer struct {
	mu sync.Mutex
	b  *bufio.Writer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Flush writes out what the buffer holds.
func (s *syncBuffer) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Flush()
}

// afterFlush writes to w after flushing first.
type afterFlush struct {
	w     io.Writer
	first *syncBuffer
}

func (a afterFlush) Write(p []byte) (int, error) {
	_ = a.first.Flush()
	return a.w.Write(p)
}

// stdoutBuffer is the size of the buffer beneath stdout: a plan of
// thousands of lines is written in a few large writes, not one a line.
const stdoutBuffer = 64 << 10

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	secrets := knownSecrets(args, getenv)
	// stdout is buffered beneath the redactor, whose Flush flushes it too
	// (e.flush, before a prompt, at exit, and apply's views after each
	// line they print); stderr is not: diagnostics go out as they come,
	// after what stdout holds, so that a terminal or a CI log showing both
	// has them in the order they were written.
	buffered := &syncBuffer{b: bufio.NewWriterSize(stdout, stdoutBuffer)}
	e := &env{stdin: stdin, stdout: secrets.Writer(buffered), stderr: secrets.Writer(afterFlush{stderr, buffered}), rawStdout: stdout, getenv: getenv,
		secrets: secrets, colour: isTerminal(stdout) && getenv("NO_COLOR") == ""}
	defer e.flush()
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)

	err := root.ExecuteContext(context.Background())
	if err == nil {
		return exitOK
	}
	e.flush() // what stdout holds comes before the error on a shared terminal
	var ce *exitCodeError
	if errors.As(err, &ce) {
		if ce.err != nil {
			fmt.Fprintln(e.stderr, "Error:", render.MaskPhonesIn(ce.err.Error()))
			e.annotateError(ce.err)
		}
		return ce.code
	}
	fmt.Fprintln(e.stderr, "Error:", render.MaskPhonesIn(err.Error()))
	e.annotateError(err)
	return exitError
}

// knownSecrets is a Redactor that knows the credentials of the environment
// and the secret parts of an endpoint URL given in it or on the command
// line, before any flag is parsed.
func knownSecrets(args []string, getenv func(string) string) *redact.Redactor {
	r := &redact.Redactor{}
	r.Add(getenv("GENUIN_TOKEN"), getenv("GENUIN_API_KEY"), getenv("GENUIN_API_SECRET"), getenv("PGPASSWORD"))
	r.AddURL(getenv("GENUIN_ENDPOINT"))
	addStatePassword(r, getenv("GENUIN_STATE"))
	for i, arg := range args {
		if v, ok := strings.CutPrefix(arg, "--endpoint="); ok {
			r.AddURL(v)
		} else if arg == "--endpoint" && i+1 < len(args) {
			r.AddURL(args[i+1])
		} else if v, ok := strings.CutPrefix(arg, "--state="); ok {
			addStatePassword(r, v)
		} else if arg == "--state" && i+1 < len(args) {
			addStatePassword(r, args[i+1])
		}
	}
	return r
}

// addStatePassword makes the password of a state URL a secret, even of one
// whose scheme is mistyped: only that, since its user, host and
// parameters name the state in messages.
func addStatePassword(r *redact.Redactor, raw string) {
	u, err := url.Parse(raw)
	if err != nil || !pgstate.LooksLikeURL(raw) {
		return
	}
	pw, _ := u.User.Password()
	r.Add(pw, u.Query().Get("password"), u.Query().Get("sslpassword"))
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM,
// after which the default handling is restored: a second signal ends the
// process at once. Only commands with work to finish and record (apply,
// sandbox) ask for it; for every other command a signal ends the process
// at once, as it does by default, since they write nothing or write
// atomically.
func (e *env) interruptible(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			signal.Stop(sigs)
			fmt.Fprintln(e.stderr, "\nInterrupted: finishing what is in flight and recording it; press Ctrl-C again to stop at once.")
			e.flush()
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "genuinctl",
		Short: "Declarative provisioning for Genuin communities, groups and members",
		Long: `genuinctl keeps Genuin communities, groups (loops) and their member lists in
YAML files under version control. "plan" diffs the files against the
lockfile (genuin.lock, beside the spec) with no network and no token;
"apply" makes the API calls and records every result in the lockfile as it
arrives. Teams with many runners keep that state in PostgreSQL instead:
--state postgres://... or $GENUIN_STATE (see "genuinctl state --help").

Quick start, against the embedded sandbox (no account needed):
  genuinctl apply -f examples/quickstart --endpoint sandbox --auto-approve

` + exitCodesHelp,
		Version:       readBuildInfo().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate(versionTemplate)
	registerErrorFormat(root, e)
	root.AddCommand(
		newInitCmd(e),
		newValidateCmd(e),
		newExpandCmd(e),
		newPlanCmd(e),
		newApplyCmd(e),
		newStateCmd(e),
		newImportCmd(e),
		newLockfileCmd(e),
		newSandboxCmd(e),
		newVersionCmd(e),
	)
	return root
}
