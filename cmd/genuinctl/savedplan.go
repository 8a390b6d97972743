package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/genuin/genuinctl/reconcile"
)

// writeSavedPlan writes a plan for a later "apply FILE", readable only by
// its owner: it holds phone numbers.
func writeSavedPlan(path string, sp *reconcile.SavedPlan) error {
	data, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

func readSavedPlan(path string) (*reconcile.SavedPlan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("read saved plan: %w", err))
	}
	var sp reconcile.SavedPlan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sp); err != nil || sp.Plan == nil {
		return nil, withCode(exitError, fmt.Errorf("%s is not a saved plan written by \"genuinctl plan --out\": %v", path, err))
	}
	return &sp, nil
}
