//go:build unix

package lockfile

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestAcknowledgedEntriesSurviveKill runs 16 workers recording in a child
// process (this test binary again), SIGKILLs it while Records are in
// flight, after a random number of acknowledgements, and checks that the
// lockfile, with the journal Load replays, holds every entry the child
// acknowledged. Each round continues the journal the previous kill left.
func TestAcknowledgedEntriesSurviveKill(t *testing.T) {
	if os.Getenv("LOCKFILE_CHILD") == "1" {
		recordUntilKilled(t, os.Getenv("LOCKFILE_CHILD_PATH"), os.Getenv("LOCKFILE_CHILD_ROUND"))
		return
	}
	path := filepath.Join(t.TempDir(), "genuin.lock")
	acked := map[string]string{} // address → the last op acknowledged
	for round := range 5 {
		killAt := 20 + rand.IntN(500)
		cmd := exec.Command(os.Args[0], "-test.run=^TestAcknowledgedEntriesSurviveKill$")
		cmd.Env = append(os.Environ(), "LOCKFILE_CHILD=1", "LOCKFILE_CHILD_PATH="+path, fmt.Sprintf("LOCKFILE_CHILD_ROUND=%d", round))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		must(t, err)
		must(t, cmd.Start())
		n, killed := 0, false
		// Lines read after the kill were acknowledged before it.
		for sc := bufio.NewScanner(out); sc.Scan(); {
			op, addr, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "ack "), " ")
			if !ok || !strings.HasPrefix(sc.Text(), "ack ") {
				continue // the test framework's own output
			}
			if acked[addr] != string(OpCreated) {
				acked[addr] = op
			}
			if n++; n == killAt {
				must(t, cmd.Process.Signal(syscall.SIGKILL))
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("round %d: the child ended after %d acknowledgements, before the kill at %d: %v\n%s", round, n, killAt, err, stderr.String())
		}
		lf, err := Load(path)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for addr, op := range acked {
			g := lf.State().Groups[addr]
			if g == nil || op == string(OpCreated) && (g.Status != StatusCreated || g.GroupID != "id-"+addr) {
				t.Fatalf("round %d: %s %s was acknowledged, the lockfile holds %+v", round, op, addr, g)
			}
		}
		t.Logf("round %d: killed after %d acknowledgements (%d read), %d replayed", round, killAt, n, lf.Recovered())
	}
}

// recordUntilKilled is the child: 16 workers each record groups (intent,
// then result) and print "ack <op> <address>" once Record returns.
func recordUntilKilled(t *testing.T, path, round string) {
	f, err := Open(path, 10*time.Second, "test")
	must(t, err)
	if f.State() == nil {
		f.Init("sandbox")
		must(t, f.Record(Entry{Op: OpPut, Address: "community/c", Community: &Community{Handle: "c", Status: StatusCreated, CommunityID: "c-1"}}))
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for n := range 2000 {
				_, put, created := workerEntries("r"+round+"-", w, n)
				for _, e := range []Entry{put, created} {
					if err := f.Record(e); err != nil {
						t.Error(err)
						return
					}
					out.Lock()
					fmt.Printf("ack %s %s\n", e.Op, e.Address)
					out.Unlock()
				}
			}
		})
	}
	wg.Wait()
	must(t, f.Close())
}
