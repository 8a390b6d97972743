package main

import (
	"fmt"
	"slices"

	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/render"
	"github.com/genuin/genuinctl/spec"
)

// Phone numbers are personal data: every output masks them (render.MaskPhone)
// unless --show-pii. These are the masks of the outputs that are not plan
// renderings: expand's resolved spec and state show's records.

// maskSpecPhones masks the phone numbers of every group's members in d,
// for expand: each group gets a masked copy of its members, so a member
// list shared by several groups is masked once in each.
func maskSpecPhones(d *spec.Desired) {
	for _, g := range d.Groups {
		if !slices.ContainsFunc(g.Members, func(m spec.Member) bool { return m.Phone != "" }) {
			continue
		}
		members := slices.Clone(g.Members)
		for i := range members {
			members[i].Phone = render.MaskPhone(members[i].Phone, false)
		}
		g.Members = members
	}
}

// maskedCommunity is a community record as state show prints it: its
// personal fields masked as pii says.
func maskedCommunity(c *lockfile.Community, pii *render.PII) *lockfile.Community {
	out := *c
	out.Fields = maskedFields(reconcile.KindCommunity, c.Fields, pii)
	return &out
}

// maskedGroup is a group record as state show prints it: the identities
// of its phone members and its personal fields masked as pii says. Two
// members whose masked identities coincide (see render.PII) stay two: the
// second gets " (2)" after its identity, and so on.
func maskedGroup(g *lockfile.Group, pii *render.PII) *lockfile.Group {
	out := *g
	out.Fields = maskedFields(reconcile.KindGroup, g.Fields, pii)
	if g.Members != nil {
		out.Members = make(map[string]string, len(g.Members))
		ids := make([]string, 0, len(g.Members))
		for id := range g.Members {
			ids = append(ids, id)
		}
		slices.Sort(ids) // the same names for the same record, run after run
		for _, id := range ids {
			key := pii.Identity(id)
			for n := 2; hasKey(out.Members, key); n++ {
				key = fmt.Sprintf("%s (%d)", pii.Identity(id), n)
			}
			out.Members[key] = g.Members[id]
		}
	}
	if g.CreateMembers != nil {
		out.CreateMembers = make([]string, len(g.CreateMembers))
		for i, id := range g.CreateMembers {
			out.CreateMembers[i] = pii.Identity(id)
		}
	}
	return &out
}

func hasKey(m map[string]string, key string) bool {
	_, ok := m[key]
	return ok
}

// maskedFields is a record's fields with the values of personal ones
// masked as pii says.
func maskedFields(kind string, fields lockfile.Fields, pii *render.PII) lockfile.Fields {
	if fields == nil {
		return nil
	}
	out := make(lockfile.Fields, len(fields))
	for name, v := range fields {
		out[name] = pii.Value(kind, name, v)
	}
	return out
}
