package lockfile

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules a state must keep, beyond its shape (shape.go). Each one is
// something the reconciler relies on, and each holds for every lockfile
// genuinctl has written:
//
//   - the header: lineage and endpoint are not empty; 0 <= serial <
//     MaxInt64, so that the next write cannot overflow it;
//   - every id and URL (lineage, endpoint, handle, community_id, chat_id,
//     group_id, share_url, community, member identities and member ids) is
//     valid UTF-8 without control characters (they reach the terminal) and
//     without leading or trailing whitespace (an id differing only by it
//     would name another object);
//   - a record key is an address: community/<handle> or
//     group/<community>/<key>, each part non-empty, without '/' or control
//     characters; a record is not null;
//   - a community's handle is its address's; its status is pending or
//     created; a created community has its community_id (its groups are
//     created with it);
//   - a group's status is pending or created; its chat_id is not empty and
//     no other group has it (an update would go to the other's chat); its
//     community, when set, is the community of its address (group_ids come
//     from the API and are not checked for uniqueness: a duplicate the API
//     returned must not make the lockfile unwritable);
//   - member identities are user:<id> or phone:<digits>; a user:<id>
//     member's member id is <id> (a member added by user_id has its user
//     id as member id: another id would remove someone else), or "" for
//     an add whose answer was lost (reconcile re-sends it);
//     create_members, only on a pending group, lists distinct member
//     identities (user:<id>, or phone:<digits> for phones sent in the
//     create); subscribers_removed lists distinct user:<id> identities.
//
// A group's community need not be recorded: "state rm" may forget a
// community and keep its groups.

// Validate checks the state against every rule a lockfile must keep. It
// is what Load and Checkpoint check, for callers that build or store a
// State another way.
func (s *State) Validate() error {
	if probs := s.problems(); len(probs) > 0 {
		return &InvalidError{Problems: finish("", nil, probs), Advice: "the state is invalid"}
	}
	return nil
}

// problems lists every rule the state breaks.
func (s *State) problems() []Problem {
	var probs []Problem
	for _, p := range headerProblems(s) {
		probs = append(probs, problemOf(p.field, "%s", p.msg))
	}
	// In map order: finish sorts them by address.
	for addr, c := range s.Communities {
		for _, p := range communityProblems(addr, c) {
			probs = append(probs, problemOf(append([]string{"communities", addr}, p.field...), "%s", p.msg))
		}
	}
	for addr, g := range s.Groups {
		for _, p := range groupProblems(addr, g, true) {
			probs = append(probs, problemOf(append([]string{"groups", addr}, p.field...), "%s", p.msg))
		}
	}
	chatConflicts(s.Groups, func(addr, msg string) {
		probs = append(probs, problemOf([]string{"groups", addr, "chat_id"}, "%s", msg))
	})
	return probs
}

// headerProblems checks a state's header.
func headerProblems(s *State) []recordProblem {
	var probs []recordProblem
	add := func(field, format string, args ...any) {
		probs = append(probs, recordProblem{[]string{field}, fmt.Sprintf(format, args...)})
	}
	if s.FormatVersion != FormatVersion {
		add("format_version", "format_version %d is not supported by this genuinctl (it writes version %d)", s.FormatVersion, FormatVersion)
	}
	if s.Lineage == "" {
		add("lineage", "lineage is empty")
	} else if msg := idProblem("lineage", s.Lineage); msg != "" {
		add("lineage", "%s", msg)
	}
	switch {
	case s.Serial < 0:
		add("serial", "serial %d is negative", s.Serial)
	case s.Serial == math.MaxInt64:
		add("serial", "serial %d leaves no room for the next write", s.Serial)
	}
	if s.Endpoint == "" {
		add("endpoint", "endpoint is empty")
	} else if msg := idProblem("endpoint", s.Endpoint); msg != "" {
		add("endpoint", "%s", msg)
	}
	return probs
}

// chatConflicts calls report for each group whose chat_id a group at an
// earlier address has (naming the first of them): each group has its
// own.
func chatConflicts(groups map[string]*Group, report func(addr, msg string)) {
	first := make(map[string]string, len(groups)) // chat_id → its first address
	for addr, g := range groups {
		if g == nil || g.ChatID == "" {
			continue
		}
		if other, ok := first[g.ChatID]; !ok || addr < other {
			first[g.ChatID] = addr
		}
	}
	for addr, g := range groups {
		if g != nil && g.ChatID != "" && first[g.ChatID] != addr {
			report(addr, fmt.Sprintf("chat_id %q is also the chat_id of %s: each group has its own", g.ChatID, first[g.ChatID]))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// recordProblem is a broken rule inside one record: the field (path) and
// what is wrong.
type recordProblem struct {
	field []string
	msg   string
}

func (p recordProblem) Error() string { return p.msg }

const (
	communityPrefix = "community/"
	groupPrefix     = "group/"
)

// parseAddress checks a record's address and returns its parts: for
// community/<handle>, the handle; for group/<community>/<key>, the
// community (a handle or a community_id) and the key.
func parseAddress(addr string) (isGroup bool, community, key string, err error) {
	switch {
	case strings.HasPrefix(addr, communityPrefix):
		handle := addr[len(communityPrefix):]
		if err := addressPart(handle); err != nil {
			return false, "", "", fmt.Errorf("%q is not an address community/<handle>: the handle %v", addr, err)
		}
		return false, handle, "", nil
	case strings.HasPrefix(addr, groupPrefix):
		community, key, ok := strings.Cut(addr[len(groupPrefix):], "/")
		if !ok {
			return true, "", "", fmt.Errorf("%q is not an address group/<community>/<key>", addr)
		}
		if err := addressPart(community); err != nil {
			return true, "", "", fmt.Errorf("%q is not an address group/<community>/<key>: the community %v", addr, err)
		}
		if err := addressPart(key); err != nil {
			return true, "", "", fmt.Errorf("%q is not an address group/<community>/<key>: the key %v", addr, err)
		}
		return true, community, key, nil
	}
	return false, "", "", fmt.Errorf("%q is not an address (community/<handle> or group/<community>/<key>)", addr)
}

// addressPart checks one part of an address.
func addressPart(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("is empty")
	case strings.Contains(s, "/"):
		return fmt.Errorf("contains '/'")
	case hasControl(s):
		return fmt.Errorf("contains a control character")
	}
	return nil
}

// hasControl reports a control character (C0, DEL or C1: each can start a
// terminal escape sequence).
func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// idProblem checks an id or URL, named what, that a record holds: it is
// printed to the terminal and sent to the API, so it must be valid UTF-8
// without control characters, and without leading or trailing whitespace.
// It returns what is wrong, or "". An empty value is for the caller to
// judge.
func idProblem(what, s string) string {
	if plainASCII(s) {
		return ""
	}
	switch {
	case !utf8.ValidString(s):
		return fmt.Sprintf("%s %q is not valid UTF-8", what, s)
	case hasControl(s):
		return fmt.Sprintf("%s %q contains a control character", what, s)
	case strings.TrimSpace(s) != s:
		return fmt.Sprintf("%s %q has leading or trailing whitespace", what, s)
	}
	return ""
}

// plainASCII reports whether s is printable ASCII without space: an id
// no rule of idProblem can refuse (most are, and there are millions).
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// validIdentity reports whether id is a member identity: user:<id> or
// phone:<digits> (or, for userOnly, user:<id> only).
func validIdentity(id string, userOnly bool) bool {
	if rest, ok := strings.CutPrefix(id, "user:"); ok {
		return rest != "" && idProblem("", rest) == ""
	}
	digits, ok := strings.CutPrefix(id, "phone:")
	return ok && !userOnly && validPhoneDigits(digits)
}

// validPhoneDigits reports whether s is a phone number as genuinctl
// records one: 1 to 15 digits (E.164's most), no sign, no separator.
func validPhoneDigits(s string) bool {
	if s == "" || len(s) > 15 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// memberProblem checks one member of a record or an entry: its identity
// and its member id. A user:<id> member's member id is <id>, or "" while
// its add is uncertain (the answer was lost); a phone member's is any id,
// or "" when the API did not say.
func memberProblem(identity, memberID string) string {
	if !validIdentity(identity, false) {
		return fmt.Sprintf("member %q is not user:<id> or phone:<digits>", identity)
	}
	user, isUser := strings.CutPrefix(identity, "user:")
	switch {
	case isUser && memberID == user, memberID == "":
		return ""
	case isUser:
		return fmt.Sprintf("member %q has member id %q: a member added by user id has its user id as member id (%q)", identity, memberID, user)
	}
	if msg := idProblem("member id", memberID); msg != "" {
		return fmt.Sprintf("member %q: %s", identity, msg)
	}
	return ""
}

func validStatus(s string) bool { return s == StatusPending || s == StatusCreated }

func statusProblem(s string) recordProblem {
	return recordProblem{[]string{"status"}, fmt.Sprintf("status %q is neither %q nor %q", s, StatusPending, StatusCreated)}
}

// appendIDProblems checks each (name, value) pair with idProblem; an empty
// value is left to the record's other rules.
func appendIDProblems(probs []recordProblem, pairs ...string) []recordProblem {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		if msg := idProblem(pairs[i], pairs[i+1]); msg != "" {
			probs = append(probs, recordProblem{[]string{pairs[i]}, msg})
		}
	}
	return probs
}

// communityProblems checks one community record at addr.
func communityProblems(addr string, c *Community) []recordProblem {
	isGroup, handle, _, err := parseAddress(addr)
	if err == nil && isGroup {
		err = fmt.Errorf("%q is a group's address, not a community's", addr)
	}
	if err != nil {
		return []recordProblem{{nil, err.Error()}}
	}
	if c == nil {
		return []recordProblem{{nil, "the record is null"}}
	}
	var probs []recordProblem
	if c.Handle != handle {
		probs = append(probs, recordProblem{[]string{"handle"}, fmt.Sprintf("handle %q is not the handle of the address (%q)", c.Handle, handle)})
	}
	probs = appendIDProblems(probs, "community_id", c.CommunityID, "share_url", c.ShareURL)
	if !validStatus(c.Status) {
		probs = append(probs, statusProblem(c.Status))
	}
	if c.Status == StatusCreated && c.CommunityID == "" {
		probs = append(probs, recordProblem{[]string{"status"}, "a created community must have its community_id"})
	}
	return probs
}

// groupProblems checks one group record at addr, and its members unless
// members is false (the decoder checks each member as it reads it).
func groupProblems(addr string, g *Group, members bool) []recordProblem {
	isGroup, community, _, err := parseAddress(addr)
	if err == nil && !isGroup {
		err = fmt.Errorf("%q is a community's address, not a group's", addr)
	}
	if err != nil {
		return []recordProblem{{nil, err.Error()}}
	}
	if g == nil {
		return []recordProblem{{nil, "the record is null"}}
	}
	var probs []recordProblem
	if !validStatus(g.Status) {
		probs = append(probs, statusProblem(g.Status))
	}
	if g.ChatID == "" {
		probs = append(probs, recordProblem{[]string{"chat_id"}, "chat_id is empty"})
	}
	probs = appendIDProblems(probs, "chat_id", g.ChatID, "community_id", g.CommunityID, "group_id", g.GroupID, "share_url", g.ShareURL)
	if g.Community != "" && g.Community != communityPrefix+community {
		probs = append(probs, recordProblem{[]string{"community"},
			fmt.Sprintf("community %q is not the community of the address (%s)", g.Community, communityPrefix+community)})
	}
	if members {
		var bad []recordProblem
		for id, memberID := range g.Members {
			if msg := memberProblem(id, memberID); msg != "" {
				bad = append(bad, recordProblem{[]string{"members", id}, msg})
			}
		}
		slices.SortFunc(bad, func(a, b recordProblem) int { return strings.Compare(a.field[1], b.field[1]) })
		probs = append(probs, bad...)
	}
	if len(g.CreateMembers) > 0 && g.Status != StatusPending {
		probs = append(probs, recordProblem{[]string{"create_members"}, "create_members belong to a pending create only, not to a " + g.Status + " group"})
	}
	probs = append(probs, identityListProblems("create_members", g.CreateMembers, false)...)
	probs = append(probs, identityListProblems("subscribers_removed", g.SubscribersRemoved, true)...)
	return probs
}

// identityListProblems checks a record's list of member identities, named
// name: each valid (user:<id> only, for userOnly) and listed once.
func identityListProblems(name string, ids []string, userOnly bool) []recordProblem {
	var probs []recordProblem
	want := "user:<id> or phone:<digits>"
	if userOnly {
		want = "user:<id>"
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		field := []string{name, fmt.Sprintf("[%d]", i)}
		switch {
		case !validIdentity(id, userOnly):
			probs = append(probs, recordProblem{field, fmt.Sprintf("%s[%d] %q is not %s", name, i, id, want)})
		case seen[id]:
			probs = append(probs, recordProblem{field, fmt.Sprintf("%s[%d] %q is listed twice", name, i, id)})
		}
		seen[id] = true
	}
	return probs
}

// Validate checks an entry on its own: a known operation on an address of
// the right kind, with exactly the data that operation takes, and a valid
// record for a put. Whether it applies to a state is for applying it to
// say.
func (e *Entry) Validate() error {
	if p := e.problem(); p != nil {
		return p
	}
	return nil
}

func (e *Entry) problem() *recordProblem {
	fail := func(field, format string, args ...any) *recordProblem {
		var path []string
		if field != "" {
			path = []string{field}
		}
		return &recordProblem{path, fmt.Sprintf(format, args...)}
	}
	var allowed []string
	switch e.Op {
	case OpPut:
		allowed = []string{"community", "group"}
	case OpCreated:
		allowed = []string{"id", "share_url"}
	case OpFields:
		allowed = []string{"fields", "cleared"}
	case OpMembers:
		allowed = []string{"added", "removed", "subscribers_removed", "subscribers_forgotten"}
	case OpMove:
		allowed = []string{"to"}
	case OpDelete:
	default:
		return fail("op", "unknown operation %q", e.Op)
	}
	for _, name := range e.payload() {
		if !slices.Contains(allowed, name) {
			return fail(name, "a %s entry takes no %s", e.Op, name)
		}
	}
	isGroup, _, _, err := parseAddress(e.Address)
	if err != nil {
		return fail("address", "%v", err)
	}
	needGroup := func() *recordProblem {
		if !isGroup {
			return fail("address", "a %s entry applies to a group only", e.Op)
		}
		return nil
	}
	switch e.Op {
	case OpPut:
		switch {
		case e.Community == nil && e.Group == nil:
			return fail("", "no record to store")
		case e.Community != nil && e.Group != nil:
			return fail("", "both a community and a group to store")
		case e.Community != nil:
			if probs := communityProblems(e.Address, e.Community); len(probs) > 0 {
				return &recordProblem{append([]string{"community"}, probs[0].field...), probs[0].msg}
			}
		default:
			if probs := groupProblems(e.Address, e.Group, true); len(probs) > 0 {
				return &recordProblem{append([]string{"group"}, probs[0].field...), probs[0].msg}
			}
		}
	case OpCreated:
		if !isGroup && e.ID == "" {
			return fail("id", "no id: a created community must have its community_id")
		}
		if probs := appendIDProblems(nil, "id", e.ID, "share_url", e.ShareURL); len(probs) > 0 {
			return &probs[0]
		}
	case OpFields:
		if p := needGroup(); p != nil {
			return p
		}
	case OpMembers:
		if p := needGroup(); p != nil {
			return p
		}
		for _, id := range sortedKeys(e.Added) {
			if msg := memberProblem(id, e.Added[id]); msg != "" {
				return fail("added", "%s", msg)
			}
		}
		for _, id := range e.Removed {
			if !validIdentity(id, false) {
				return fail("removed", "member %q is not user:<id> or phone:<digits>", id)
			}
		}
		for _, id := range e.SubscribersRemoved {
			if !validIdentity(id, true) {
				return fail("subscribers_removed", "subscriber %q is not user:<id>", id)
			}
		}
		for _, id := range e.SubscribersForgotten {
			if !validIdentity(id, true) {
				return fail("subscribers_forgotten", "subscriber %q is not user:<id>", id)
			}
		}
	case OpMove:
		if p := needGroup(); p != nil {
			return p
		}
		toGroup, _, _, err := parseAddress(e.To)
		switch {
		case err != nil:
			return fail("to", "%v", err)
		case !toGroup:
			return fail("to", "a group moves only to a group's address (%s → %s)", e.Address, e.To)
		case e.To == e.Address:
			return fail("to", "a move to itself")
		}
	}
	return nil
}

// payload names the data an entry carries besides its op and address.
func (e *Entry) payload() []string {
	var names []string
	add := func(set bool, name string) {
		if set {
			names = append(names, name)
		}
	}
	add(e.Community != nil, "community")
	add(e.Group != nil, "group")
	add(e.ID != "", "id")
	add(e.ShareURL != "", "share_url")
	add(e.Fields != nil, "fields")
	add(e.Cleared != nil, "cleared")
	add(e.Added != nil, "added")
	add(e.Removed != nil, "removed")
	add(e.SubscribersRemoved != nil, "subscribers_removed")
	add(e.SubscribersForgotten != nil, "subscribers_forgotten")
	add(e.To != "", "to")
	return names
}
