package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/pgstate"
	"github.com/genuin/genuinctl/reconcile/render"
	"github.com/genuin/genuinctl/spec"
)

// specOptions select the spec files.
type specOptions struct {
	paths []string
}

func (o *specOptions) register(cmd *cobra.Command) {
	o.registerWith(cmd.Flags(), "spec file or directory; below a directory, every *.yaml/*.yml file with \"version: 1\" or a "+
		"communities, groups, member_lists or generators key, sorted, leaving out hidden files and testdata directories "+
		"(other YAML is skipped, with a note); repeatable")
}

// registerWith adds -f with its help text; the state commands use it only
// to find the spec's lockfile.
func (o *specOptions) registerWith(fs *pflag.FlagSet, usage string) {
	fs.StringArrayVarP(&o.paths, "file", "f", []string{"."}, usage)
	_ = fs.SetAnnotation("file", cobra.BashCompFilenameExt, []string{"yaml", "yml"})
}

// root is the spec root: the directory -f names, a file's directory, or
// the deepest directory holding every -f path; relative when every path
// is. It is the directory the spec package confines the files a spec
// names to (without resolving symlinks: it is a place to show people).
func (o *specOptions) root() string {
	var dirs []string
	relative := true
	for _, p := range o.paths {
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			p = filepath.Dir(p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		relative = relative && !filepath.IsAbs(p)
		dirs = append(dirs, abs)
	}
	if len(dirs) == 0 {
		return "."
	}
	root := commonAncestor(dirs)
	if wd, err := os.Getwd(); err == nil && relative {
		if rel, err := filepath.Rel(wd, root); err == nil {
			return rel
		}
	}
	return root
}

// commonAncestor is the deepest directory holding every one of dirs, all
// absolute and clean; on paths with no common ancestor (two Windows
// volumes) it is the first.
func commonAncestor(dirs []string) string {
	root := dirs[0]
	for _, dir := range dirs[1:] {
		for !within(root, dir) {
			parent := filepath.Dir(root)
			if parent == root {
				return dirs[0]
			}
			root = parent
		}
	}
	return root
}

// within reports whether path is dir or below it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// load reads and validates the spec, printing every diagnostic on failure.
func (o *specOptions) load(e *env) (*spec.Desired, error) {
	d, err := spec.Load(o.paths)
	if err != nil {
		printDiagnostics(e, err)
		return nil, withCode(exitError, fmt.Errorf("the spec has errors; nothing was changed"))
	}
	for _, note := range spec.SkippedNotes(d.Skipped) {
		fmt.Fprintln(e.stderr, "note: "+note)
	}
	return d, nil
}

// printDiagnostics writes one file:line:col: message per line, each
// followed by its annotation when errors are annotated.
func printDiagnostics(e *env, err error) {
	diags := spec.Diagnostics(err)
	if len(diags) == 0 {
		fmt.Fprintln(e.stderr, render.MaskPhonesIn(err.Error()))
		return
	}
	for _, d := range diags {
		// Masked: a phone number written where a user id belongs is
		// quoted by the schema's message as it is.
		fmt.Fprintln(e.stderr, render.MaskPhonesIn(d.Error()))
		e.annotateDiagnostic(d)
	}
}

// lockfileName is the lockfile's name in the spec root.
const lockfileName = "genuin.lock"

// lockOptions select the state: a lockfile (the default) or a PostgreSQL
// database.
type lockOptions struct {
	path    string
	state   string
	timeout time.Duration
	// spec is the spec whose root holds the lockfile by default.
	spec *specOptions
}

func (o *lockOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.path, "lockfile", "", "the lockfile recording what exists on the platform (default "+lockfileName+
		" in the spec root: the -f directory, a -f file's directory, or the deepest directory holding every -f path)")
	_ = fs.SetAnnotation("lockfile", cobra.BashCompFilenameExt, []string{"lock"})
	fs.StringVar(&o.state, "state", "", "where the state lives instead: a lockfile's path, or postgres://USER@HOST[:PORT]/DB?sslmode=...&project=NAME "+
		"for one shared by many runners (default $GENUIN_STATE, else the lockfile); its password comes from PGPASSWORD, a passfile or $GENUIN_STATE, never this flag")
}

// storage is where the state lives: --state, --lockfile, $GENUIN_STATE,
// else genuin.lock beside the spec. A PostgreSQL state's password is
// refused on the command line, where other users and CI logs see it.
func (o *lockOptions) storage(e *env) (lockfile.Storage, error) {
	where, from := o.state, "--state"
	switch {
	case o.state != "" && o.path != "":
		return nil, withCode(exitError, errors.New("pass --state or --lockfile, not both"))
	case o.path != "":
		where, from = o.path, "--lockfile"
	case where == "":
		where, from = e.getenv("GENUIN_STATE"), "$GENUIN_STATE"
	}
	switch {
	case where == "":
		return lockfile.Disk(filepath.Join(o.spec.root(), lockfileName)), nil
	case pgstate.IsURL(where):
	case pgstate.LooksLikeURL(where):
		// Not quoted: a mistyped URL may carry a password.
		return nil, withCode(exitError, fmt.Errorf("%s is neither a postgres://USER@HOST/DB URL nor a lockfile's path (one has no \"://\" and does not start with \"postgres\"): check its scheme", from))
	default:
		return lockfile.Disk(where), nil
	}
	cfg, err := pgstate.ParseURL(where)
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("%s: %w", from, err))
	}
	e.secrets.Add(cfg.Password())
	if cfg.PasswordInURL && from != "$GENUIN_STATE" {
		return nil, withCode(exitError, fmt.Errorf("%s carries a password, which a command line shows to other users and CI logs: "+
			"remove it from the URL and set PGPASSWORD, use a passfile (PGPASSFILE, ~/.pgpass), or put the URL in GENUIN_STATE", from))
	}
	return pgstate.New(cfg), nil
}

// registerTimeout adds --lock-timeout to commands that write the lockfile.
func (o *lockOptions) registerTimeout(fs *pflag.FlagSet) {
	fs.DurationVar(&o.timeout, "lock-timeout", 0, "wait this long for another genuinctl holding the state's lock (e.g. 5m); 0 fails at once")
}

// load reads the state (and any journal) without locking it.
func (o *lockOptions) load(e *env) (*lockfile.File, error) {
	s, err := o.storage(e)
	if err != nil {
		return nil, err
	}
	f, err := lockfile.LoadStorage(s)
	return loaded(e, f, err)
}

// loaded is what load makes of lockfile.Load's results: the error with
// its exit code, or a note of a journal replayed.
func loaded(e *env, f *lockfile.File, err error) (*lockfile.File, error) {
	if err != nil {
		return nil, withCode(exitError, err)
	}
	noteRecovered(e, f)
	return f, nil
}

// loadSpecAndLockfile reads the spec and, at the same time, the lockfile
// without locking it: on a campaign of 20,000 groups each read takes about
// a second, and they share nothing.
func loadSpecAndLockfile(e *env, files *specOptions, lock *lockOptions) (*spec.Desired, *lockfile.File, error) {
	s, err := lock.storage(e)
	if err != nil {
		return nil, nil, err
	}
	var d *spec.Desired
	f, err := stateAlongside(e,
		func() (*lockfile.File, error) { return lockfile.LoadStorage(s) },
		func() (err error) { d, err = files.load(e); return err })
	return d, f, err
}

// stateAlongside opens the state with open while read reads the spec (or
// a saved plan), and returns the state as loaded does. What they print
// comes in the order of doing them one after the other: the spec's
// diagnostics, then the state's; the state's error counts only when read
// has none. A read that fails does not wait for the state (for a lock held
// elsewhere, say): the state is closed, unchanged, whenever it opens.
func stateAlongside(e *env, open func() (*lockfile.File, error), read func() error) (*lockfile.File, error) {
	type opened struct {
		f   *lockfile.File
		err error
	}
	state := make(chan opened, 1)
	go func() {
		f, err := open()
		state <- opened{f, err}
	}()
	if err := read(); err != nil {
		go func() {
			if r := <-state; r.f != nil {
				r.f.Close()
			}
		}()
		return nil, err
	}
	r := <-state
	return loaded(e, r.f, r.err)
}

// open locks the lockfile for writing and reads it; the caller closes it.
func (o *lockOptions) open(e *env, command string) (*lockfile.File, error) {
	s, err := o.storage(e)
	if err != nil {
		return nil, err
	}
	f, err := lockfile.OpenStorage(s, o.timeout, command)
	if err != nil {
		return nil, withCode(exitError, err)
	}
	noteRecovered(e, f)
	return f, nil
}

// warnForeign says so when fewer than half of the objects the lockfile
// records are in the spec: it is most likely another spec's lockfile,
// found where the spec's own was expected or given by mistake.
func warnForeign(e *env, lf *lockfile.File, d *spec.Desired) {
	st := lf.State()
	if st == nil {
		return
	}
	inSpec := 0
	for _, addr := range st.Addresses() {
		if d.Groups[addr] != nil || st.Communities[addr] != nil && d.Communities[st.Communities[addr].Handle] != nil {
			inSpec++
		}
	}
	recorded := len(st.Communities) + len(st.Groups)
	if 2*inSpec >= recorded {
		return
	}
	how := "none of them in this spec"
	switch {
	case recorded == 1:
		how = "not in this spec"
	case inSpec > 0:
		how = fmt.Sprintf("only %d of them in this spec", inSpec)
	}
	fmt.Fprintf(e.stderr, "warning: %s records %s, %s: is it another spec's lockfile? pass --lockfile\n",
		lf.Path(), render.Plural(recorded, "object"), how)
}

func noteRecovered(e *env, f *lockfile.File) {
	if n := f.Recovered(); n > 0 {
		fmt.Fprintf(e.stderr, "note: replayed %s from %s, left by an apply that did not finish; apply folds them in\n", render.Plural(n, "result"), f.JournalPath())
	}
}

// renderOptions tune how plans are shown.
type renderOptions struct {
	showPII bool
}

func (o *renderOptions) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.showPII, "show-pii", false, "print phone numbers in full (they are masked by default)")
}

// checkMoves refuses the spec's moved blocks that the lockfile's records
// cannot follow, printing each at its position.
func checkMoves(e *env, d *spec.Desired, st *lockfile.State) error {
	if err := reconcile.CheckMoves(d, st); err != nil {
		printDiagnostics(e, err)
		return withCode(exitError, errors.New("the moved blocks do not fit the lockfile; nothing was changed"))
	}
	return nil
}
