package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/genuin/genuinctl/reconcile"
)

// TextOptions tune the text rendering.
type TextOptions struct {
	// Color adds ANSI colours; set it only for a terminal without NO_COLOR.
	Color bool
	// ShowPII prints phone numbers in full instead of masked.
	ShowPII bool
	// MaxMembers caps the members listed per change; 0 means 20.
	MaxMembers int
}

const (
	green   = "\x1b[32m"
	yellow  = "\x1b[33m"
	red     = "\x1b[31m"
	magenta = "\x1b[35m"
	bold    = "\x1b[1m"
	reset   = "\x1b[0m"
)

// Text writes the plan for people: one block per change, then a summary
// with the number of API calls apply will make.
func Text(w io.Writer, p *reconcile.Plan, opts TextOptions) error {
	if opts.MaxMembers <= 0 {
		opts.MaxMembers = 20
	}
	t := &textWriter{w: w, opts: opts}
	for _, c := range p.Changes {
		t.change(c)
	}
	t.summary(p)
	return t.err
}

type textWriter struct {
	w    io.Writer
	opts TextOptions
	err  error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) paint(color, s string) string {
	if !t.opts.Color {
		return s
	}
	return color + s + reset
}

var symbols = map[reconcile.Action]struct{ mark, color, verb string }{
	reconcile.ActionCreate:  {"+", green, "create"},
	reconcile.ActionPending: {"+", green, "re-send pending create"},
	reconcile.ActionUpdate:  {"~", yellow, "update"},
	reconcile.ActionBlocked: {"!", magenta, "blocked"},
	reconcile.ActionMove:    {">", yellow, "move"},
}

func (t *textWriter) change(c *reconcile.Change) {
	s := symbols[c.Action]
	t.printf("%s %s %s", t.paint(s.color, s.mark), t.paint(bold, c.Address), s.verb)
	if c.ChatID != "" && c.Action != reconcile.ActionBlocked {
		t.printf(" (chat_id %s)", c.ChatID)
	} else if c.Kind == reconcile.KindGroup && c.Action == reconcile.ActionCreate {
		// No lockfile and no endpoint yet: apply derives it (DeriveChatIDs).
		t.printf(" (chat_id derived at apply)")
	}
	if c.Source != "" {
		t.printf("  [%s]", c.Source)
	}
	t.printf("\n")
	if c.MovedFrom != "" {
		t.printf("    from %s: its record (chat_id and members) moves here; nothing is sent\n", c.MovedFrom)
	}
	if c.Reason != "" {
		t.printf("    %s\n", c.Reason)
	}
	width := 0
	for _, f := range c.Fields {
		width = max(width, len(f.Name))
	}
	for _, f := range c.Fields {
		t.printf("    %-*s  %s\n", width+1, f.Name+":", t.value(c.Kind, f))
	}
	t.members("+", green, c.MembersAdded)
	t.members("-", red, c.MembersRemoved)
	t.subscribers(c.SubscribersRemoved, c.SubscribersForgotten)
	if c.Hint != "" {
		t.printf("    hint: %s\n", c.Hint)
	}
	t.printf("\n")
}

// value renders a field's change; the field table says whether its value
// is personal data, masked unless ShowPII.
func (t *textWriter) value(kind string, f reconcile.FieldChange) string {
	if !t.opts.ShowPII && isPersonal(kind, f.Name) {
		return personalMasked
	}
	before := compact(f.Before)
	if bytes.Equal(f.Before, reconcile.UnknownValue) {
		before = "(unknown: an earlier update's answer was lost)"
	}
	switch {
	case f.Before == nil:
		return compact(f.After)
	case f.After == nil:
		return before + " → " + t.paint(red, "(cleared)")
	}
	return before + " → " + compact(f.After)
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func (t *textWriter) members(mark, color string, ms []reconcile.Member) {
	for i, m := range ms {
		if i == t.opts.MaxMembers {
			t.printf("    %s … and %d more members (the JSON plan lists all)\n", t.paint(color, mark), len(ms)-i)
			return
		}
		t.printf("    %s member %s\n", t.paint(color, mark), t.member(m))
	}
}

// subscribers lists the subscribers an update removes, then those whose
// removal it forgets, which it sends nothing for.
func (t *textWriter) subscribers(removed, forgotten []reconcile.Member) {
	for i, m := range removed {
		if i == t.opts.MaxMembers {
			t.printf("    %s … and %d more subscribers (the JSON plan lists all)\n", t.paint(red, "-"), len(removed)-i)
			break
		}
		t.printf("    %s subscriber %s\n", t.paint(red, "-"), t.member(m))
	}
	if len(forgotten) == 0 {
		return
	}
	t.printf("    taken off subscribers_removed: nothing is sent (no API subscribes anyone again); the lockfile forgets the removal of\n")
	for i, m := range forgotten {
		if i == t.opts.MaxMembers {
			t.printf("      … and %d more subscribers (the JSON plan lists all)\n", len(forgotten)-i)
			return
		}
		t.printf("      subscriber %s\n", t.member(m))
	}
}

func (t *textWriter) member(m reconcile.Member) string {
	var s string
	if m.UserID != "" {
		s = "user_id " + m.UserID
	} else {
		s = "phone " + MaskPhone(m.Phone, t.opts.ShowPII)
	}
	if m.MemberID != "" && m.MemberID != m.UserID {
		s += " (member_id " + m.MemberID + ")"
	}
	if m.InCreate && m.UserID == "" {
		s += " (sent in the create: its member id stays unknown)"
	}
	return s
}

// MaskPhone hides the middle digits of a phone number (keeping the first
// two and the last two: "91••••••••10") unless show is set. It is the one
// place that masks a phone number: every output that shows one (the text
// and Markdown plans, expand, apply's errors) calls it, and the JSON ones
// (the plan, state show) mask as it does through PII.Phone, which adds a
// tag.
func MaskPhone(phone string, show bool) string {
	if show || len(phone) <= 4 {
		return phone
	}
	return string(appendMasked(make([]byte, 0, len(phone)*len(maskDigit)), phone))
}

// maskDigit stands for a hidden digit.
const maskDigit = "•"

// appendMasked appends phone, of more than 4 digits, masked as MaskPhone
// masks it.
func appendMasked(dst []byte, phone string) []byte {
	dst = append(dst, phone[:2]...)
	for range len(phone) - 4 {
		dst = append(dst, maskDigit...)
	}
	return append(dst, phone[len(phone)-2:]...)
}

func (t *textWriter) summary(p *reconcile.Plan) {
	s := p.Summary
	switch {
	case !p.HasChanges() && p.LeftOut > 0:
		t.printf("No changes among the selected addresses; --target/--exclude left %s of the difference out.\n", Plural(p.LeftOut, "change"))
	case !p.HasChanges():
		t.printf("No changes. The platform matches the spec, as far as the lockfile records it.\n")
	default:
		moves := ""
		if s.Move > 0 {
			moves = ", " + Plural(s.Move, "record") + " to move"
		}
		t.printf("%s %s to create, %s to update, %s pending%s; %s%s.\n", t.paint(bold, "Plan:"),
			Plural(s.Create, "object"), Plural(s.Update, "group"), Plural(s.Pending, "create"), moves,
			Plural(s.Calls, "API call"), estimateText(p.Estimate))
	}
	if s.Blocked > 0 {
		t.printf("%s %s the API cannot apply: see the reasons above.\n", t.paint(magenta, "Blocked:"), Plural(s.Blocked, "change"))
	}
}

// estimateText words an apply estimate: ", about 2m5s at parallelism 10
// (assuming 250ms a request)", or "" without one.
func estimateText(e *reconcile.Estimate) string {
	if e == nil {
		return ""
	}
	at := fmt.Sprintf("parallelism %d", e.Parallelism)
	if e.Rate > 0 {
		at += fmt.Sprintf(" and at most %g requests/s", e.Rate)
	}
	return fmt.Sprintf(", about %s at %s (assuming %s a request)", e.Duration(), at, time.Duration(e.AssumedLatencyMS)*time.Millisecond)
}

// Plural renders a count with its noun: "1 change", "3 changes",
// "2 addresses", "0 communities".
func Plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "s"):
		return fmt.Sprintf("%d %ses", n, noun)
	case len(noun) > 1 && noun[len(noun)-1] == 'y' && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
