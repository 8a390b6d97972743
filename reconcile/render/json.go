package render

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"slices"
	"strings"

	"github.com/genuin/genuinctl/reconcile"
)

// JSONOptions say how a JSON output (the plan, the records "state show"
// prints) writes personal data.
type JSONOptions struct {
	// ShowPII writes phone numbers and personal fields as they are.
	ShowPII bool
	// Lineage is the lockfile's lineage, the key of the tags of masked
	// phone numbers; "" (no lockfile yet) keys them with noLineageKey.
	Lineage string
}

// JSON writes the plan as indented JSON, as described by
// schema/plan.schema.json. Unless o.ShowPII, personal data is masked: a phone
// number is written as PII.Phone writes it, in its member's "phone" and in
// its "identity" ("phone:91••••••••10#3fa2"), and a personal field's
// values as the text plan shows them.
//
// The plan is written one change at a time, so that a plan of tens of
// thousands of changes is never held whole as JSON: with ShowPII the
// output is byte for byte that of json.MarshalIndent(p, "", "  ") and a
// newline (a test holds it to that), the fields of reconcile.Plan written
// in their order here.
func JSON(w io.Writer, p *reconcile.Plan, o JSONOptions) error {
	pii := NewPII(o)
	jw := &jsonWriter{w: w}
	if p == nil {
		jw.raw("null\n")
		return jw.err
	}
	jw.raw("{\n  \"format_version\": ")
	jw.value(p.FormatVersion, "  ")
	jw.raw(",\n  \"changes\": ")
	switch {
	case p.Changes == nil:
		jw.raw("null")
	case len(p.Changes) == 0:
		jw.raw("[]")
	default:
		jw.raw("[\n")
		for i, c := range p.Changes {
			if i > 0 {
				jw.raw(",\n")
			}
			jw.raw("    ")
			jw.value(pii.change(c), "    ")
		}
		jw.raw("\n  ]")
	}
	jw.raw(",\n  \"summary\": ")
	jw.value(p.Summary, "  ")
	if p.Estimate != nil {
		jw.raw(",\n  \"estimate\": ")
		jw.value(p.Estimate, "  ")
	}
	if p.Selection != nil {
		jw.raw(",\n  \"selection\": ")
		jw.value(p.Selection, "  ")
	}
	if p.LeftOut != 0 {
		jw.raw(",\n  \"left_out\": ")
		jw.value(p.LeftOut, "  ")
	}
	jw.raw("\n}\n")
	return jw.err
}

// jsonWriter writes JSON in pieces to w, keeping the first error.
type jsonWriter struct {
	w   io.Writer
	err error
}

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = io.WriteString(j.w, s)
	}
}

// value writes v indented by two spaces a level, its lines after the
// first prefixed with prefix: the indentation of the line it starts on.
func (j *jsonWriter) value(v any, prefix string) {
	if j.err != nil {
		return
	}
	data, err := json.MarshalIndent(v, prefix, "  ")
	if err != nil {
		j.err = err
		return
	}
	_, j.err = j.w.Write(data)
}

// noLineageKey keys the tags of masked phone numbers when there is no
// lockfile lineage (a first plan): a constant of this project.
const noLineageKey = "genuinctl: phone tags, no lockfile lineage"

// phonePrefix starts the identity of a member given by phone.
const phonePrefix = "phone:"

// PII masks the personal data a JSON output writes, as its JSONOptions
// say. It is not safe for concurrent use.
//
// A masked phone number keeps an identity that tells it apart from others
// without giving it away: MaskPhone's form followed by '#' and a tag, the
// first hex digits of the HMAC-SHA256 of its digits keyed with the
// lockfile's lineage ("91••••••••10#3fa2"). The same number in the same
// lockfile's plans always gets the same tag, so two plans compare.
// A full hash would identify the number: there are few enough (some 10^10)
// to hash them all. So the tag is short: 4 hex digits (16 bits), fewer for
// a short number, so that more than 600 numbers share every masked form
// and tag (more than 1,500 for the usual numbers of 10 or more digits).
// Two numbers alike in their first and last two digits and their length
// get the same tag once in 65,536 (more often with a shorter tag): it
// tells members apart, it is no key to rely on.
type PII struct {
	opts JSONOptions
	mac  hash.Hash
	buf  []byte // the MAC's sum, then the identity being made
	// identities caches the masked identity ("phone:" and the masked
	// form) of each number: a campaign's member lists repeat the same
	// numbers in hundreds of groups.
	identities map[string]string
	// scratch holds the masked members of the change change returned
	// last, reused for the next.
	scratch []reconcile.Member
	// personal reports whether a field holds personal data: the field
	// table's word (reconcile.LookupField), or a test's.
	personal func(kind, name string) bool
}

// NewPII returns the masker of personal data that opts describe.
func NewPII(opts JSONOptions) *PII {
	key := opts.Lineage
	if key == "" {
		key = noLineageKey
	}
	return &PII{opts: opts, mac: hmac.New(sha256.New, []byte(key)), identities: map[string]string{}, personal: isPersonal}
}

func isPersonal(kind, name string) bool {
	f, _ := reconcile.LookupField(kind, name)
	return f.Personal
}

// Phone is how JSON writes the phone number digits: as it is with
// ShowPII, else masked (MaskPhone) and tagged: "91••••••••10#3fa2".
func (p *PII) Phone(digits string) string {
	if p.opts.ShowPII {
		return digits
	}
	return p.masked(digits)[len(phonePrefix):]
}

// Identity is a member identity as JSON writes it: "phone:" and Phone for
// a member given by phone, others ("user:<id>") as they are.
func (p *PII) Identity(id string) string {
	digits, ok := strings.CutPrefix(id, phonePrefix)
	if !ok || p.opts.ShowPII {
		return id
	}
	return p.masked(digits)
}

// masked is the masked identity of the phone number digits.
func (p *PII) masked(digits string) string {
	if masked, ok := p.identities[digits]; ok {
		return masked
	}
	if len(digits) <= 4 {
		return phonePrefix + digits // MaskPhone leaves it whole
	}
	p.mac.Reset()
	p.mac.Write([]byte(digits))
	p.buf = p.mac.Sum(p.buf[:0])
	var tag [4]byte
	hex.Encode(tag[:], p.buf[:2])
	// One allocation: the masked form is built as MaskPhone builds it
	// (appendMasked), after the prefix; Phone slices it off.
	p.buf = append(p.buf[:0], phonePrefix...)
	p.buf = appendMasked(p.buf, digits)
	if n := tagDigits(len(digits) - 4); n > 0 {
		p.buf = append(append(p.buf, '#'), tag[:n]...)
	}
	masked := string(p.buf)
	p.identities[digits] = masked
	return masked
}

// tagDigits is how many hex digits of its tag a phone number keeps when
// masked digits of it are hidden: the most, up to 4, that leave more than
// 600 numbers sharing its masked form and tag (10^masked / 16^digits).
func tagDigits(masked int) int {
	numbers := int64(1)
	for i := 0; i < masked && numbers < 1<<40; i++ { // past 16^4 * 600, 4 digits
		numbers *= 10
	}
	n := 0
	for n < 4 && numbers >= 600<<(4*(n+1)) {
		n++
	}
	return n
}

// personalMasked is what the renderings show instead of a personal
// field's value.
const personalMasked = "(personal data, masked: --show-pii prints it)"

// Value is how JSON writes a value of the field name of an object of kind
// (reconcile.KindCommunity or KindGroup): as it is, or, for a field the
// field table marks personal, the string the text plan shows instead
// (unless ShowPII). An unknown value (JSON null) stays null.
func (p *PII) Value(kind, name string, v json.RawMessage) json.RawMessage {
	if p.opts.ShowPII || v == nil || bytes.Equal(v, reconcile.UnknownValue) || !p.personal(kind, name) {
		return v
	}
	masked, _ := json.Marshal(personalMasked) // a constant string: cannot fail
	return masked
}

// change returns c as JSON writes it: c itself with ShowPII, else a copy
// whose members' phone numbers and personal fields are masked. The copy
// shares every slice that has nothing to mask, and its masked members
// are valid until the next call: JSON writes each change before it masks
// the next, so a plan's members are not copied whole.
func (p *PII) change(c *reconcile.Change) *reconcile.Change {
	if p.opts.ShowPII {
		return c
	}
	out := *c
	out.Fields = p.fields(c.Kind, c.Fields)
	p.scratch = p.scratch[:0]
	out.MembersAdded = p.members(c.MembersAdded)
	out.MembersRemoved = p.members(c.MembersRemoved)
	out.SubscribersRemoved = p.members(c.SubscribersRemoved)
	out.SubscribersForgotten = p.members(c.SubscribersForgotten)
	return &out
}

// members returns ms with every phone masked: ms itself when none has a
// phone, else a copy appended to p.scratch.
func (p *PII) members(ms []reconcile.Member) []reconcile.Member {
	if !slices.ContainsFunc(ms, hasPhone) {
		return ms
	}
	start := len(p.scratch)
	p.scratch = append(p.scratch, ms...)
	out := p.scratch[start:len(p.scratch):len(p.scratch)]
	for i, m := range out {
		if hasPhone(m) {
			out[i].Identity = p.Identity(m.Identity)
			if m.Phone != "" {
				out[i].Phone = p.Phone(m.Phone)
			}
		}
	}
	return out
}

func hasPhone(m reconcile.Member) bool {
	return m.Phone != "" || strings.HasPrefix(m.Identity, phonePrefix)
}

// fields returns fs with the values of personal fields masked: fs itself
// when it has none, else a copy.
func (p *PII) fields(kind string, fs []reconcile.FieldChange) []reconcile.FieldChange {
	var out []reconcile.FieldChange
	for i, f := range fs {
		if !p.personal(kind, f.Name) {
			continue
		}
		if out == nil {
			out = append([]reconcile.FieldChange(nil), fs...)
		}
		out[i].Before = p.Value(kind, f.Name, f.Before)
		out[i].After = p.Value(kind, f.Name, f.After)
	}
	if out == nil {
		return fs
	}
	return out
}
