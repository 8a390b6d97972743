package main

import (
	"fmt"
	"os"

	"github.com/genuin/genuinctl/reconcile"
)

// writeSavedPlan writes a plan for a later "apply FILE", readable only by
// its owner: it holds phone numbers. No secret reaches it.
func writeSavedPlan(e *env, path string, sp *reconcile.SavedPlan) error {
	data, err := sp.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, e.secrets.Bytes(data), 0o600); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

// readSavedPlan reads a saved plan and verifies its digest before anything
// else is used.
func readSavedPlan(path string) (*reconcile.SavedPlan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("read saved plan: %w", err))
	}
	sp, err := reconcile.ParseSavedPlan(data)
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("%s: %w", path, err))
	}
	return sp, nil
}
