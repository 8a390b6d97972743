// Package benchdata writes the inputs of genuinctl's plan and state
// benchmarks: a campaign-shaped spec of many groups with CSV member lists,
// and the lockfile an apply of that spec would have recorded, generated
// directly (an apply of 20,000 groups takes minutes).
//
// The spec has Size.Groups/GroupsPer communities, one YAML file each with
// its groups (Inline members each, alternately by user_id and phone) and
// one CSV member list per group (Listed members), under spec/ and lists/.
// 20,000 groups of 5+45 members make 1,000,000 memberships, the shape of
// spec.BenchmarkLoadLarge. The lockfile records every community and group
// as created, every member with the member id the API would have returned:
// a plan of the spec against it is empty.
//
// Inputs are cached: Prepare writes them once below a root directory and
// reuses them while the stamp it leaves says they are complete and of this
// layout.
package benchdata

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// Endpoint is the endpoint the generated lockfile is bound to.
const Endpoint = "https://api.genuin.example"

// layout names the generator's output: change it when the files change,
// so that stale caches are rebuilt.
const layout = "v2"

// Size is the shape of a generated spec.
type Size struct {
	Groups    int // in all
	GroupsPer int // per community
	Inline    int // members written in each group
	Listed    int // members in each group's CSV list
}

// Campaign is Size for groups groups of 50 members, 20 a community.
func Campaign(groups int) Size {
	return Size{Groups: groups, GroupsPer: 20, Inline: 5, Listed: 45}
}

// Memberships is the number of memberships in the spec.
func (s Size) Memberships() int { return s.Groups * (s.Inline + s.Listed) }

func (s Size) name() string {
	return fmt.Sprintf("%s-g%d-p%d-i%d-l%d", layout, s.Groups, s.GroupsPer, s.Inline, s.Listed)
}

// Inputs are the paths of a generated benchmark input.
type Inputs struct {
	Dir      string // the spec root: spec/*.yaml and lists/*.csv
	Lockfile string // genuin.lock recording the spec as applied, outside Dir
}

// Prepare returns the inputs of size s below root, writing them first
// unless an earlier call left them complete.
func Prepare(root string, s Size) (Inputs, error) {
	base := filepath.Join(root, s.name())
	in := Inputs{Dir: filepath.Join(base, "spec-root"), Lockfile: filepath.Join(base, "state", "genuin.lock")}
	stamp := filepath.Join(base, "complete")
	if _, err := os.Stat(stamp); err == nil {
		return in, nil
	}
	if err := os.RemoveAll(base); err != nil {
		return in, err
	}
	if err := WriteSpec(in.Dir, s); err != nil {
		return in, fmt.Errorf("write spec: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(in.Lockfile), 0o755); err != nil {
		return in, err
	}
	if err := WriteLockfile(in.Lockfile, in.Dir); err != nil {
		return in, fmt.Errorf("write lockfile: %w", err)
	}
	return in, os.WriteFile(stamp, nil, 0o644)
}

// WriteSpec writes a spec of size s below dir.
func WriteSpec(dir string, s Size) error {
	if s.GroupsPer <= 0 || s.Groups%s.GroupsPer != 0 {
		return fmt.Errorf("%d groups do not divide into communities of %d", s.Groups, s.GroupsPer)
	}
	for _, sub := range []string{"spec", "lists"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	member := 0
	next := func() (string, string) {
		member++
		return memberN(member)
	}
	for c := range s.Groups / s.GroupsPer {
		var y strings.Builder
		fmt.Fprintf(&y, "version: 1\ncommunities:\n  - handle: community-%05d\n    name: Community %d\n    tags: [bench, c%d]\n", c, c, c)
		y.WriteString("member_lists:\n")
		for g := range s.GroupsPer {
			fmt.Fprintf(&y, "  - name: c%05d-g%02d\n    csv: ../lists/c%05d-g%02d.csv\n", c, g, c, g)
			var rows strings.Builder
			rows.WriteString("user_id,phone\n")
			for range s.Listed {
				if kind, v := next(); kind == "user_id" {
					rows.WriteString(v + ",\n")
				} else {
					rows.WriteString("," + v + "\n")
				}
			}
			name := filepath.Join(dir, "lists", fmt.Sprintf("c%05d-g%02d.csv", c, g))
			if err := os.WriteFile(name, []byte(rows.String()), 0o644); err != nil {
				return err
			}
		}
		y.WriteString("groups:\n")
		for g := range s.GroupsPer {
			fmt.Fprintf(&y, "  - key: group-%02d\n    community: community-%05d\n    name: Group %d of %d\n", g, c, g, c)
			fmt.Fprintf(&y, "    description: \"Group %d #bench\"\n    tags: [bench, g%d]\n    topics: [1, 2]\n", g, g)
			fmt.Fprintf(&y, "    settings: {discoverable: true}\n    member_lists: [c%05d-g%02d]\n    members:\n", c, g)
			for range s.Inline {
				kind, v := next()
				fmt.Fprintf(&y, "      - %s: %q\n", kind, v)
			}
		}
		name := filepath.Join(dir, "spec", fmt.Sprintf("c%05d.yaml", c))
		if err := os.WriteFile(name, []byte(y.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// memberN is the nth member of a generated spec (from 1): a unique user id
// or phone, alternately.
func memberN(n int) (kind, value string) {
	if n%2 == 0 {
		return "user_id", fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n)
	}
	return "phone", fmt.Sprintf("+91 98%03d %05d", n/100000, n%100000) // valid Indian mobiles
}

// WriteLockfile writes to path the lockfile of the spec below dir as an
// apply against Endpoint would have recorded it: the plan of creates,
// each create confirmed with made-up ids, each phone member with a member
// id of its own and each user_id member with its user id.
func WriteLockfile(path, dir string) error {
	d, err := spec.Load([]string{dir})
	if err != nil {
		return err
	}
	st := lockfile.New(Endpoint)
	p := reconcile.Diff(d, st, reconcile.Options{})
	if p.Summary.Create != len(d.Communities)+len(d.Groups) {
		return fmt.Errorf("the plan against an empty lockfile has %d creates, not %d", p.Summary.Create, len(d.Communities)+len(d.Groups))
	}
	for _, c := range p.Changes {
		fields := lockfile.Fields{}
		for _, fc := range c.Fields {
			fields[fc.Name] = fc.After
		}
		switch c.Kind {
		case reconcile.KindCommunity:
			a, _ := reconcile.ParseAddress(c.Address)
			handle := a.Community
			st.Communities[c.Address] = &lockfile.Community{Handle: handle, Status: lockfile.StatusCreated,
				CommunityID: madeUpID("community", c.Address), ShareURL: "https://genuin.example/c/" + handle, Fields: fields}
		case reconcile.KindGroup:
			g := &lockfile.Group{Community: c.Community, CommunityID: st.Communities[c.Community].CommunityID,
				Status: lockfile.StatusCreated, ChatID: c.ChatID, GroupID: madeUpID("group", c.Address),
				ShareURL: "https://genuin.example/g/" + c.ChatID, Fields: fields, Members: make(map[string]string, len(c.MembersAdded))}
			for _, m := range c.MembersAdded {
				id := m.UserID
				if id == "" {
					id = madeUpID("member", c.Address+"\x00"+m.Identity)
				}
				g.Members[m.Identity] = id
			}
			st.Groups[c.Address] = g
		}
	}
	st.Serial = 1
	if err := st.Validate(); err != nil {
		return err
	}
	data, err := lockfile.Marshal(st)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, err = w.Write(data)
	return errors.Join(err, w.Flush(), f.Close())
}

// madeUpID is a UUID (version 4 layout) derived from kind and name.
func madeUpID(kind, name string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + name))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
