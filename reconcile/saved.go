package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// SavedPlanVersion is the version of a saved plan file (plan --out).
// Version 2 added the content digest; a version 1 plan is refused.
const SavedPlanVersion = 2

// SavedPlan is a plan written by plan --out for a later apply: the changes
// (with the chat_ids generated for them) and what they were computed
// from, so that applying it after the lockfile moved on is refused.
type SavedPlan struct {
	Version int `json:"saved_plan_version"`
	// Digest is the SHA-256 of the file's content without it (the JSON of
	// this struct with Digest empty): an edit or a damaged file is refused
	// before anything else is read. It is not a signature: anyone who can
	// write the file can recompute it, so keep saved plans where only the
	// people who may apply them can write.
	Digest string `json:"digest"`
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

// Save binds a plan to the state it was computed from.
func Save(p *Plan, st *lockfile.State) *SavedPlan {
	sp := &SavedPlan{Version: SavedPlanVersion, Fingerprints: map[string]string{}, Plan: p}
	if st != nil {
		sp.Lockfile = &LockfileRef{Lineage: st.Lineage, Serial: st.Serial}
	}
	for _, c := range p.Changes {
		sp.Fingerprints[c.Address] = fingerprint(st, c.Address)
	}
	return sp
}

// Marshal renders the saved plan, with its digest, as indented JSON.
func (sp *SavedPlan) Marshal() ([]byte, error) {
	sp.Digest = ""
	sp.Digest = digest(sp)
	data, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ParseSavedPlan decodes a saved plan and verifies its version and
// digest, before any of its content is used.
func ParseSavedPlan(data []byte) (*SavedPlan, error) {
	var sp SavedPlan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sp); err != nil {
		return nil, fmt.Errorf("not a saved plan written by \"genuinctl plan --out\": %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a saved plan written by \"genuinctl plan --out\": data after the plan")
	}
	if sp.Version != SavedPlanVersion {
		return nil, fmt.Errorf("saved plan version %d is not supported (this genuinctl reads %d): run plan again", sp.Version, SavedPlanVersion)
	}
	want := sp.Digest
	sp.Digest = ""
	if got := digest(&sp); want != got {
		return nil, errors.New("the saved plan's content does not match its digest: it was edited or damaged after \"genuinctl plan --out\" wrote it; run plan again")
	}
	sp.Digest = want
	if sp.Plan == nil || sp.Fingerprints == nil {
		return nil, errors.New("the saved plan has no plan or no fingerprints")
	}
	for _, c := range sp.Plan.Changes {
		if c == nil {
			return nil, errors.New("the saved plan holds an empty change")
		}
		if _, ok := sp.Fingerprints[c.Address]; !ok {
			return nil, fmt.Errorf("the saved plan has no fingerprint for %s", c.Address)
		}
	}
	return &sp, nil
}

// Check refuses a saved plan whose lockfile has moved on, saying what moved.
// Records the plan does not touch may have changed: its changes still hold.
func (sp *SavedPlan) Check(st *lockfile.State) error {
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
	if len(moved) == 0 {
		return nil
	}
	sort.Strings(moved)
	since := "since it was made"
	if sp.Lockfile != nil && st != nil {
		since = fmt.Sprintf("since it was made (lockfile serial %d, now %d)", sp.Lockfile.Serial, st.Serial)
	}
	return fmt.Errorf("the plan is stale: %s these records changed: %s; run plan again", since, strings.Join(moved, ", "))
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

func digest(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("digest: %v", err)) // plain data: cannot fail
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
