package main

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
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
	if err := lockfile.WriteAtomic(path, data, 0o600); err != nil { // 0600: it holds phone numbers
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
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
