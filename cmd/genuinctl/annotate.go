package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/pgstate"
	"github.com/genuin/genuinctl/reconcile/render"
	"github.com/genuin/genuinctl/spec"
)

// The values of --error-format.
const (
	errorFormatAuto   = "auto"   // github under GitHub Actions, else text
	errorFormatText   = "text"   // file:line:col: message lines
	errorFormatGitHub = "github" // those lines, each followed by a workflow command
)

// registerErrorFormat adds --error-format to every command and, before
// any command runs, decides whether errors are annotated.
func registerErrorFormat(root *cobra.Command, e *env) {
	format := errorFormatAuto
	root.PersistentFlags().StringVar(&format, "error-format", errorFormatAuto,
		`how errors are printed: text, github (also as GitHub Actions annotations, "::error file=F,line=L,col=C::message", `+
			`shown on the pull request's diff), or auto: github when $GITHUB_ACTIONS is "true", else text`)
	_ = root.RegisterFlagCompletionFunc("error-format", cobra.FixedCompletions(
		[]string{errorFormatAuto, errorFormatText, errorFormatGitHub}, cobra.ShellCompDirectiveNoFileComp))
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		switch format {
		case errorFormatAuto:
			e.annotate = e.getenv("GITHUB_ACTIONS") == "true"
		case errorFormatText, errorFormatGitHub:
			e.annotate = format == errorFormatGitHub
		default:
			return withCode(exitError, fmt.Errorf("--error-format %q: use auto, text or github", format))
		}
		return nil
	}
}

// annotation is a GitHub Actions error command for a message at a
// position (file "" for none; line and col 0 when unknown).
func annotation(file string, line, col int, msg string) string {
	msg = render.MaskPhonesIn(msg)
	var props []string
	if file != "" {
		props = append(props, "file="+escapeProperty(file))
		if line > 0 {
			props = append(props, "line="+strconv.Itoa(line))
			if col > 0 {
				props = append(props, "col="+strconv.Itoa(col))
			}
		}
	}
	cmd := "::error"
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + escapeData(msg)
}

// escapeData escapes a workflow command's message as the Actions toolkit
// does: a percent sign or a line break would otherwise end or corrupt it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value, where a
// colon or a comma would also end it.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// annotateDiagnostic prints a spec diagnostic's annotation when errors are
// annotated.
func (e *env) annotateDiagnostic(d *spec.Diagnostic) {
	if !e.annotate {
		return
	}
	msg := d.Message
	if d.Address != "" {
		msg = d.Address + ": " + msg
	}
	fmt.Fprintln(e.stderr, annotation(d.Pos.File, d.Pos.Line, d.Pos.Col, msg))
}

// annotateError prints the annotations of the error a command ends with:
// one per problem of a refused lockfile or journal, at its position, or
// one for the whole error.
func (e *env) annotateError(err error) {
	if !e.annotate {
		return
	}
	var invalid *lockfile.InvalidError
	if errors.As(err, &invalid) && len(invalid.Problems) > 0 {
		for _, p := range invalid.Problems {
			msg := p.Message
			if p.Address != "" {
				msg = p.Address + ": " + msg
			}
			msg += " (" + invalid.Advice + ")"
			if pgstate.IsURL(p.Pos.File) {
				// A state in a database is no file of the repository:
				// the annotation names it in its message instead.
				fmt.Fprintln(e.stderr, annotation("", 0, 0, p.Pos.String()+": "+msg))
				continue
			}
			fmt.Fprintln(e.stderr, annotation(p.Pos.File, p.Pos.Line, p.Pos.Col, msg))
		}
		return
	}
	fmt.Fprintln(e.stderr, annotation("", 0, 0, err.Error()))
}
