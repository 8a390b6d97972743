package reconcile

import (
	"encoding/json"
	"sort"
)

// PlanFormatVersion is the version of the plan's JSON form (schema/plan.schema.json).
const PlanFormatVersion = 1

// Action is what a change does.
type Action string

// The kinds of change.
const (
	// ActionCreate creates a community, or a group with its first members.
	ActionCreate Action = "create"
	// ActionUpdate changes a group's fields, members and subscribers with
	// update_conversation; an update that only forgets subscriber removals
	// the spec no longer asks for changes the lockfile alone.
	ActionUpdate Action = "update"
	// ActionPending re-sends a create whose result was never recorded, with
	// the same chat_id, so that it happens at most once.
	ActionPending Action = "pending"
	// ActionBlocked is a difference the API cannot apply; it is reported with
	// the reason and what to do, and apply leaves it alone.
	ActionBlocked Action = "blocked"
	// ActionMove gives a group's record a new address, as a moved block
	// asks (from MovedFrom): the lockfile alone changes, before anything
	// else of the group.
	ActionMove Action = "move"
)

// Object kinds.
const (
	KindCommunity = "community"
	KindGroup     = "group"
)

// Plan is the full set of changes between the spec and the lockfile. It is
// plain data: renderers print it, Apply executes it, and its JSON form is
// versioned.
type Plan struct {
	FormatVersion int `json:"format_version"`
	// Changes are sorted by address, then action.
	Changes []*Change `json:"changes"`
	Summary Summary   `json:"summary"`
	// Estimate is how long apply should take; set by the command, which
	// knows the apply settings. Saved plans do not carry it.
	Estimate *Estimate `json:"estimate,omitempty"`
	// Selection is the --target and --exclude the plan was narrowed by
	// (Select), and LeftOut how many changes they left out.
	Selection *Selection `json:"selection,omitempty"`
	LeftOut   int        `json:"left_out,omitempty"`
}

// Summary counts the changes and the API calls applying them takes.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Pending int `json:"pending"`
	Blocked int `json:"blocked"`
	// Move counts the records moved (moved blocks): no API call.
	Move int `json:"move"`
	// Calls is the number of API requests apply will send, without retries.
	Calls int `json:"api_calls"`
}

// Change is one change to one object.
type Change struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	Action  Action `json:"action"`
	// Community is a group's community address, for a community of the
	// spec; CommunityID names an existing community the spec does not manage.
	Community   string `json:"community,omitempty"`
	CommunityID string `json:"community_id,omitempty"`
	// ChatID is the group's chat_id: derived (or the spec's) for a create,
	// recorded otherwise; "" for a create planned with no namespace (see
	// Options.Namespace), until apply derives it.
	ChatID string `json:"chat_id,omitempty"`
	// Fields lists the fields that change, with their values before and after.
	Fields         []FieldChange `json:"fields,omitempty"`
	MembersAdded   []Member      `json:"members_added,omitempty"`
	MembersRemoved []Member      `json:"members_removed,omitempty"`
	// SubscribersRemoved are the users the update removes from the group's
	// subscribers (subscribers_removed), by user id: each is sent once.
	SubscribersRemoved []Member `json:"subscribers_removed,omitempty"`
	// SubscribersForgotten are users taken off the spec's
	// subscribers_removed since their removal was recorded. Nothing is sent
	// (no API subscribes anyone again): the lockfile forgets the removal,
	// so that listing them again sends it again.
	SubscribersForgotten []Member `json:"subscribers_forgotten,omitempty"`
	// MovedFrom is the address a moved record leaves (ActionMove).
	MovedFrom string `json:"moved_from,omitempty"`
	// Reason explains a blocked change; Hint says what the user can do.
	Reason string `json:"reason,omitempty"`
	Hint   string `json:"hint,omitempty"`
	// Source is the file:line:col of the spec that asks for the change.
	Source string `json:"source,omitempty"`
	// Calls is the number of API requests this change takes.
	Calls int `json:"api_calls"`
}

// FieldChange is one field's value before and after, as JSON; Before is
// absent for a create.
type FieldChange struct {
	Name   string          `json:"name"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Member is a member being added (by user id or phone) or removed (by the
// member id the lockfile recorded), or a subscriber (by user id).
type Member struct {
	Identity string `json:"identity"`
	UserID   string `json:"user_id,omitempty"`
	Phone    string `json:"phone,omitempty"`
	MemberID string `json:"member_id,omitempty"`
	// InCreate marks a phone member sent in the group create rather than
	// in an update after it (phones_in_create, or the re-send of a create
	// that sent it): its member id stays unknown.
	InCreate bool `json:"in_create,omitempty"`
}

// HasChanges reports whether applying the plan would make any API call or
// change the lockfile (forgetting subscriber removals takes no call).
func (p *Plan) HasChanges() bool {
	return p.Summary.Calls > 0 || p.Summary.Create+p.Summary.Update+p.Summary.Pending+p.Summary.Move > 0
}

// finish sorts the changes and fills in the summary.
func (p *Plan) finish() {
	sort.SliceStable(p.Changes, func(i, j int) bool {
		a, b := p.Changes[i], p.Changes[j]
		if a.Address != b.Address {
			return addressLess(a.Address, b.Address)
		}
		return actionRank[a.Action] < actionRank[b.Action]
	})
	p.Summary = Summary{}
	for _, c := range p.Changes {
		switch c.Action {
		case ActionCreate:
			p.Summary.Create++
		case ActionUpdate:
			p.Summary.Update++
		case ActionPending:
			p.Summary.Pending++
		case ActionBlocked:
			p.Summary.Blocked++
		case ActionMove:
			p.Summary.Move++
		}
		p.Summary.Calls += c.Calls
	}
}

var actionRank = map[Action]int{ActionMove: 0, ActionPending: 1, ActionCreate: 2, ActionUpdate: 3, ActionBlocked: 4}

// addressLess orders communities before groups, then by address, so a
// community's create precedes its groups' in every listing.
func addressLess(a, b string) bool {
	ca, cb := isCommunity(a), isCommunity(b)
	if ca != cb {
		return ca
	}
	return a < b
}

func isCommunity(addr string) bool {
	a, _ := ParseAddress(addr)
	return a.Kind == KindCommunity
}
