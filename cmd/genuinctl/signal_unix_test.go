//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalEndsReadOnlyCommands: a command with nothing to finish and
// record (validate, plan, expand) ends on the first SIGTERM, as a process
// does by default, instead of catching it and carrying on.
func TestSignalEndsReadOnlyCommands(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "big.yaml")
	var b strings.Builder
	b.WriteString("version: 1\ncommunities:\n  - handle: big\n    name: Big\ngroups:\n")
	for i := range 200_000 {
		fmt.Fprintf(&b, "  - {key: g%d, community: big, name: Group %d}\n", i, i)
	}
	if err := os.WriteFile(spec, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, command := range []string{"validate", "plan", "expand"} {
		t.Run(command, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(binDir, "genuinctl"), command, "-f", spec)
			cmd.Dir = t.TempDir()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond) // let it start loading
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			// Loading 200,000 groups takes seconds: a command still running
			// after the signal, or exiting on its own, caught it.
			err := cmd.Wait()
			var exit *exec.ExitError
			ws, ok := syscall.WaitStatus(0), errors.As(err, &exit)
			if ok {
				ws, ok = exit.Sys().(syscall.WaitStatus)
			}
			if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
				t.Fatalf("%s must end on SIGTERM, got %v", command, err)
			}
		})
	}
}
