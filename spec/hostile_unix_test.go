//go:build unix

package spec

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestNamedPipes: a FIFO is refused without being opened for reading, which
// would wait for a writer for ever: named by a spec, found below a
// directory, given on the command line, or swapped in after the Stat.
func TestNamedPipes(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, map[string]string{
		"spec/a.yaml": "version: 1\nmember_lists:\n  - name: staff\n    csv: staff.csv\n  - name: more\n    file: more.yaml\n",
	})
	for _, fifo := range []string{"spec/staff.csv", "spec/more.yaml", "spec/pipe.yaml", "pipe.yaml"} {
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	symlink(t, "staff.csv", filepath.Join("spec", "link.yaml"))
	const fifo = "a named pipe (FIFO), not a regular file"
	wantLines(t, loadQuickly(t, "spec"),
		`spec/a.yaml:4:10: member_list/staff: path "staff.csv" is `+fifo,
		`spec/a.yaml:6:11: member_list/more: path "more.yaml" is `+fifo,
		"spec/pipe.yaml: "+fifo,
		"spec/link.yaml: "+fifo,
	)
	wantLines(t, loadQuickly(t, "pipe.yaml"), "pipe.yaml: "+fifo)
}
