package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

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
	// The records a change touches are fingerprinted where the plan's
	// moves put them: a moved group's at its new address.
	view, _, _ := p.movesAgainst(st)
	for _, c := range p.Changes {
		sp.Fingerprints[c.Address] = fingerprint(view, c.Address)
	}
	return sp
}

// Marshal renders the saved plan, with its digest, as indented JSON. The
// plan is encoded once: the digest is of that encoding with an empty
// digest, which is then set in place and the whole indented.
func (sp *SavedPlan) Marshal() ([]byte, error) {
	sp.Digest = ""
	compact, err := json.Marshal(sp)
	if err != nil {
		return nil, err
	}
	sp.Digest = digestOf(compact)
	// The version and the digest are the first two keys.
	head := fmt.Appendf(nil, `{"saved_plan_version":%d,"digest":`, sp.Version)
	empty := append(head, `""`...)
	if !bytes.HasPrefix(compact, empty) {
		return nil, errors.New("save plan: unexpected encoding") // the struct's first fields: not reached
	}
	whole := fmt.Appendf(head, "%q", sp.Digest)
	whole = append(whole, compact[len(empty):]...)
	var out bytes.Buffer
	out.Grow(len(whole) + len(whole)/2)
	if err := json.Indent(&out, whole, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
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

// Check refuses a saved plan that cannot be applied to the lockfile, or
// resumed on it, saying what moved (see Resume).
func (sp *SavedPlan) Check(st *lockfile.State) error {
	_, err := sp.Resume(st)
	return err
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
	return digestOf(data)
}

// digestOf is the digest of an encoding.
func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
