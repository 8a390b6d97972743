package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/render"
)

// TestExitCodesAreListedInHelp pins the exit codes: they are API.
func TestExitCodesAreListedInHelp(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"--help"}, strings.NewReader(""), &out, io.Discard, func(string) string { return "" }); code != exitOK {
		t.Fatalf("--help exited %d", code)
	}
	for code, meaning := range map[int]string{
		exitOK: "success", exitError: "error before any API call", exitChanges: "changes pending",
		exitThreshold: "safety threshold", exitPartial: "some addresses failed", exitInterrupted: "interrupted",
		exitMergeConflict: "lockfile merge: a real conflict",
	} {
		if !strings.Contains(out.String(), fmt.Sprintf("%d", code)) || !strings.Contains(out.String(), meaning) {
			t.Errorf("--help does not list exit code %d (%s)", code, meaning)
		}
	}
	if exitOK != 0 || exitError != 1 || exitChanges != 2 || exitThreshold != 3 || exitPartial != 4 || exitInterrupted != 130 || exitMergeConflict != 5 {
		t.Error("exit code values changed: scripts depend on them")
	}
}

// TestReportApplyExitCodes maps Apply's outcomes to exit codes.
func TestReportApplyExitCodes(t *testing.T) {
	lf, err := lockfile.Load(filepath.Join(t.TempDir(), "genuin.lock"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{stdout: io.Discard, stderr: io.Discard}
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{multierror.Append(nil, &reconcile.ChangeError{Address: "group/a/b", Err: errors.New("boom")}), exitPartial},
		{multierror.Append(nil, &reconcile.ChangeError{Address: "group/a/b", Err: errors.New("boom")}, reconcile.ErrTimedOut), exitPartial},
		{multierror.Append(nil, &reconcile.ChangeError{Address: "group/a/b", Err: errors.New("boom")}, reconcile.ErrInterrupted), exitInterrupted},
		{multierror.Append(nil, &reconcile.ChangeError{Address: "group/a/b", Err: errors.New("boom")}, reconcile.ErrBreakerOpen), exitPartial},
	}
	for _, tt := range tests {
		got := exitOK
		var ce *exitCodeError
		if err := reportApply(e, io.Discard, io.Discard, lf, render.NewApplyText(io.Discard), 0, nil, 0, tt.err); errors.As(err, &ce) {
			got = ce.code
		}
		if got != tt.want {
			t.Errorf("reportApply(%v) exit %d, want %d", tt.err, got, tt.want)
		}
	}
}
