package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// SavedPlanVersion is the version of a saved plan file (plan --out).
const SavedPlanVersion = 1

// SavedPlan is a plan written by plan --out for a later apply: the changes
// (with the chat_ids generated for them) and what they were computed
// from, so that applying it after the lockfile moved on is refused.
type SavedPlan struct {
	Version int `json:"saved_plan_version"`
	// SpecDigest identifies the resolved spec the plan was made from.
	SpecDigest string `json:"spec_digest"`
	// Lockfile is the lockfile the plan was made against; nil means there
	// was none yet, so the plan can be applied only while there still is none.
	Lockfile *LockfileRef `json:"lockfile"`
	// Fingerprints hold, per address the plan touches, a digest of its
	// record ("" when it had none).
	Fingerprints map[string]string `json:"fingerprints"`
	Plan         *Plan             `json:"plan"`
}

// LockfileRef names one version of a lockfile.
type LockfileRef struct {
	Lineage string `json:"lineage"`
	Serial  int64  `json:"serial"`
}

// Save binds a plan to the spec and state it was computed from.
func Save(p *Plan, d *spec.Desired, st *lockfile.State) *SavedPlan {
	sp := &SavedPlan{Version: SavedPlanVersion, SpecDigest: SpecDigest(d), Fingerprints: map[string]string{}, Plan: p}
	if st != nil {
		sp.Lockfile = &LockfileRef{Lineage: st.Lineage, Serial: st.Serial}
	}
	for _, c := range p.Changes {
		sp.Fingerprints[c.Address] = fingerprint(st, c.Address)
	}
	return sp
}

// Check refuses a saved plan whose lockfile has moved on, saying what moved.
// Records the plan does not touch may have changed: its changes still hold.
func (sp *SavedPlan) Check(st *lockfile.State) error {
	if sp.Version != SavedPlanVersion {
		return fmt.Errorf("saved plan version %d is not supported (this genuinctl reads %d)", sp.Version, SavedPlanVersion)
	}
	switch {
	case sp.Lockfile == nil && st != nil:
		return fmt.Errorf("the plan was made before the lockfile existed, and the lockfile now exists (serial %d): it was applied already, or another apply ran; run plan again", st.Serial)
	case sp.Lockfile != nil && st == nil:
		return fmt.Errorf("the plan was made against lockfile %s at serial %d, which is gone; restore it or run plan again", sp.Lockfile.Lineage, sp.Lockfile.Serial)
	case sp.Lockfile != nil && st.Lineage != sp.Lockfile.Lineage:
		return fmt.Errorf("the plan was made against another lockfile (lineage %s, this one is %s); run plan again", sp.Lockfile.Lineage, st.Lineage)
	}
	var moved []string
	for addr, want := range sp.Fingerprints {
		if fingerprint(st, addr) != want {
			moved = append(moved, addr)
		}
	}
	if len(moved) > 0 {
		sort.Strings(moved)
		return fmt.Errorf("the plan is stale: since it was made (lockfile serial %d, now %d) these records changed: %s; run plan again",
			sp.Lockfile.Serial, st.Serial, strings.Join(moved, ", "))
	}
	return nil
}

// fingerprint digests the record at addr, or "" when there is none.
func fingerprint(st *lockfile.State, addr string) string {
	if st == nil {
		return ""
	}
	var rec any
	if c, ok := st.Communities[addr]; ok {
		rec = c
	} else if g, ok := st.Groups[addr]; ok {
		rec = g
	} else {
		return ""
	}
	return digest(rec)
}

// SpecDigest identifies a resolved spec: equal specs have equal digests.
func SpecDigest(d *spec.Desired) string { return digest(d) }

func digest(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("digest: %v", err)) // plain data: cannot fail
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
