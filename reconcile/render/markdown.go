package render

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/genuin/genuinctl/reconcile"
)

// DefaultMarkdownLimit is GitHub's limit on the length of a comment, in
// characters.
const DefaultMarkdownLimit = 65536

// MarkdownMargin is the room Markdown leaves below DefaultMarkdownLimit when
// MarkdownOptions.MaxChars is 0: the default output is at most 65,000
// characters, so that a workflow can put a marker line first (to find and
// update its own comment) and stay under GitHub's limit.
const MarkdownMargin = 536

// MarkdownOptions tune the Markdown rendering.
type MarkdownOptions struct {
	// ShowPII prints phone numbers in full instead of masked.
	ShowPII bool
	// MaxChars caps the output, in characters (runes, as GitHub counts
	// them); 0 means DefaultMarkdownLimit less MarkdownMargin.
	MaxChars int
	// DetailsHint tells the reader where to see what did not fit, e.g.
	// "the full plan is in the plan.json artifact". It is plain text,
	// escaped like everything else; "" means "the JSON plan lists every
	// change".
	DetailsHint string
	// Thresholds are the safety thresholds the plan exceeds, as
	// reconcile.Plan.Violations words them. The plan does not carry them
	// (they depend on the limits the command was given), so the caller
	// passes them; each is listed in the summary.
	Thresholds []string
	// MaxMembers caps the members and subscribers listed per change; 0
	// means 20. The counts are always complete.
	MaxMembers int
}

const (
	defaultDetailsHint = "the JSON plan lists every change"
	// markdownTableRows caps the rows of the per-community table.
	markdownTableRows = 100
	// markdownValueRunes caps a field value shown, in characters.
	markdownValueRunes = 300
	// markdownOpenChanges is the largest plan whose community blocks are
	// shown unfolded.
	markdownOpenChanges = 10
	// markdownOpenRows is the most communities the table per community
	// shows unfolded.
	markdownOpenRows = 10
	detailsHeading   = "### Details\n\n"
	// zwsp is a zero-width space: mdText puts one after '@' and '#',
	// and into "://", "www." and "GH-1", so that GitHub makes no mention,
	// issue link or autolink of a spec's text.
	zwsp = "&#8203;"
)

// Markdown writes the plan as a pull-request comment: a summary first
// (counts per action, API calls and the time estimate, the safety
// thresholds exceeded, each blocked change with where it comes from and
// why, counts per community), then the changes folded per community in
// <details> blocks, member lists folded again.
//
// The output is at most opts.MaxChars characters. The summary, thresholds
// and blocked changes are kept whole; community blocks follow in plan
// order while they fit, and a line says how many changes were left out and
// where to see them. Only when the summary alone does not fit are its
// lists shortened (saying how many items are missing), then the summary
// reduced to its first line; a limit too small for even that is an error,
// and nothing is written. Each block is rendered into one reused buffer
// that stops growing past the room left, so memory stays bounded by the
// limit whatever the size of the plan.
//
// Everything that comes from a spec (addresses, names, values, file names,
// reasons quoting them) is escaped: it can add no HTML, link, mention,
// issue reference or Markdown structure, nor break out of a code span or
// a table cell. Phone numbers are masked unless opts.ShowPII. The output
// has no timestamp and no colour: the same plan renders the same bytes.
func Markdown(w io.Writer, p *reconcile.Plan, opts MarkdownOptions) error {
	limit := opts.MaxChars
	if limit <= 0 {
		limit = DefaultMarkdownLimit - MarkdownMargin
	}
	if opts.MaxMembers <= 0 {
		opts.MaxMembers = 20
	}
	if opts.DetailsHint == "" {
		opts.DetailsHint = defaultDetailsHint
	}
	m := newMarkdownView(p, opts)
	summary, details := m.summary(limit)
	if summary == nil {
		return fmt.Errorf("markdown plan: %d characters cannot hold its summary", limit)
	}
	if _, err := w.Write(summary.data); err != nil {
		return err
	}
	if !details || len(m.blocks) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, detailsHeading); err != nil {
		return err
	}
	room := limit - summary.runes - runeLen(detailsHeading)
	worst := runeLen(m.cutNotice(len(p.Changes)))
	var b mdBuf
	written := 0 // changes shown
	for _, blk := range m.blocks {
		b.reset(room - worst) // room for the notice, should this block or a later one be cut
		shown := m.block(&b, blk)
		if shown > 0 {
			if _, err := w.Write(b.data); err != nil {
				return err
			}
			room -= b.runes
			written += shown
		}
		if shown < len(blk.changes) {
			_, err := io.WriteString(w, m.cutNotice(len(p.Changes)-written))
			return err
		}
	}
	return nil
}

// The kinds of change, in the order the summary lists them.
var markdownActions = [...]reconcile.Action{reconcile.ActionCreate, reconcile.ActionUpdate, reconcile.ActionPending, reconcile.ActionBlocked, reconcile.ActionMove}

// counts are the changes of a plan or of one community, each array per
// action in markdownActions' order.
type counts struct {
	changes, communities, groups, calls perAction
	users, phones                       int // members added, by identity
	removed                             int // members removed
	subscribers, forgets                int // subscribers removed, and removals forgotten
}

// add counts a change; the members of a blocked change are not counted,
// since apply sends nothing for it.
func (n *counts) add(c *reconcile.Change) {
	i := slices.Index(markdownActions[:], c.Action)
	if i < 0 {
		return // an action this view does not know: not counted
	}
	n.changes[i]++
	if c.Kind == reconcile.KindCommunity {
		n.communities[i]++
	} else {
		n.groups[i]++
	}
	n.calls[i] += c.Calls
	if c.Action != reconcile.ActionBlocked {
		for _, m := range c.MembersAdded {
			if m.UserID != "" {
				n.users++
			} else {
				n.phones++
			}
		}
		n.removed += len(c.MembersRemoved)
		n.subscribers += len(c.SubscribersRemoved)
		n.forgets += len(c.SubscribersForgotten)
	}
}

// actions words the counts: "3 to create, 1 to update, 2 blocked".
func (n *counts) actions() string {
	var parts []string
	for i, a := range markdownActions {
		if n.changes[i] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n.changes[i], actionWords[a]))
		}
	}
	return strings.Join(parts, ", ")
}

// perAction holds a count per action, in markdownActions' order.
type perAction [len(markdownActions)]int

// sum adds up the counts of every action.
func sum(n perAction) int {
	total := 0
	for _, v := range n {
		total += v
	}
	return total
}

var actionWords = map[reconcile.Action]string{
	reconcile.ActionCreate: "to create", reconcile.ActionUpdate: "to update",
	reconcile.ActionPending: "pending", reconcile.ActionBlocked: "blocked", reconcile.ActionMove: "to move",
}

// block is the changes of one community: a community of the spec (by
// handle), or one it does not manage (by community_id), with its groups.
type block struct {
	key           string // the handle or community_id, as group addresses hold it
	managed, byID bool   // see communityOf
	changes       []*reconcile.Change
	counts        counts
}

// blockedReason is the blocked changes sharing a reason, in plan order.
type blockedReason struct {
	reason  string
	changes []*reconcile.Change
}

// markdownView renders one plan: its changes counted, grouped per
// community and, when blocked, per reason.
type markdownView struct {
	p       *reconcile.Plan
	opts    MarkdownOptions
	total   counts
	blocks  []*block // sorted by key: the plan's order of group addresses
	blocked []*blockedReason
	scratch mdBuf // one item of a list being shortened
}

func newMarkdownView(p *reconcile.Plan, opts MarkdownOptions) *markdownView {
	m := &markdownView{p: p, opts: opts}
	byKey := map[string]*block{}
	byReason := map[string]*blockedReason{}
	for _, c := range p.Changes {
		m.total.add(c)
		key, managed, byID := communityOf(c)
		b := byKey[key]
		if b == nil {
			b = &block{key: key}
			byKey[key] = b
			m.blocks = append(m.blocks, b)
		}
		b.managed = b.managed || managed
		b.byID = b.byID || byID
		b.changes = append(b.changes, c)
		b.counts.add(c)
		if c.Action == reconcile.ActionBlocked {
			r := byReason[c.Reason]
			if r == nil {
				r = &blockedReason{reason: c.Reason}
				byReason[c.Reason] = r
				m.blocked = append(m.blocked, r)
			}
			r.changes = append(r.changes, c)
		}
	}
	slices.SortStableFunc(m.blocks, func(a, b *block) int { return strings.Compare(a.key, b.key) })
	return m
}

// communityOf returns the community a change belongs to: the handle of a
// community of the spec (managed), or a community_id (byID). A group gone
// from the spec carries neither: its address names the community.
func communityOf(c *reconcile.Change) (key string, managed, byID bool) {
	addr, _ := reconcile.ParseAddress(c.Address)
	switch {
	case c.Kind == reconcile.KindCommunity:
		return addr.Community, true, false
	case c.Community != "":
		community, _ := reconcile.ParseAddress(c.Community)
		return community.Community, true, false
	case c.CommunityID != "":
		return c.CommunityID, false, true
	}
	return addr.Community, false, false
}

// summary renders the summary in at most limit characters, less the room
// the details need to say they were cut: whole, then without the table per
// community, then with its lists shortened. Failing that, it is the
// heading and a line saying the plan is too large, or the heading alone,
// and no details may follow (details is false); nil when not even the
// heading fits.
func (m *markdownView) summary(limit int) (b *mdBuf, details bool) {
	reserve := 0
	if len(m.blocks) > 0 {
		reserve = runeLen(detailsHeading) + runeLen(m.cutNotice(len(m.p.Changes)))
	}
	b = &mdBuf{}
	for level := range 3 {
		b.reset(limit - reserve)
		m.writeSummary(b, level)
		if !b.over {
			return b, true
		}
	}
	for _, last := range []string{"The plan is too large for this comment: " + m.hint() + ".\n", ""} {
		b.reset(limit)
		b.str("## " + m.heading() + "\n")
		if last != "" {
			b.str("\n" + last)
		}
		if !b.over {
			return b, false
		}
	}
	return nil, false
}

// heading is the first line's text: the counts per action.
func (m *markdownView) heading() string {
	switch {
	case len(m.p.Changes) == 0:
		return "genuinctl plan: no changes"
	case !m.p.HasChanges():
		return "genuinctl plan: nothing to apply, " + m.total.actions()
	}
	return "genuinctl plan: " + m.total.actions()
}

// writeSummary writes the summary; level 1 leaves out the table per
// community, level 2 also shortens the lists of thresholds and blocked
// changes to what fits.
func (m *markdownView) writeSummary(b *mdBuf, level int) {
	b.str("## " + m.heading() + "\n\n")
	if len(m.p.Changes) == 0 {
		b.str("The platform matches the spec, as far as the lockfile records it.\n\n")
	} else {
		m.actionTable(b)
	}
	m.selection(b)
	m.thresholds(b, level >= 2)
	m.blockedList(b, level >= 2)
	if level == 0 && len(m.blocks) > 1 {
		m.communityTable(b)
	}
}

// actionTable counts the changes per action and kind of object, then the
// members and subscribers, the API calls and how long apply should take.
func (m *markdownView) actionTable(b *mdBuf) {
	n := &m.total
	b.str("| Action | Communities | Groups | API calls |\n|:--|--:|--:|--:|\n")
	rows := 0
	for i, a := range markdownActions {
		if n.changes[i] > 0 {
			b.printf("| %s | %d | %d | %d |\n", a, n.communities[i], n.groups[i], n.calls[i])
			rows++
		}
	}
	if rows > 1 {
		b.printf("| **total** | %d | %d | %d |\n", sum(n.communities), sum(n.groups), m.p.Summary.Calls)
	}
	b.str("\n")
	var members []string
	if n.users+n.phones > 0 {
		members = append(members, Plural(n.users+n.phones, "member")+" to add ("+byKind(n.users, n.phones)+")")
	}
	if n.removed > 0 {
		members = append(members, Plural(n.removed, "member")+" to remove")
	}
	if n.subscribers > 0 {
		members = append(members, Plural(n.subscribers, "subscriber")+" to remove")
	}
	if n.forgets > 0 {
		members = append(members, Plural(n.forgets, "subscriber removal")+" to forget")
	}
	if len(members) > 0 {
		b.str("Members: " + strings.Join(members, "; ") + ".\n\n")
	}
	if m.p.HasChanges() {
		b.str("Apply makes " + Plural(m.p.Summary.Calls, "API call") + estimateText(m.p.Estimate) + ".\n\n")
	} else {
		b.str("Nothing to apply: the API cannot make the blocked changes below.\n\n")
	}
}

// selection says that the plan was narrowed to some addresses, and how
// many changes that left out.
func (m *markdownView) selection(b *mdBuf) {
	s := m.p.Selection
	if (s == nil || s.IsZero()) && m.p.LeftOut == 0 {
		return
	}
	b.str("**Partial plan:** ")
	switch {
	case s != nil && len(s.Targets) > 0:
		b.str("the addresses matching " + patterns(s.Targets))
	default:
		b.str("every address")
	}
	if s != nil && len(s.Excludes) > 0 {
		b.str(" except " + patterns(s.Excludes))
	}
	b.str("; " + Plural(m.p.LeftOut, "change") + " of the spec left out.\n\n")
}

// patterns shows address patterns as code.
func patterns(ps []string) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = mdCode(p, false)
	}
	return strings.Join(out, ", ")
}

// thresholds lists the safety thresholds exceeded, as many as fit when
// short is set.
func (m *markdownView) thresholds(b *mdBuf, short bool) {
	t := m.opts.Thresholds
	if len(t) == 0 {
		return
	}
	b.str("### Safety thresholds exceeded\n\nApply refuses this plan unless forced:\n\n")
	more := func(left int) string { return "- … and " + Plural(left, "more threshold") + "\n" }
	for i, s := range t {
		if b.over {
			return
		}
		if !m.item(b, short, i < len(t)-1, more(len(t)-i), func(b *mdBuf) { b.str("- " + mdText(s) + "\n") }) {
			b.str(more(len(t) - i))
			break
		}
	}
	b.str("\n")
}

// blockedList lists every blocked change under its reason, with where it
// comes from and the fields it would change; as many as fit when short is
// set.
func (m *markdownView) blockedList(b *mdBuf, short bool) {
	if len(m.blocked) == 0 {
		return
	}
	total := m.total.changes[slices.Index(markdownActions[:], reconcile.ActionBlocked)]
	b.str("### Blocked: " + Plural(total, "change") + " the API cannot apply\n\n" +
		"Apply leaves blocked changes alone, and every plan shows them until the spec or the lockfile is put right.\n\n")
	more := func(left int) string {
		return "- … and " + Plural(left, "more blocked change") + ", left out to fit this comment: " + m.hint() + ".\n"
	}
	done := 0
	for _, r := range m.blocked {
		hint := sharedHint(r.changes)
		for j, c := range r.changes {
			if b.over {
				return
			}
			ok := m.item(b, short, done < total-1, more(total-done), func(b *mdBuf) {
				if j == 0 {
					b.str("- " + sentence(r.reason))
					if hint != "" {
						b.str(" What to do: " + sentence(hint))
					}
					b.str("\n")
				}
				b.str("  - " + m.where(c))
				if names := fieldNames(c); names != "" {
					b.str(": " + names)
				}
				if hint == "" && c.Hint != "" {
					b.str(". What to do: " + sentence(c.Hint))
				}
				b.str("\n")
			})
			if !ok {
				b.str(more(total-done) + "\n")
				return
			}
			done++
		}
	}
	b.str("\n")
}

// sentence escapes s as text, ending with one full stop.
func sentence(s string) string {
	return mdText(strings.TrimRight(s, ". \t\n")) + "."
}

// item writes one item of a list. Unless short, it writes it whole (b
// notes an overflow). When short, it writes it only if it fits, leaving
// room for the line saying what was left out (more) when items follow, and
// reports whether it did.
func (m *markdownView) item(b *mdBuf, short, follow bool, more string, write func(*mdBuf)) bool {
	if !short {
		write(b)
		return true
	}
	reserve := runeLen(more)
	if !follow {
		reserve = 0
	}
	m.scratch.reset(b.room() - reserve)
	write(&m.scratch)
	if m.scratch.over {
		return false
	}
	b.append(&m.scratch)
	return true
}

// sharedHint is the hint of all the changes, or "" when they differ.
func sharedHint(cs []*reconcile.Change) string {
	for _, c := range cs[1:] {
		if c.Hint != cs[0].Hint {
			return ""
		}
	}
	return cs[0].Hint
}

// fieldNames lists the names of a change's fields as code.
func fieldNames(c *reconcile.Change) string {
	names := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		names[i] = mdCode(f.Name, false)
	}
	return strings.Join(names, ", ")
}

// where is a change's address and where the spec asks for it.
func (m *markdownView) where(c *reconcile.Change) string {
	s := mdCode(c.Address, false)
	if c.Source != "" {
		s += " " + sourceText(c.Source)
	}
	return s
}

// sourceText words a change's provenance: the file:line:col of the spec,
// or the CSV row a generator made the group from.
func sourceText(src string) string {
	file := src
	for range 2 { // file:line:col, or file:line
		i := strings.LastIndexByte(file, ':')
		if i < 0 || strings.Trim(file[i+1:], "0123456789") != "" {
			break
		}
		file = file[:i]
	}
	if strings.HasSuffix(strings.ToLower(file), ".csv") {
		return "from CSV row " + mdCode(src, false)
	}
	return "at " + mdCode(src, false)
}

// communityTable counts the changes of each community.
func (m *markdownView) communityTable(b *mdBuf) {
	var actions []int // those the plan has
	for i := range markdownActions {
		if m.total.changes[i] > 0 {
			actions = append(actions, i)
		}
	}
	b.str("### By community\n\n")
	if len(m.blocks) > markdownOpenRows {
		b.str("<details><summary>" + Plural(len(m.blocks), "community") + "</summary>\n\n")
	}
	b.str("| Community |")
	for _, i := range actions {
		b.str(" " + string(markdownActions[i]) + " |")
	}
	b.str(" Members + | Members − | API calls |\n|:--|" + strings.Repeat("--:|", len(actions)+3) + "\n")
	for i, blk := range m.blocks {
		if i == markdownTableRows {
			b.printf("| … and %s |%s\n", Plural(len(m.blocks)-i, "more community"), strings.Repeat(" |", len(actions)+3))
			break
		}
		n := &blk.counts
		b.str("| " + blk.tableLabel() + " |")
		for _, i := range actions {
			b.printf(" %d |", n.changes[i])
		}
		b.printf(" %d | %d | %d |\n", n.users+n.phones, n.removed, sum(n.calls))
	}
	b.str("\n")
	if len(m.blocks) > markdownOpenRows {
		b.str("</details>\n\n")
	}
}

// tableLabel names the community in a table cell.
func (blk *block) tableLabel() string {
	switch {
	case blk.managed:
		return mdCode(reconcile.Address{Kind: reconcile.KindCommunity, Community: blk.key}.String(), true)
	case blk.byID:
		return "community_id " + mdCode(blk.key, true) + " (not managed by this spec)"
	}
	return mdCode(blk.key, true) + " (groups gone from the spec)"
}

// summaryLabel names the community in a <summary>.
func (blk *block) summaryLabel() string {
	switch {
	case blk.managed:
		return htmlCode(reconcile.KindCommunity + "/" + blk.key)
	case blk.byID:
		return "community_id " + htmlCode(blk.key) + " (not managed by this spec)"
	}
	return htmlCode(blk.key) + " (groups gone from the spec)"
}

// hint is DetailsHint escaped, without its final full stop.
func (m *markdownView) hint() string {
	return mdText(strings.TrimRight(m.opts.DetailsHint, ". \t\n"))
}

// cutNotice says how many changes, the last ones of the plan, the details
// left out.
func (m *markdownView) cutNotice(changes int) string {
	return fmt.Sprintf("**Not shown:** the last %s of %d, left out to fit this comment: %s.\n",
		Plural(changes, "change"), len(m.p.Changes), m.hint())
}

// blockCut ends a block whose last changes did not fit.
func blockCut(changes int) string {
	return fmt.Sprintf("*…and %s of this community, not shown.*\n\n</details>\n\n", Plural(changes, "change"))
}

// block writes the changes of one community, folded, and returns how many
// it shows: all of them, or as many whole changes as fit with a line
// saying how many more there are (none when not even the first fits).
func (m *markdownView) block(b *mdBuf, blk *block) int {
	open := ""
	if len(m.p.Changes) <= markdownOpenChanges {
		open = " open"
	}
	n := &blk.counts
	b.str("<details" + open + "><summary>" + blk.summaryLabel() + ": " + n.actions())
	if k := n.users + n.phones; k > 0 {
		b.str("; " + Plural(k, "member") + " to add")
	}
	if n.removed > 0 {
		b.str("; " + Plural(n.removed, "member") + " to remove")
	}
	b.str("; " + Plural(sum(n.calls), "API call") + "</summary>\n\n")
	for i, c := range blk.changes {
		mark := b.mark()
		m.change(b, c)
		tail := "</details>\n\n"
		if i < len(blk.changes)-1 {
			tail = blockCut(len(blk.changes) - i) // the worst case, should the next change not fit
		}
		if b.over || b.room() < runeLen(tail) {
			b.rewind(mark)
			if i == 0 {
				return 0
			}
			b.str(blockCut(len(blk.changes) - i))
			return i
		}
	}
	b.str("</details>\n\n")
	return len(blk.changes)
}

// change writes one change: what it does to which address, where the spec
// asks for it, why (pending and blocked), its fields and members.
func (m *markdownView) change(b *mdBuf, c *reconcile.Change) {
	s := symbols[c.Action]
	b.str("**" + s.mark + " " + s.verb + "** " + m.where(c))
	switch {
	case c.ChatID != "" && c.Action != reconcile.ActionBlocked:
		b.str(" · chat_id " + mdCode(c.ChatID, false))
	case c.Kind == reconcile.KindGroup && c.Action == reconcile.ActionCreate:
		b.str(" · chat_id derived at apply")
	}
	if c.Action != reconcile.ActionBlocked {
		b.str(" · " + Plural(c.Calls, "API call"))
	}
	b.str("\n\n")
	if c.MovedFrom != "" {
		b.str("- From " + mdCode(c.MovedFrom, false) + ": its record (chat_id and members) moves here; nothing is sent.\n\n")
	}
	if c.Reason != "" {
		b.str("- Why: " + sentence(c.Reason) + "\n")
		if c.Hint != "" {
			b.str("- What to do: " + sentence(c.Hint) + "\n")
		}
		b.str("\n")
	}
	m.fields(b, c)
	m.members(b, c)
}

// fields writes a table of the fields that change: their values for a
// create, before and after otherwise. Personal fields are masked unless
// ShowPII, as the field table says.
func (m *markdownView) fields(b *mdBuf, c *reconcile.Change) {
	if len(c.Fields) == 0 {
		return
	}
	before := false
	for _, f := range c.Fields {
		before = before || f.Before != nil
	}
	if before {
		b.str("| Field | Before | After |\n|:--|:--|:--|\n")
	} else {
		b.str("| Field | Value |\n|:--|:--|\n")
	}
	for _, f := range c.Fields {
		b.str("| " + mdCode(f.Name, true) + " |")
		if field, _ := reconcile.LookupField(c.Kind, f.Name); field.Personal && !m.opts.ShowPII {
			if before {
				b.str(" (masked) |")
			}
			b.str(" (personal data, masked) |\n")
			continue
		}
		if before {
			switch {
			case f.Before == nil:
				b.str(" |")
			case bytes.Equal(f.Before, reconcile.UnknownValue):
				b.str(" (unknown: an earlier update's answer was lost) |")
			default:
				b.str(" " + valueCode(f.Before) + " |")
			}
		}
		if f.After == nil {
			b.str(" (cleared) |\n")
		} else {
			b.str(" " + valueCode(f.After) + " |\n")
		}
	}
	b.str("\n")
}

// valueCode shows a field's JSON value in a table cell, cut to
// markdownValueRunes characters.
func valueCode(raw []byte) string {
	s := compact(raw)
	n := utf8.RuneCountInString(s)
	if n <= markdownValueRunes {
		return mdCode(s, true)
	}
	return mdCode(string([]rune(s)[:markdownValueRunes])+"…", true) + fmt.Sprintf(" (%d characters)", n)
}

// members writes the member and subscriber deltas of a change: counts,
// then the identities folded. A create says how its first members are
// sent: by user_id in the create, by phone in an update right after it
// (whose answer gives their member ids) unless sent in the create.
func (m *markdownView) members(b *mdBuf, c *reconcile.Change) {
	if k := len(c.MembersAdded); k > 0 {
		users, later := 0, 0
		for _, mb := range c.MembersAdded {
			switch {
			case mb.UserID != "":
				users++
			case !mb.InCreate:
				later++
			}
		}
		if c.Action == reconcile.ActionCreate || c.Action == reconcile.ActionPending {
			b.str("**" + Plural(k, "first member") + "** (" + byKind(users, k-users) + ")")
			if later > 0 {
				b.printf(": %d in the create, %d added right after it.\n\n", k-later, later)
			} else {
				b.str(", all in the create.\n\n")
			}
		} else {
			b.str("**" + Plural(k, "member") + " to add** (" + byKind(users, k-users) + ").\n\n")
		}
		m.memberList(b, Plural(k, "member")+" to add", c.MembersAdded)
	}
	if k := len(c.MembersRemoved); k > 0 {
		b.str("**" + Plural(k, "member") + " to remove**.\n\n")
		m.memberList(b, Plural(k, "member")+" to remove", c.MembersRemoved)
	}
	if k := len(c.SubscribersRemoved); k > 0 {
		b.str("**" + Plural(k, "subscriber") + " to remove**.\n\n")
		m.memberList(b, Plural(k, "subscriber")+" to remove", c.SubscribersRemoved)
	}
	if k := len(c.SubscribersForgotten); k > 0 {
		b.str(Plural(k, "user") + " taken off subscribers_removed: nothing is sent (no API subscribes anyone again); the lockfile forgets the removal.\n\n")
		m.memberList(b, Plural(k, "removal")+" to forget", c.SubscribersForgotten)
	}
}

// byKind words the members added by user_id and by phone: "2 by user_id,
// 1 by phone", leaving out a kind with none.
func byKind(users, phones int) string {
	switch {
	case phones == 0:
		return fmt.Sprintf("%d by user_id", users)
	case users == 0:
		return fmt.Sprintf("%d by phone", phones)
	}
	return fmt.Sprintf("%d by user_id, %d by phone", users, phones)
}

// memberList folds the identities of ms, at most MaxMembers of them.
func (m *markdownView) memberList(b *mdBuf, title string, ms []reconcile.Member) {
	b.str("<details><summary>" + title + "</summary>\n\n")
	for i, mb := range ms {
		if i == m.opts.MaxMembers {
			b.printf("- … and %d more: %s\n", len(ms)-i, m.hint())
			break
		}
		b.str("- " + m.member(mb) + "\n")
	}
	b.str("\n</details>\n\n")
}

// member shows one identity as the text view does, its phone masked
// unless ShowPII.
func (m *markdownView) member(mb reconcile.Member) string {
	var s string
	if mb.UserID != "" {
		s = "user_id " + mdCode(mb.UserID, false)
	} else {
		s = "phone " + mdCode(MaskPhone(mb.Phone, m.opts.ShowPII), false)
	}
	if mb.MemberID != "" && mb.MemberID != mb.UserID {
		s += " (member_id " + mdCode(mb.MemberID, false) + ")"
	}
	if mb.InCreate && mb.UserID == "" {
		s += " (sent in the create: its member id stays unknown)"
	}
	return s
}

// mdBuf collects Markdown up to max characters (runes). A write that would
// pass max is dropped and sets over: a piece too long to show costs no more
// memory than the room it was given. Reset keeps the memory for reuse.
type mdBuf struct {
	data  []byte
	runes int
	max   int
	over  bool
}

func (b *mdBuf) reset(max int) {
	b.data, b.runes, b.max, b.over = b.data[:0], 0, max, false
}

func (b *mdBuf) room() int { return b.max - b.runes }

// bufMark is a point of an mdBuf to rewind to.
type bufMark struct{ len, runes int }

func (b *mdBuf) mark() bufMark { return bufMark{len(b.data), b.runes} }

// rewind drops what was written since mark, and the overflow with it.
func (b *mdBuf) rewind(m bufMark) {
	b.data, b.runes, b.over = b.data[:m.len], m.runes, false
}

func (b *mdBuf) str(s string) {
	if b.over {
		return
	}
	if n := utf8.RuneCountInString(s); n <= b.room() {
		b.data = append(b.data, s...)
		b.runes += n
		return
	}
	b.over = true
}

func (b *mdBuf) printf(format string, args ...any) { b.str(fmt.Sprintf(format, args...)) }

// append adds what o holds; the caller made sure it fits.
func (b *mdBuf) append(o *mdBuf) {
	b.data = append(b.data, o.data...)
	b.runes += o.runes
}

// runeLen is the length of s in characters, as GitHub counts them.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// visible makes every control, format and line-separator character of s
// visible as a \n, \t, \r or \uXXXX escape, so that text from a spec
// stays on its line and hides nothing (bidi overrides, zero-width
// characters); invalid UTF-8 becomes U+FFFD.
func visible(s string) string {
	clean := true
	for _, r := range s {
		if hidden(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hidden reports whether r is a control, format or separator character,
// which a text could use to break a line or hide what it says.
func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// mdCode shows s verbatim in a code span: a fence longer than any run of
// backticks in s, so that s cannot close it, and in a table cell its pipes
// escaped, so that s cannot split the cell. GitHub makes no link, mention
// or HTML of a code span's content.
func mdCode(s string, cell bool) string {
	s = visible(s)
	if s == "" {
		return "(empty)"
	}
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if cell && strings.Contains(s, "|") {
		s = escapePipes(s)
	}
	fence := strings.Repeat("`", longest+1)
	if s[0] == '`' || s[0] == ' ' || s[len(s)-1] == '`' || s[len(s)-1] == ' ' {
		return fence + " " + s + " " + fence // one space each side is stripped
	}
	return fence + s + fence
}

// escapePipes escapes the pipes of a table cell's code span. GitHub splits
// a row at every pipe that a backslash does not escape, reading the
// backslashes before it in pairs: a pipe after an odd run of backslashes
// gets one more backslash, so that it is not split at (the cell shows one
// backslash too many there, which no value of a real spec has).
func escapePipes(s string) string {
	var b strings.Builder
	run := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			run++
		case '|':
			if run%2 == 1 {
				b.WriteByte('\\')
			}
			b.WriteByte('\\')
			run = 0
		default:
			run = 0
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// htmlCode shows s in a <code> element, for HTML such as a <summary>.
func htmlCode(s string) string {
	return "<code>" + html.EscapeString(visible(s)) + "</code>"
}

// mdText escapes s for running text. Every character that Markdown or
// GitHub's extensions give a meaning anywhere in a line is
// backslash-escaped (no HTML, link, emphasis, code span, strikethrough,
// table cell or math), and so are those that could start a block when s
// starts a line or a list item (heading, list, quote, indented code). A
// zero-width space follows every '@' and '#' (no mention, no issue
// reference) and breaks "://", "www." and "GH-" before a digit (no
// autolink, no issue link).
func mdText(s string) string {
	s = visible(s)
	var b strings.Builder
	lead := len(s) - len(strings.TrimLeft(s, "0123456789")) // leading digits
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("\\`*_[]<>&|~$", c) >= 0,
			i == 0 && strings.IndexByte("-+=", c) >= 0,
			i == lead && i > 0 && (c == '.' || c == ')'):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '#':
			b.WriteString(`\#` + zwsp)
		case c == '@':
			b.WriteString("@" + zwsp)
		case c == ' ' && i == 0:
			b.WriteString("&#32;")
		case c == ':' && strings.HasPrefix(s[i:], "://"):
			b.WriteString(":" + zwsp)
		case i+4 <= len(s) && strings.EqualFold(s[i:i+4], "www."):
			b.WriteString(s[i:i+3] + zwsp)
			i += 2
		case c == '-' && i >= 2 && strings.EqualFold(s[i-2:i], "gh") && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			b.WriteString("-" + zwsp)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
