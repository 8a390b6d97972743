package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// specOptions select the spec files.
type specOptions struct {
	paths []string
}

func (o *specOptions) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&o.paths, "file", "f", []string{"."},
		"spec file or directory (every *.yaml/*.yml below it, sorted); repeatable")
}

// load reads and validates the spec, printing every diagnostic on failure.
func (o *specOptions) load(e *env) (*spec.Desired, error) {
	d, err := spec.Load(o.paths)
	if err != nil {
		printDiagnostics(e, err)
		return nil, withCode(exitError, fmt.Errorf("the spec has errors; nothing was changed"))
	}
	return d, nil
}

// printDiagnostics writes one file:line:col: message per line.
func printDiagnostics(e *env, err error) {
	diags := spec.Diagnostics(err)
	if len(diags) == 0 {
		fmt.Fprintln(e.stderr, err)
		return
	}
	for _, d := range diags {
		fmt.Fprintln(e.stderr, d)
	}
}

// lockOptions select the lockfile.
type lockOptions struct {
	path    string
	timeout time.Duration
}

func (o *lockOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.path, "lockfile", "genuin.lock", "the lockfile recording what exists on the platform")
}

// registerTimeout adds --lock-timeout to commands that write the lockfile.
func (o *lockOptions) registerTimeout(fs *pflag.FlagSet) {
	fs.DurationVar(&o.timeout, "lock-timeout", 0, "wait this long for another genuinctl holding the lockfile (e.g. 5m); 0 fails at once")
}

// load reads the lockfile (and any journal) without locking it.
func (o *lockOptions) load(e *env) (*lockfile.File, error) {
	f, err := lockfile.Load(o.path)
	if err != nil {
		return nil, withCode(exitError, err)
	}
	noteRecovered(e, f)
	return f, nil
}

// open locks the lockfile for writing and reads it; the caller closes it.
func (o *lockOptions) open(e *env, command string) (*lockfile.File, error) {
	f, err := lockfile.Open(o.path, o.timeout, command)
	if err != nil {
		return nil, withCode(exitError, err)
	}
	noteRecovered(e, f)
	return f, nil
}

func noteRecovered(e *env, f *lockfile.File) {
	if n := f.Recovered(); n > 0 {
		fmt.Fprintf(e.stderr, "note: replayed %d results from %s, left by an apply that did not finish; apply folds them into the lockfile\n", n, lockfile.JournalPath(f.Path()))
	}
}

// renderOptions tune how plans are shown.
type renderOptions struct {
	showPII bool
}

func (o *renderOptions) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.showPII, "show-pii", false, "print phone numbers in full (they are masked by default)")
}
