package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/render"
	"github.com/genuin/genuinctl/spec"
)

// exampleDirs are the examples whose phone numbers no output may print in
// full without --show-pii.
var exampleDirs = []string{"quickstart", "gitops", "campaign"}

// piiScanOff is the variable a script sets (env PII_SCAN=off, with a
// comment saying why) when its genuinctl commands print phone numbers on
// purpose without --show-pii.
const piiScanOff = "PII_SCAN"

// formattedPhone is a phone number as a spec writes it: '+', then digits
// and the separators the spec allows.
var formattedPhone = regexp.MustCompile(`\+[0-9][0-9 ().-]*[0-9]`)

// examplePhones are the examples' phone numbers, as the spec normalises
// them and as the spec files write them.
var examplePhones = sync.OnceValues(func() ([]string, error) {
	var phones []string
	for _, name := range exampleDirs {
		dir := filepath.Join("..", "..", "examples", name)
		// The digits, as the spec normalises them...
		d, err := spec.Load([]string{dir})
		if err != nil {
			return nil, err
		}
		for _, g := range d.Groups {
			for _, m := range g.Members {
				if m.Phone != "" {
					phones = append(phones, m.Phone)
				}
			}
		}
		// ...and as the spec files write them (a member list no group
		// uses included).
		err = filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || !slices.Contains([]string{".yaml", ".yml", ".csv"}, filepath.Ext(path)) {
				return err
			}
			data, err := os.ReadFile(path)
			for _, written := range formattedPhone.FindAllString(string(data), -1) {
				phones = append(phones, written, strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, written))
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(phones)
	return slices.Compact(phones), nil
})

// TestExamplePhones: the scan knows the examples' phone numbers, in both
// forms.
func TestExamplePhones(t *testing.T) {
	phones, err := examplePhones()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"919876543210", "+91 98765 43210", "14155550100", "+1 (415) 555-0100"} {
		if !slices.Contains(phones, want) {
			t.Errorf("the examples' phone numbers %q lack %q", phones, want)
		}
	}
}

// checkNoPhones fails the script when the genuinctl command it just ran
// with exit printed one of the examples' phone numbers in full (as the
// spec normalises it or as a spec file writes it) without --show-pii.
// Phone numbers are personal data: every output masks them.
func checkNoPhones(ts *testscript.TestScript, args []string) {
	if filepath.Base(args[0]) != "genuinctl" || ts.Getenv(piiScanOff) == "off" {
		return
	}
	for _, a := range args {
		if a == "--show-pii" || a == "--show-pii=true" {
			return
		}
	}
	phones, err := examplePhones()
	ts.Check(err)
	for _, name := range []string{"stdout", "stderr"} {
		out := ts.ReadFile(name)
		for _, phone := range phones {
			if strings.Contains(out, phone) {
				ts.Fatalf("%s printed the phone number %q in full on %s without --show-pii", strings.Join(args, " "), phone, name)
			}
		}
	}
}

// TestMaskedGroup: state show masks a group's phone members and keeps
// every one of them, even two whose masked identities coincide; user ids
// and member ids stay as they are, and the record itself is not changed.
func TestMaskedGroup(t *testing.T) {
	const lineage = "0b9c8a1e-4f1a-4d6b-9a3e-2a9f1c2b3d4e"
	pii := render.NewPII(render.JSONOptions{Lineage: lineage})
	// Two numbers alike in their first and last two digits, whose tags
	// coincide (once in 65,536).
	first := "919800000010"
	var second string
	for i := 1; second == ""; i++ {
		if n := fmt.Sprintf("9198%06d10", i); pii.Phone(n) == pii.Phone(first) {
			second = n
		}
	}
	g := &lockfile.Group{Status: lockfile.StatusCreated, ChatID: "c",
		Members:       map[string]string{"phone:" + first: "m1", "phone:" + second: "m2", "user:u": "u"},
		CreateMembers: []string{"phone:" + first, "user:u"}}
	got := maskedGroup(g, pii)
	masked := "phone:" + pii.Phone(first)
	want := map[string]string{masked: "m1", masked + " (2)": "m2", "user:u": "u"}
	if !maps.Equal(got.Members, want) || !slices.Equal(got.CreateMembers, []string{masked, "user:u"}) {
		t.Errorf("masked members %v and create_members %v, want %v and [%s user:u]", got.Members, got.CreateMembers, want, masked)
	}
	if g.Members["phone:"+first] != "m1" || g.CreateMembers[0] != "phone:"+first {
		t.Errorf("the record was changed: %+v", g)
	}
	shown := maskedGroup(g, render.NewPII(render.JSONOptions{ShowPII: true, Lineage: lineage}))
	if !maps.Equal(shown.Members, g.Members) || !slices.Equal(shown.CreateMembers, g.CreateMembers) {
		t.Errorf("with --show-pii: %+v, want %+v", shown, g)
	}
}

// TestMaskSpecPhones: expand masks each group's phone members, in a copy:
// a member list shared by two groups is masked once in each.
func TestMaskSpecPhones(t *testing.T) {
	shared := []spec.Member{{UserID: "u"}, {Phone: "919876543210"}}
	d := &spec.Desired{Groups: map[string]*spec.Group{"group/a/x": {Members: shared}, "group/a/y": {Members: shared}}}
	maskSpecPhones(d)
	for addr, g := range d.Groups {
		if g.Members[0].UserID != "u" || g.Members[1].Phone != "91••••••••10" {
			t.Errorf("%s: members %+v", addr, g.Members)
		}
	}
	if shared[1].Phone != "919876543210" {
		t.Errorf("the shared members were changed: %+v", shared)
	}
}
