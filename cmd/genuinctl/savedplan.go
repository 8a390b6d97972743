package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/genuin/genuinctl/reconcile"
)

// writeSavedPlan writes a plan for a later "apply FILE", readable only by
// its owner: it holds phone numbers. A plan holding a credential (a spec
// value that equals the token, say) is refused rather than saved: masking
// it would change what the plan applies.
func writeSavedPlan(e *env, path string, sp *reconcile.SavedPlan) error {
	data, err := sp.Marshal()
	if err != nil {
		return err
	}
	if !bytes.Equal(e.secrets.Bytes(data), data) {
		return errors.New("save plan: the plan holds a credential (a spec value equal to a token, key or secret in use?); it was not saved")
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

// writeFileAtomic replaces path with data, readable only by its owner: a
// temporary file beside it, synced, then renamed over it, so that an
// interrupted write leaves the old file or none, never half a plan.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readSavedPlan reads a saved plan and verifies its digest before anything
// else is used.
func readSavedPlan(path string) (*reconcile.SavedPlan, error) {
	data, err := readLimited(path, maxPlanFile)
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("read saved plan: %w", err))
	}
	sp, err := reconcile.ParseSavedPlan(data)
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("%s: %w", path, err))
	}
	return sp, nil
}
