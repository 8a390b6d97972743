package reconcile

import (
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// DefaultChunkSize is how many members one request adds or removes at most.
const DefaultChunkSize = 100

// Options tune Diff.
type Options struct {
	// Namespace is the lockfile lineage the chat_ids of groups to create
	// are derived from (lockfile.ChatIDFor); "" means the lineage of the
	// state Diff is given. With neither (no lockfile yet, and no endpoint
	// to derive its lineage from) creates have no chat_id in the plan:
	// apply derives them (DeriveChatIDs) once it knows the endpoint. A
	// spec's explicit chat_id always wins.
	Namespace string
	// NewChatID, when set, generates the chat_id of a group to create
	// instead (tests).
	NewChatID func() string
	// ChunkSize bounds the members added or removed per request; 0 means
	// DefaultChunkSize.
	ChunkSize int
}

func (o Options) withDefaults() Options {
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	return o
}

// Diff compares the desired spec with the recorded state (nil when there is
// no lockfile yet) and returns the plan that makes the platform match the
// spec. It makes no network call.
func Diff(d *spec.Desired, st *lockfile.State, opts Options) *Plan {
	opts = opts.withDefaults()
	if st == nil {
		st = lockfile.New("")
		st.Lineage = "" // no lockfile: no namespace but opts.Namespace
	}
	if opts.Namespace == "" {
		opts.Namespace = st.Lineage
	}
	p := &Plan{FormatVersion: PlanFormatVersion, Changes: []*Change{}}
	moves, _ := plannedMoves(d, st) // the command refuses the others (CheckMoves)
	recorded, moved := movedState(moves, st)
	p.Changes = append(p.Changes, moved...)
	for _, h := range d.CommunityHandles() {
		p.Changes = append(p.Changes, diffCommunity(d.Communities[h], st.Communities[spec.CommunityAddress(h)])...)
	}
	chats := make(map[string]string, len(recorded.Groups)) // recorded chat_id → address
	for addr, g := range recorded.Groups {
		if g != nil {
			chats[g.ChatID] = addr
		}
	}
	p.Changes = append(p.Changes, diffGroups(d, recorded, chats, opts)...)
	for addr := range st.Communities {
		if _, ok := d.Communities[st.Communities[addr].Handle]; !ok {
			p.Changes = append(p.Changes, orphan(addr, KindCommunity))
		}
	}
	for addr := range recorded.Groups {
		if _, ok := d.Groups[addr]; !ok {
			p.Changes = append(p.Changes, orphan(addr, KindGroup))
		}
	}
	suggestMoves(p, recorded)
	p.finish()
	return p
}

// groupsPerWorker is how many groups make it worth diffing them on one
// more core.
const groupsPerWorker = 2000

// diffGroups is diffGroup of every group of the spec, in address order.
// A campaign's groups are diffed on every core, a slice of addresses
// each: diffGroup only reads what it is given. A NewChatID function is
// called in address order, on one.
func diffGroups(d *spec.Desired, recorded *lockfile.State, chats map[string]string, opts Options) []*Change {
	addrs := d.GroupAddresses()
	workers := min(runtime.GOMAXPROCS(0), len(addrs)/groupsPerWorker)
	if opts.NewChatID != nil || workers < 2 {
		workers = 1
	}
	parts := make([][]*Change, workers)
	var wg sync.WaitGroup
	for w := range parts {
		from, to := w*len(addrs)/workers, (w+1)*len(addrs)/workers
		wg.Go(func() {
			for _, addr := range addrs[from:to] {
				parts[w] = append(parts[w], diffGroup(d.Groups[addr], recorded.Groups[addr], chats, opts)...)
			}
		})
	}
	wg.Wait()
	return slices.Concat(parts...)
}

func diffCommunity(c *spec.Community, rec *lockfile.Community) []*Change {
	addr := spec.CommunityAddress(c.Handle)
	want := communityFields.values(c)
	ch := &Change{Address: addr, Kind: KindCommunity, Source: c.Pos.String()}
	switch {
	case rec == nil:
		ch.Action, ch.Fields, ch.Calls = ActionCreate, createdFields(want), 1
		return []*Change{ch}
	case rec.Status == lockfile.StatusPending:
		// The re-send repeats the journalled request, which may already
		// have been applied; edits made since are diffed against it.
		ch.Action, ch.Fields, ch.Calls = ActionPending, createdFields(rec.Fields), 1
		ch.Reason = "an earlier apply sent this create and recorded no result"
		ch.Hint = "apply re-sends it exactly as it was sent; if the API answers that the handle exists, record the community's id with the import command"
		return append([]*Change{ch}, blockedCommunityEdit(addr, c, rec.Fields, want)...)
	}
	return blockedCommunityEdit(addr, c, rec.Fields, want)
}

// blockedCommunityEdit reports the fields of a community that differ from
// the values it was created with: the API cannot change them.
func blockedCommunityEdit(addr string, c *spec.Community, applied, want lockfile.Fields) []*Change {
	changed := communityFields.changes(applied, want)
	if len(changed) == 0 {
		return nil
	}
	return []*Change{{
		Address: addr, Kind: KindCommunity, Source: c.Pos.String(), Action: ActionBlocked, Fields: changed,
		Reason: "a community cannot change after creation: the API has no community update",
		Hint:   "set these fields back to their applied values in the spec, or change the community in the Brand Control Center and then match the spec to it",
	}}
}

// diffGroup compares a group with its record (nil when there is none);
// chats maps each recorded chat_id to its group's address.
func diffGroup(g *spec.Group, rec *lockfile.Group, chats map[string]string, opts Options) []*Change {
	base := Change{Address: g.Address(), Kind: KindGroup, CommunityID: g.CommunityID, Source: g.Pos.String()}
	if g.Community != "" {
		base.Community = spec.CommunityAddress(g.Community)
	}
	switch {
	case rec == nil && g.ChatID != "" && chats[g.ChatID] != "":
		// The lockfile refuses two groups with one chat_id: an update
		// would go to the other's chat.
		ch := base
		ch.Action = ActionBlocked
		ch.Fields = []FieldChange{{Name: "chat_id", After: jsonString(g.ChatID)}}
		ch.Reason = fmt.Sprintf("chat_id %s is the recorded chat_id of %s: a create with it would name that group", g.ChatID, chats[g.ChatID])
		ch.Hint = fmt.Sprintf("give this group another chat_id, or leave chat_id out and genuinctl makes one; if the record is stale, forget it with \"genuinctl state rm %s\"", chats[g.ChatID])
		return []*Change{&ch}
	case rec == nil && g.ChatID == "" && opts.NewChatID == nil && opts.Namespace != "" &&
		chats[DerivedChatID(opts.Namespace, g.Address(), g.CommunityID, g.Name)] != "":
		// A record moved away from this address keeps the chat_id derived
		// from it: a create with it would name that group.
		id := DerivedChatID(opts.Namespace, g.Address(), g.CommunityID, g.Name)
		ch := base
		ch.Action = ActionBlocked
		ch.Fields = []FieldChange{{Name: "chat_id", After: jsonString(id)}}
		ch.Reason = fmt.Sprintf("the chat_id derived for this address, %s, is the recorded chat_id of %s (moved there from this address): a create with it would name that group", id, chats[id])
		ch.Hint = "give this group an explicit chat_id in the spec (a new UUID, e.g. from uuidgen) to create a new group here"
		return []*Change{&ch}
	case rec == nil:
		ch := base
		ch.Action, ch.ChatID = ActionCreate, g.ChatID
		switch {
		case ch.ChatID != "":
		case opts.NewChatID != nil:
			ch.ChatID = opts.NewChatID()
		case opts.Namespace != "":
			ch.ChatID = DerivedChatID(opts.Namespace, g.Address(), g.CommunityID, g.Name)
		}
		ch.Fields = createdFields(groupFields.values(g))
		ch.MembersAdded, _ = memberAdds(g.Members, nil)
		if g.PhonesInCreate {
			for i := range ch.MembersAdded {
				ch.MembersAdded[i].InCreate = ch.MembersAdded[i].Phone != ""
			}
		}
		ch.Calls = createCalls(ch.MembersAdded, opts.ChunkSize)
		changes := []*Change{&ch}
		if len(g.SubscribersRemoved) > 0 {
			// A new group has no subscribers yet, but the spec names users
			// who must not be: each removal is sent once, right after the
			// create, and recorded like any other.
			up := base
			up.Action, up.ChatID = ActionUpdate, ch.ChatID
			up.SubscribersRemoved, _ = subscribersToRemove(g.SubscribersRemoved, nil)
			up.Calls = updateCalls(nil, nil, nil, up.SubscribersRemoved, opts.ChunkSize)
			changes = append(changes, &up)
		}
		return changes
	case rec.Status == lockfile.StatusPending:
		// The re-send repeats the journalled request exactly: the API may
		// have applied it already, and answers a repeated chat_id with the
		// group as first created. What the spec asks beyond it is an
		// ordinary update once the create is confirmed.
		ch := base
		ch.Action, ch.ChatID = ActionPending, rec.ChatID
		ch.Reason = "an earlier apply sent this create and recorded no result"
		ch.Hint = "apply re-sends it exactly as it was sent, with the same chat_id, so the group is created at most once; later edits follow as an update"
		ch.Fields = createdFields(rec.Fields)
		for _, id := range rec.CreateMembers {
			m := memberFromIdentity(id)
			m.InCreate = m.Phone != ""
			ch.MembersAdded = append(ch.MembersAdded, m)
		}
		ch.Calls = createCalls(ch.MembersAdded, opts.ChunkSize)
		return append([]*Change{&ch}, diffCreatedGroup(g, confirmed(rec), base, opts)...)
	}
	return diffCreatedGroup(g, rec, base, opts)
}

// DeriveChatIDs gives the group changes of a plan made without a
// namespace (no lockfile and no endpoint: see Options.Namespace) the
// chat_ids derived from lineage, the lineage of the lockfile apply binds:
// the same chat_ids a plan made with that namespace holds.
func DeriveChatIDs(p *Plan, lineage string) {
	for _, c := range p.Changes {
		if c.Kind == KindGroup && c.ChatID == "" && c.Action != ActionBlocked {
			c.ChatID = DerivedChatID(lineage, c.Address, c.CommunityID, createdName(c))
		}
	}
}

// DerivedChatID is the chat_id of a group to create at address with name,
// in the existing community communityID ("" for a community of the spec).
// A group in a community of the spec derives it from its address alone:
// the community's handle is this spec's (the API keeps handles unique),
// so no other lockfile names that address. A group in an existing
// community, given by community_id, mixes in the name it is created with:
// two specs on one endpoint may each put a group with the same key in a
// shared community, and the second must create its own, not confirm (and
// rename) the first one's.
func DerivedChatID(lineage, address, communityID, name string) string {
	if communityID != "" {
		return lockfile.ChatIDFor(lineage, address+"\x00"+name)
	}
	return lockfile.ChatIDFor(lineage, address)
}

// createdName is the name a group create sends.
func createdName(c *Change) string {
	for _, fc := range c.Fields {
		if fc.Name == "name" {
			var name string
			_ = json.Unmarshal(fc.After, &name)
			return name
		}
	}
	return ""
}

// confirmed is a pending group's record as it will be once its create is
// confirmed.
func confirmed(rec *lockfile.Group) *lockfile.Group {
	c := *rec
	c.Members = maps.Clone(rec.Members)
	c.CreateMembers = slices.Clone(rec.CreateMembers)
	c.Status = lockfile.StatusCreated
	c.ConfirmCreateMembers()
	return &c
}

// diffCreatedGroup compares a created group's record with the spec: an
// update for what update_conversation can change, blocked changes for the
// rest.
func diffCreatedGroup(g *spec.Group, rec *lockfile.Group, base Change, opts Options) []*Change {
	var changes []*Change
	base.ChatID = rec.ChatID
	changed := groupFields.changes(rec.Fields, groupFields.values(g))
	var updatable, createOnly []FieldChange
	if g.ChatID != "" && g.ChatID != rec.ChatID {
		// chat_id is no field of the table: the record holds it as its id.
		createOnly = append(createOnly, FieldChange{Name: "chat_id", Before: jsonString(rec.ChatID), After: jsonString(g.ChatID)})
	}
	for _, fc := range changed {
		if groupFields.updatable(fc.Name) {
			updatable = append(updatable, fc)
		} else {
			createOnly = append(createOnly, fc)
		}
	}
	adds, kept := memberAdds(g.Members, rec.Members)
	removes, unknown := membersToRemove(g.Members, rec.Members, kept)
	subscribers, forgotten := subscribersToRemove(g.SubscribersRemoved, rec.SubscribersRemoved)
	subscribers, members := apartFromMembers(g, rec, subscribers)
	if len(updatable) > 0 || len(adds) > 0 || len(removes) > 0 || len(subscribers) > 0 || len(forgotten) > 0 {
		ch := base
		ch.Action = ActionUpdate
		ch.Fields, ch.MembersAdded, ch.MembersRemoved = updatable, adds, removes
		ch.SubscribersRemoved, ch.SubscribersForgotten = subscribers, forgotten
		ch.Calls = updateCalls(updatable, adds, removes, subscribers, opts.ChunkSize)
		changes = append(changes, &ch)
	}
	if len(createOnly) > 0 {
		slices.SortFunc(createOnly, func(a, b FieldChange) int { return strings.Compare(a.Name, b.Name) })
		ch := base
		ch.Action, ch.Fields = ActionBlocked, createOnly
		ch.Reason = "these fields can be set only when a group is created: update_conversation cannot change them"
		ch.Hint = "set them back to their applied values, or give the group a new key to create a new group (the old one stays on the platform)"
		changes = append(changes, &ch)
	}
	if len(members) > 0 {
		ch := base
		ch.Action, ch.SubscribersRemoved = ActionBlocked, members
		ch.Reason = "these users are members of the group, added by phone (the lockfile records their user id as the member id), and in subscribers_removed"
		ch.Hint = "take them out of subscribers_removed or out of the members, or mark the subscriber also_member: true if both are meant"
		changes = append(changes, &ch)
	}
	if len(unknown) > 0 {
		ch := base
		ch.Action, ch.MembersRemoved = ActionBlocked, unknown
		ch.Reason = "the API did not return the member id of these members, and members_removed takes member ids"
		ch.Hint = "remove them in the Brand Control Center, or keep them in the spec"
		changes = append(changes, &ch)
	}
	return changes
}

// orphanReason is why a record the spec no longer declares is blocked.
const orphanReason = "in the lockfile but no longer in the spec, and the API has no delete endpoint"

func orphan(addr, kind string) *Change {
	return &Change{
		Address: addr, Kind: kind, Action: ActionBlocked,
		Reason: orphanReason,
		Hint:   fmt.Sprintf("put it back in the spec to keep managing it, or stop tracking it with \"genuinctl state rm %s\" (it stays on the platform; delete it in the Brand Control Center if you must)", addr),
	}
}

// createdFields lists every field of a create, sorted by name.
func createdFields(want lockfile.Fields) []FieldChange {
	out := make([]FieldChange, 0, len(want))
	for _, name := range sortedNames(want, nil) {
		out = append(out, FieldChange{Name: name, After: want[name]})
	}
	return out
}

func sortedNames(a, b lockfile.Fields) []string {
	names := make([]string, 0, len(a)+len(b))
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, dup := a[n]; !dup {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// memberAdds returns the desired members to add, in spec order (those not
// recorded, and uncertain user members), and how many recorded members
// are desired.
func memberAdds(want []spec.Member, recorded map[string]string) (adds []Member, kept int) {
	if len(recorded) == 0 && len(want) > 0 {
		adds = make([]Member, 0, len(want))
	}
	for _, m := range want {
		id, ok := recorded[m.Identity()]
		if ok {
			kept++
		}
		if !ok || uncertainUser(m.Identity(), id) {
			adds = append(adds, Member{Identity: m.Identity(), UserID: m.UserID, Phone: m.Phone})
		}
	}
	return adds, kept
}

// uncertainUser reports whether a recorded member is a user_id member whose
// add may or may not have been applied (its answer was lost): it is
// recorded with no member id, where a confirmed one has its user id. Adding
// and removing are idempotent, so the next plan adds it again if the spec
// wants it and removes it if not. (A phone member's id is unknown for good
// once an answer is lost: it is not re-sent.)
func uncertainUser(identity, memberID string) bool {
	return memberID == "" && strings.HasPrefix(identity, "user:")
}

// memberIDOf is the member id to remove a recorded member by: the one the
// API returned, or a user's own id for an uncertain user member.
func memberIDOf(identity, recorded string) string {
	if uncertainUser(identity, recorded) {
		return strings.TrimPrefix(identity, "user:")
	}
	return recorded
}

// membersToRemove returns the recorded members no longer desired, sorted,
// split into those with a known member id and those without. kept is how
// many recorded members are desired (memberAdds counts them): when it is
// all of them, nothing leaves and no set of the desired is built.
func membersToRemove(want []spec.Member, recorded map[string]string, kept int) (removable, unknown []Member) {
	if kept == len(recorded) {
		return nil, nil
	}
	keep := make(map[string]bool, len(want))
	for _, m := range want {
		keep[m.Identity()] = true
	}
	var gone []string // usually none: sort only what leaves
	for id := range recorded {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		m := memberFromIdentity(id)
		m.MemberID = memberIDOf(id, recorded[id])
		if m.MemberID == "" {
			unknown = append(unknown, m)
		} else {
			removable = append(removable, m)
		}
	}
	return removable, unknown
}

// apartFromMembers splits the subscriber removals of a created group into
// those to send and those of users who are members of it by phone: the
// spec cannot see that a phone is that user, the lockfile can (the member
// id a phone got is the user's id). A subscriber marked also_member is
// sent anyway.
func apartFromMembers(g *spec.Group, rec *lockfile.Group, removals []Member) (send, members []Member) {
	if len(removals) == 0 {
		return nil, nil
	}
	byPhone := map[string]bool{}
	for _, m := range g.Members {
		if id := rec.Members[m.Identity()]; m.Phone != "" && id != "" {
			byPhone[id] = true
		}
	}
	meant := map[string]bool{}
	for _, s := range g.SubscribersRemoved {
		meant[s.UserID] = s.AlsoMember
	}
	for _, r := range removals {
		if byPhone[r.UserID] && !meant[r.UserID] {
			members = append(members, r)
		} else {
			send = append(send, r)
		}
	}
	return send, members
}

// subscribersToRemove returns the subscribers the spec removes whose
// removal is not recorded yet, in spec order (each removal is sent once),
// and the recorded removals the spec no longer asks for, sorted: nothing
// re-subscribes a user, so those are only forgotten.
func subscribersToRemove(want []spec.Subscriber, recorded []string) (removals, forgotten []Member) {
	done := make(map[string]bool, len(recorded))
	for _, id := range recorded {
		done[id] = true
	}
	keep := make(map[string]bool, len(want))
	for _, s := range want {
		keep[s.Identity()] = true
		if !done[s.Identity()] {
			removals = append(removals, Member{Identity: s.Identity(), UserID: s.UserID})
		}
	}
	for _, id := range slices.Sorted(slices.Values(recorded)) {
		if !keep[id] {
			forgotten = append(forgotten, memberFromIdentity(id))
		}
	}
	return removals, forgotten
}

// jsonString is a string's JSON.
func jsonString(s string) json.RawMessage {
	data, _ := json.Marshal(s)
	return data
}

func memberFromIdentity(id string) Member {
	m := Member{Identity: id}
	if user, ok := strings.CutPrefix(id, "user:"); ok {
		m.UserID = user
	} else if phone, ok := strings.CutPrefix(id, "phone:"); ok {
		m.Phone = phone
	}
	return m
}
