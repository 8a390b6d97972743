package pgstate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genuin/genuinctl/internal/pgtest"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/pgstate"
)

// benchWorkers is apply's --parallelism in the benchmarks.
const benchWorkers = 32

// benchUsers are the user members each group's create sends.
var benchUsers = []string{
	"b12f13af-ef5a-4906-b0a0-2995e106200d", "abcd1234-5678-90ef-1112-234567890111",
	"345e1234-5678-90ef-2345-678912341234", "9d3c4b1e-2f6a-4c8d-9e0f-1a2b3c4d5e6f",
	"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
	"c0ffee00-1234-4567-89ab-cdef01234567", "deadbeef-0000-4111-8222-333344445555",
}

// BenchmarkRecord measures what recording a result costs on each storage:
// 32 workers, as apply's at --parallelism 32, each writing a group's
// intent and syncing it (before the create request), then the created
// result, synced before its next request. One op is one group's result
// (with its intent); syncs of concurrent workers are shared (group
// commit). With api=20ms each create request takes 20 ms, as at the apply
// benchmark's latency, so fewer syncs are shared. Setup (lock, schema,
// the community) and the final checkpoint of Close are not measured.
//
//	go test -run '^$' -bench BenchmarkRecord -benchtime 2000x ./reconcile/pgstate
//
// PostgreSQL runs from pgtest (skipped where none can start, unless CI).
func BenchmarkRecord(b *testing.B) {
	storages := []struct {
		name string
		open func(b *testing.B) (*lockfile.File, func() int64)
	}{
		{"lockfile", openBenchLockfile},
		{"postgres", openBenchPostgres},
	}
	for _, s := range storages {
		for _, api := range []time.Duration{0, 20 * time.Millisecond} {
			b.Run(fmt.Sprintf("%s/api=%s", s.name, api), func(b *testing.B) {
				f, roundTrips := s.open(b)
				benchRecord(b, f, roundTrips, api)
			})
		}
	}
}

// openBenchLockfile opens a new lockfile in a temporary directory; it has
// no round trips.
func openBenchLockfile(b *testing.B) (*lockfile.File, func() int64) {
	f, err := lockfile.Open(filepath.Join(b.TempDir(), "genuin.lock"), 0, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return f, nil
}

// openBenchPostgres opens the state of a fresh database, the password in
// PGPASSWORD as genuinctl takes it.
func openBenchPostgres(b *testing.B) (*lockfile.File, func() int64) {
	srv := pgtest.Require(b)
	b.Setenv("PGPASSWORD", srv.Password) // read by ParseURL
	cfg, err := pgstate.ParseURL(srv.NewDatabase(b) + "&project=bench")
	if err != nil {
		b.Fatal(err)
	}
	store := pgstate.New(cfg)
	f, err := lockfile.OpenStorage(store, 0, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return f, store.RoundTrips
}

// benchRecord runs b.N groups through f from benchWorkers goroutines and
// reports the cost per result; roundTrips, if not nil, counts the
// storage's statements.
func benchRecord(b *testing.B, f *lockfile.File, roundTrips func() int64, api time.Duration) {
	st := f.Init("https://sandbox.invalid")
	community := lockfile.Entry{Op: lockfile.OpPut, Address: "community/bench",
		Community: &lockfile.Community{Handle: "bench", Status: lockfile.StatusPending}}
	for _, e := range []lockfile.Entry{community, {Op: lockfile.OpCreated, Address: "community/bench", ID: "c-1"}} {
		if err := f.Record(e); err != nil {
			b.Fatal(err)
		}
	}
	bytes0, syncs0 := f.BytesWritten(), f.Syncs()
	var trips0 int64
	if roundTrips != nil {
		trips0 = roundTrips()
	}

	var next atomic.Int64
	errs := make([]error, benchWorkers)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range benchWorkers {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= b.N {
					return
				}
				put, created := benchEntries(st.Lineage, n)
				if errs[w] = recordSynced(f, put); errs[w] != nil {
					return
				}
				time.Sleep(api) // the create request
				if errs[w] = recordSynced(f, created); errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}

	results := float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/results, "ns/result")
	b.ReportMetric(float64(f.BytesWritten()-bytes0)/results, "bytes/result")
	b.ReportMetric(float64(f.Syncs()-syncs0)/results, "syncs/result")
	if roundTrips != nil {
		b.ReportMetric(float64(roundTrips()-trips0)/results, "round-trips/result")
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// recordSynced writes e and syncs it, as a worker does before its next
// request.
func recordSynced(f *lockfile.File, e lockfile.Entry) error {
	seq, err := f.Write(e)
	if err != nil {
		return err
	}
	return f.Sync(seq)
}

// benchEntries are the intent and the result apply records for group n:
// its name, its chat_id and the 8 users its create sends, then the ids
// the API answered with.
func benchEntries(lineage string, n int) (put, created lockfile.Entry) {
	addr := fmt.Sprintf("group/bench/g%06d", n)
	name, _ := json.Marshal(fmt.Sprintf("Bench group %06d", n))
	g := &lockfile.Group{Community: "community/bench", CommunityID: "c-1", Status: lockfile.StatusPending,
		ChatID: lockfile.ChatIDFor(lineage, addr), Fields: lockfile.Fields{"name": name}}
	for _, u := range benchUsers {
		g.CreateMembers = append(g.CreateMembers, "user:"+u)
	}
	put = lockfile.Entry{Op: lockfile.OpPut, Address: addr, Group: g}
	created = lockfile.Entry{Op: lockfile.OpCreated, Address: addr,
		ID: lockfile.ChatIDFor(lineage, "id "+addr), ShareURL: fmt.Sprintf("https://share.genuin.invalid/l/%016x", n)}
	return put, created
}
