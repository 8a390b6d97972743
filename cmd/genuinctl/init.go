package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/reconcile/render"
)

// scaffold holds the files init writes. Its .github directory is the
// canonical copy of the workflows and their scripts: examples/gitops/.github
// repeats it byte for byte, which a test checks (go:embed cannot reach the
// examples from here).
//
//go:embed all:scaffold
var scaffold embed.FS

// scaffoldVersion is the genuinctl release the scaffold's files name: the
// version the workflows install and the schema the starter spec points
// at. A release build of init writes its own version instead.
const scaffoldVersion = "v0.1.0"

// scaffoldFile is a file init writes whole, from scaffold/.
type scaffoldFile struct {
	path  string // slash-separated, below DIR and below scaffold/
	about string
	mode  fs.FileMode
}

// scaffoldFiles are the files of scaffold/, in the order init lists them.
var scaffoldFiles = []scaffoldFile{
	{"genuin.yaml", "a starter spec: one community, one group", 0o644},
	{".github/workflows/genuinctl-plan.yml", "pull requests: validate, plan, comment the plan", 0o644},
	{".github/workflows/genuinctl-apply.yml", "main: apply, commit genuin.lock back", 0o644},
	{".github/scripts/genuinctl-plan.sh", "the plan workflow's validate and plan", 0o755},
	{".github/scripts/genuinctl-comment.sh", "the plan comment, updated on every push", 0o755},
	{".github/scripts/genuinctl-commit-lockfile.sh", "commit, rebase and push genuin.lock", 0o755},
}

// gitFile is a file of git's that init makes hold some lines, adding the
// ones it lacks at its end and leaving the rest alone.
type gitFile struct {
	path  string
	about string
	lines []string
}

// gitFiles are the git files init completes. The patterns match at any
// depth, wherever the spec and its lockfile are.
var gitFiles = []gitFile{
	{".gitignore", "genuin.lock's lock, journal, interrupted writes",
		[]string{"genuin.lock.lck", "genuin.lock.journal", ".genuin.lock.tmp-*"}},
	{".gitattributes", "genuin.lock merges with genuinctl lockfile merge",
		[]string{"genuin.lock merge=" + mergeDriverName}},
}

// initAction is what init does to one file.
type initAction int

const (
	initCreate initAction = iota
	initOverwrite
	initAppend
	initUnchanged
)

// initStep is one file of an init, decided before anything is written.
type initStep struct {
	path    string // slash-separated, relative to DIR
	about   string
	action  initAction
	content []byte // the whole file as it will be
	mode    fs.FileMode
	added   int // with initAppend: the lines added
}

// initOptions are init's flags and argument.
type initOptions struct {
	dir   string
	force bool
}

func newInitCmd(e *env) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Start a repository: a starter spec and the GitHub workflows that plan and apply it",
		Long: `Init makes DIR (default ".", created if missing) a genuinctl repository. It
writes:

` + initFilesHelp() + `

DIR is the repository's root: GitHub runs workflows only from
.github/workflows there. The workflows read the spec from the root
(GENUINCTL_SPEC in them: change it to keep the spec in a directory) and
install genuinctl with "go install" at this genuinctl's version
(GENUINCTL_VERSION; ` + scaffoldVersion + ` from a build that is not a release).
They are the files of examples/gitops/.github; its README explains them.

Init writes files and nothing else: it does not run git. It never changes
a file that exists with other content: it lists such files and exits 1,
writing nothing, unless --force, which overwrites them. To .gitignore and
.gitattributes it only adds the lines they lack. The merge driver that
.gitattributes names is configured by "git config", which is each clone's
own: init prints the commands to run in yours, and the apply workflow runs
them on its runner.

Next steps, which init prints too: edit genuin.yaml and check it with
"genuinctl validate" and "genuinctl plan"; install the merge driver in your
clone; on GitHub, add the secret GENUIN_TOKEN and the variable
GENUIN_ENDPOINT (the API base URL); commit, push, and open a pull request:
its plan appears as a comment, and merging it applies it.

Exit codes: 0 written (or already there), 1 refused or a file could not be
written.`,
		Example: `  genuinctl init
  genuinctl init genuin-spec && cd genuin-spec && git init`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			o.dir = "."
			if len(args) == 1 {
				o.dir = args[0]
			}
			return runInit(e, o)
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "overwrite the files that exist with other content")
	return cmd
}

// initFilesHelp lists the files init writes, for --help.
func initFilesHelp() string {
	var b strings.Builder
	for _, f := range scaffoldFiles {
		fmt.Fprintf(&b, "  %s\n      %s\n", f.path, f.about)
	}
	for _, f := range gitFiles {
		fmt.Fprintf(&b, "  %s (the lines it lacks)\n      %s\n", f.path, f.about)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func runInit(e *env, o initOptions) error {
	version, release := releaseVersion(readBuildInfo().version)
	steps, refused, err := planInit(o.dir, version, o.force)
	if err != nil {
		return withCode(exitError, fmt.Errorf("init: %w", err))
	}
	if len(refused) > 0 {
		return withCode(exitError, fmt.Errorf("init: %s already in %s with other content: %s; nothing was written (--force overwrites them)",
			render.Plural(len(refused), "file"), o.dir, strings.Join(refused, ", ")))
	}
	if err := writeInit(o.dir, steps); err != nil {
		return withCode(exitError, fmt.Errorf("init: %w", err))
	}
	renderInit(e.stdout, o.dir, steps)
	if !release {
		fmt.Fprintf(e.stderr, "note: this genuinctl is not a release build: the workflows install genuinctl %s; set GENUINCTL_VERSION in them to the version you use\n",
			scaffoldVersion)
	}
	if root := gitRootAbove(o.dir); root != "" {
		fmt.Fprintf(e.stderr, "warning: %s is inside the git repository %s: GitHub runs workflows only from .github/workflows at a repository's root\n", o.dir, root)
	}
	return nil
}

// releaseRE matches the version of a release build: vMAJOR.MINOR.PATCH,
// which go install accepts and the repository has as a tag.
var releaseRE = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)

// releaseVersion is the version the scaffold's files name for a build of
// version v: v itself for a release, else scaffoldVersion; release says
// which.
func releaseVersion(v string) (version string, release bool) {
	if releaseRE.MatchString(v) {
		return v, true
	}
	return scaffoldVersion, false
}

// scaffoldContent is a file of scaffold/ naming version where it names
// scaffoldVersion.
func scaffoldContent(path, version string) ([]byte, error) {
	data, err := scaffold.ReadFile("scaffold/" + path)
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(data, []byte(scaffoldVersion), []byte(version)), nil
}

// planInit decides what init does to each file of dir, reading but not
// writing. refused lists the files that exist with other content, unless
// force.
func planInit(dir, version string, force bool) (steps []initStep, refused []string, err error) {
	for _, f := range scaffoldFiles {
		want, err := scaffoldContent(f.path, version)
		if err != nil {
			return nil, nil, err
		}
		step := initStep{path: f.path, about: f.about, action: initCreate, content: want, mode: f.mode}
		have, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil && !force:
			refused = append(refused, f.path)
		case err == nil && bytes.Equal(have, want):
			step.action = initUnchanged
		case force:
			step.action = initOverwrite
		default:
			refused = append(refused, f.path)
		}
		steps = append(steps, step)
	}
	for _, f := range gitFiles {
		have, err := os.ReadFile(filepath.Join(dir, f.path))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		step := gitFileStep(f, have)
		if err != nil {
			step.action = initCreate
		}
		steps = append(steps, step)
	}
	return steps, refused, nil
}

// gitFileStep is the step that makes have, the content of f's file, hold
// f's lines: the ones it lacks are added at its end.
func gitFileStep(f gitFile, have []byte) initStep {
	present := map[string]bool{}
	for _, line := range strings.Split(string(have), "\n") {
		present[strings.TrimSpace(line)] = true
	}
	content := bytes.Clone(have)
	step := initStep{path: f.path, about: f.about, action: initUnchanged, mode: 0o644}
	for _, line := range f.lines {
		if present[line] {
			continue
		}
		if len(content) > 0 && content[len(content)-1] != '\n' {
			content = append(content, '\n')
		}
		content = append(content, line+"\n"...)
		step.action = initAppend
		step.added++
	}
	step.content = content
	return step
}

// writeInit writes the files of steps below dir.
func writeInit(dir string, steps []initStep) error {
	for _, s := range steps {
		if s.action == initUnchanged {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(s.path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, s.content, s.mode); err != nil {
			return err
		}
	}
	return nil
}

// renderInit says what init did and what comes next.
func renderInit(w io.Writer, dir string, steps []initStep) {
	fmt.Fprintf(w, "Initialised %s for genuinctl:\n", dir)
	for _, s := range steps {
		did, about := "", s.about
		switch s.action {
		case initCreate:
			did = "created"
		case initOverwrite:
			did = "overwrote"
		case initAppend:
			did, about = "appended", render.Plural(s.added, "line")+": "+about
		case initUnchanged:
			did = "unchanged"
		}
		fmt.Fprintf(w, "  %-9s %-44s %s\n", did, s.path, about)
	}
	fmt.Fprintln(w, "\nNext steps:")
	n := 1
	if dir != "." {
		fmt.Fprintf(w, "  %d. cd %s\n", n, dir)
		n++
	}
	fmt.Fprintf(w, `  %d. Edit genuin.yaml (its user ids are the sandbox's: put your brand's), then check it:
       genuinctl validate
       genuinctl plan
  %d. In your clone, install the merge driver for genuin.lock (once; git config is each clone's own):
%s
  %d. On GitHub, in Settings > Secrets and variables > Actions, add the secret GENUIN_TOKEN
     and the variable GENUIN_ENDPOINT (the API base URL).
  %d. Commit, push and open a pull request: its plan appears as a comment, and merging it
     to main applies it.
`, n, n+1, mergeDriverConfig, n+2, n+3)
}

// mergeDriverConfig is the git config that installs the merge driver in a
// clone, as init prints it.
const mergeDriverConfig = `       git config merge.` + mergeDriverName + `.name "genuinctl lockfile merge"
       git config merge.` + mergeDriverName + `.driver "genuinctl lockfile merge %O %A %B"`

// gitRootAbove is the root of the git work tree dir is below, "" when dir
// is not below one (or is its root, where workflows belong).
func gitRootAbove(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			if d == abs {
				return ""
			}
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
