package reconcile

import (
	"fmt"
	"strings"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// ImportEntry builds the journal entry that records an object created
// outside genuinctl (or by an apply whose answer was lost) under addr, with
// the id the user gives: a community_id or a group's chat_id. Without a read
// API nothing can be checked: the record takes the spec's values as the
// applied ones, owns no members yet and has removed no subscribers (the
// next apply sends the spec's subscribers_removed).
func ImportEntry(d *spec.Desired, st *lockfile.State, addr, id string) (lockfile.Entry, error) {
	if id == "" {
		return lockfile.Entry{}, fmt.Errorf("import %s: the id is empty", addr)
	}
	if err := importable(st, addr); err != nil {
		return lockfile.Entry{}, err
	}
	if a, err := ParseAddress(addr); err == nil && a.Kind == KindCommunity {
		handle := a.Community
		c := d.Communities[handle]
		if c == nil {
			return lockfile.Entry{}, fmt.Errorf("import %s: not in the spec; declare it first, so its fields are known", addr)
		}
		rec := &lockfile.Community{Handle: handle, Status: lockfile.StatusCreated, CommunityID: id,
			Fields: communityFields.values(c)}
		return lockfile.Entry{Op: lockfile.OpPut, Address: addr, Community: rec}, nil
	}
	g := d.Groups[addr]
	if g == nil {
		return lockfile.Entry{}, fmt.Errorf("import %s: not in the spec (addresses are community/<handle> or group/<handle>/<key>); declare it first", addr)
	}
	if g.ChatID != "" && !strings.EqualFold(g.ChatID, id) {
		return lockfile.Entry{}, fmt.Errorf("import %s: the spec gives this group chat_id %s (%s), not %s; import the group it names, or change the spec", addr, g.ChatID, g.Pos, id)
	} else if g.ChatID != "" {
		id = g.ChatID // as the spec writes it, in lower case
	}
	rec := &lockfile.Group{CommunityID: g.CommunityID, Status: lockfile.StatusCreated, ChatID: id, Fields: groupFields.values(g)}
	if g.Community != "" {
		rec.Community = spec.CommunityAddress(g.Community)
		community := st.Communities[rec.Community]
		if community == nil || community.Status != lockfile.StatusCreated {
			return lockfile.Entry{}, fmt.Errorf("import %s: its community %s is not recorded as created; import the community first", addr, rec.Community)
		}
		rec.CommunityID = community.CommunityID
	}
	return lockfile.Entry{Op: lockfile.OpPut, Address: addr, Group: rec}, nil
}

// importable refuses to overwrite a confirmed record; a pending one (a
// create whose answer was lost) is exactly what import is for.
func importable(st *lockfile.State, addr string) error {
	status := ""
	if c := st.Communities[addr]; c != nil {
		status = c.Status
	} else if g := st.Groups[addr]; g != nil {
		status = g.Status
	}
	if status == lockfile.StatusCreated {
		return fmt.Errorf("import %s: already recorded as created; to replace it, \"genuinctl state rm %s\" first", addr, addr)
	}
	return nil
}
