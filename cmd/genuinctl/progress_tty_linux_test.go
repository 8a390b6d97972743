//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/genuin/genuinctl/internal/sandbox"
)

// openPTY opens a pseudo-terminal pair: what the program writes to the
// terminal end is read from the controller.
func openPTY(t *testing.T) (controller, terminal *os.File) {
	t.Helper()
	controller, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { controller.Close() })
	if err := unix.IoctlSetPointerInt(int(controller.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(controller.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { terminal.Close() })
	return controller, terminal
}

// TestProgressOnATerminal runs apply with its stdout on a pseudo-terminal:
// --progress auto draws a live status line, redrawn in place, with the
// per-change lines printed above it, and clears it before the summary.
func TestProgressOnATerminal(t *testing.T) {
	srv := newSandbox(t, sandbox.Config{Faults: sandbox.Faults{Latency: 40 * time.Millisecond}})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	groups := crashSpec(24)
	specDir, _ := writeCrashSpec(t, dir, groups)

	controller, terminal := openPTY(t)
	cmd := exec.Command(filepath.Join(binDir, "genuinctl"), "apply", "-f", specDir, "--auto-approve", "--parallelism", "2")
	cmd.Env = append(os.Environ(), "GENUIN_ENDPOINT="+hs.URL, "GENUIN_TOKEN="+sandbox.DefaultToken, "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = terminal, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	terminal.Close() // the child holds its own copy
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&out, controller); close(copied) }()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("apply: %v\n%s", err, stderr.String())
	}
	select { // the controller reads EIO once the terminal end is closed
	case <-copied:
	case <-time.After(5 * time.Second):
		controller.Close()
		<-copied
	}
	text := out.String()
	const redraw = "\r\x1b[2K"
	if n := strings.Count(text, redraw); n < 3 {
		t.Fatalf("want the status line redrawn in place several times, found %d redraws in:\n%q", n, text)
	}
	if !strings.Contains(text, "/25 changes") {
		t.Errorf("the status line counts the changes done of 25:\n%q", text)
	}
	// Every per-change line starts on a cleared line, above the status.
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, "✓ group/"); i > 0 && !strings.HasSuffix(line[:i], redraw) {
			t.Fatalf("a change line was printed into the status line: %q", line)
		}
	}
	summary := text[strings.LastIndex(text, redraw):]
	if !strings.Contains(summary, "25 succeeded, 0 failed") {
		t.Errorf("after the last redraw comes the summary; got %q", summary)
	}
}
