package spec

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// checkPhone reports why digits, a phone number normalised to its country
// calling code and digits (written as s), is not a number that can exist,
// or nil if it is one. The verdict is libphonenumber's: phonenumbers.Parse
// of "+digits" must keep every digit after the country calling code (no
// national prefix such as the 0 of "+44 (0)20") and IsValidNumber must hold.
//
// The verdict costs some 16µs in the library, most of it building the
// strings that key its regular expression cache: 8s more for the 500,000
// numbers of BenchmarkLoadLarge. So the library's rules are compiled once
// per calling code (phoneRules), their patterns to automata over digits
// (bytePattern), and a number they accept (some 50ns) is accepted at
// once; any other is handed to the library, which has the last word and
// says why. TestPhoneRulesAgree checks that the rules never accept a
// number the library refuses.
func checkPhone(s, digits string) error {
	if rules.valid(digits) {
		return nil
	}
	return libraryVerdict(s, digits)
}

// libraryVerdict asks libphonenumber about digits, written as s, and words
// its answer.
func libraryVerdict(s, digits string) error {
	n, err := phonenumbers.Parse("+"+digits, "")
	if err == phonenumbers.ErrInvalidCountryCode {
		if code := writtenCode(s); code != "" {
			return fmt.Errorf("+%s is no country calling code", code)
		}
		return errors.New("it does not start with a country calling code, such as 91 for India")
	}
	if err != nil {
		return err // the digits were checked: not reached
	}
	code := strconv.Itoa(int(n.GetCountryCode()))
	nsn := phonenumbers.GetNationalSignificantNumber(n)
	rest := digits[len(code):]
	valid := phonenumbers.IsValidNumber(n)
	if nsn != rest {
		// Parse dropped a national (trunk) prefix, as in "+44 (0)20 ...":
		// the API wants the number without it.
		if prefix, ok := strings.CutSuffix(rest, nsn); ok && valid {
			return fmt.Errorf("remove the national prefix %s after +%s", prefix, code)
		}
		if valid {
			return fmt.Errorf("write it in international form: +%s and the national number without its trunk prefix", code)
		}
	}
	if valid {
		return nil
	}
	return errors.New(invalidReason(n, code, nsn))
}

// invalidReason says why n, which libphonenumber does not consider valid,
// is not: its length, where that tells, for the country calling code's
// region.
func invalidReason(n *phonenumbers.PhoneNumber, code, nsn string) string {
	// The region is the one the number belongs to, or else the calling
	// code's only one; a code shared by several regions (+1, +44) whose
	// number belongs to none is named by itself, and measured by its main
	// region, whose lengths the others share.
	main := phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode()))
	region := phonenumbers.GetRegionCodeForNumber(n)
	if region == "" && len(phonenumbers.GetRegionCodesForCountryCode(int(n.GetCountryCode()))) == 1 {
		region = main
	}
	where, in := "+"+code, "under"
	if name := regionName(region); name != "" {
		where, in = fmt.Sprintf("%s (+%s)", name, code), "in"
	}
	if region == "" {
		region = main
	}
	// Members are people: their numbers are mobile or fixed-line ones.
	lengths := personalLengths(region)
	got := len(nsn)
	switch reason := phonenumbers.IsPossibleNumberWithReason(n); {
	case reason == phonenumbers.TOO_SHORT, len(lengths) > 0 && got < lengths[0]:
		return fmt.Sprintf("too short for %s: %d digits after +%s%s", where, got, code, notLengths(lengths))
	case reason == phonenumbers.TOO_LONG, len(lengths) > 0 && got > lengths[len(lengths)-1]:
		return fmt.Sprintf("too long for %s: %d digits after +%s%s", where, got, code, notLengths(lengths))
	case reason == phonenumbers.INVALID_LENGTH, len(lengths) > 0 && !slices.Contains(lengths, got):
		return fmt.Sprintf("the wrong length for %s: %d digits after +%s%s", where, got, code, notLengths(lengths))
	}
	return "no such number " + in + " " + where
}

// writtenCode is the country calling code as s writes it: the first group
// of digits, when a separator ends it after one to three digits.
func writtenCode(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 1 || i > 3 {
		return ""
	}
	return s[:i]
}

// regionName is the English name of a region ("IN" is India), or "" for
// none or for the non-geographical entities ("001").
func regionName(region string) string {
	if region == "" || region == "001" {
		return ""
	}
	r, err := language.ParseRegion(region)
	if err != nil {
		return ""
	}
	return display.English.Regions().Name(r)
}

// personalLengths are the lengths of region's mobile and fixed-line
// national numbers, sorted and unique; nil if it has none.
func personalLengths(region string) []int {
	m := rules.metadata(region)
	if m == nil {
		return nil
	}
	var lengths []int
	for _, desc := range []*phonenumbers.PhoneNumberDesc{m.GetMobile(), m.GetFixedLine()} {
		l := desc.GetPossibleLength()
		if len(l) == 0 && desc.GetNationalNumberPattern() != "" {
			l = m.GetGeneralDesc().GetPossibleLength()
		}
		for _, n := range l {
			if n > 0 {
				lengths = append(lengths, int(n))
			}
		}
	}
	slices.Sort(lengths)
	return slices.Compact(lengths)
}

// notLengths words the lengths a number should have had: ", not 10",
// ", not 10 or 11", ", not 5 to 15".
func notLengths(lengths []int) string {
	switch n := len(lengths); {
	case n == 0:
		return ""
	case n > 2 && lengths[n-1]-lengths[0] == n-1:
		return fmt.Sprintf(", not %d to %d", lengths[0], lengths[n-1])
	}
	words := make([]string, len(lengths))
	for i, l := range lengths {
		words[i] = strconv.Itoa(l)
	}
	if len(words) == 1 {
		return ", not " + words[0]
	}
	return ", not " + strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// rules are libphonenumber's numbering rules, compiled per calling code on
// first use.
var rules phoneRules

// phoneRules holds libphonenumber's metadata and the rules compiled from
// it. Its methods are safe for concurrent use.
type phoneRules struct {
	once sync.Once
	// regions are the metadata by region id; nonGeo by calling code, for
	// the non-geographical entities ("001": +800, +882, ...).
	regions map[string]*phonenumbers.PhoneMetadata
	nonGeo  map[int]*phonenumbers.PhoneMetadata

	// codes are the compiled rules by calling code (all below 1000), nil
	// until compiled, read without a lock; mu is held to compile one.
	codes [1000]atomic.Pointer[callingCode]
	mu    sync.Mutex
}

// callingCode is what decides whether a number with one country calling
// code is valid, as phonenumbers.Parse and IsValidNumber decide it. One
// without regions accepts no number: the library decides them all.
type callingCode struct {
	// regions share the calling code, in the library's order (the main
	// one first); a single one for most codes.
	regions []phoneRegion
	// nationalPrefix matches the national prefix Parse would try to drop
	// from the start of the national number (of the main region); nil if
	// there is none.
	nationalPrefix *bytePattern
}

// phoneRegion is one region's rules.
type phoneRegion struct {
	// leadingDigits, if set, claims for the region a national number that
	// starts with them, valid or not.
	leadingDigits *bytePattern
	general       numberDesc
	// types are the descriptions of each type of number (mobile, fixed
	// line, toll free, ...): a valid number matches one.
	types []numberDesc
}

// numberDesc is a compiled phonenumbers.PhoneNumberDesc.
type numberDesc struct {
	lengths []int32 // any length when empty
	pattern *bytePattern
}

// matches is the library's isNumberMatchingDesc.
func (d numberDesc) matches(nsn string) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.pattern.match(nsn)
}

// valid is the library's getNumberTypeHelper(...) != UNKNOWN.
func (r *phoneRegion) valid(nsn string) bool {
	if !r.general.matches(nsn) {
		return false
	}
	return slices.ContainsFunc(r.types, func(d numberDesc) bool { return d.matches(nsn) })
}

func (p *phoneRules) load() {
	p.once.Do(func() {
		p.regions = map[string]*phonenumbers.PhoneMetadata{}
		p.nonGeo = map[int]*phonenumbers.PhoneMetadata{}
		coll, err := phonenumbers.MetadataCollection()
		if err != nil {
			return // the library panics at init first: not reached
		}
		for _, m := range coll.GetMetadata() {
			if m.GetId() == "001" {
				p.nonGeo[int(m.GetCountryCode())] = m
			} else {
				p.regions[m.GetId()] = m
			}
		}
	})
}

// metadata is the metadata of a region, or nil.
func (p *phoneRules) metadata(region string) *phonenumbers.PhoneMetadata {
	p.load()
	return p.regions[region]
}

// valid reports whether the rules accept digits, which are 8 to 15 digits
// not starting with 0. False means "ask the library", not "invalid": the
// rules do not accept a number whose national number starts with what
// might be a national prefix, which Parse might drop.
func (p *phoneRules) valid(digits string) bool {
	code := 0
	for i := 1; i <= 3; i++ {
		code = code*10 + int(digits[i-1]-'0')
		if regions := phonenumbers.GetRegionCodesForCountryCode(code); len(regions) > 0 {
			return p.code(code, regions).valid(digits[i:])
		}
	}
	return false
}

// code returns the compiled rules of a calling code, a number below
// 1000, compiling them on first use.
func (p *phoneRules) code(code int, regions []string) *callingCode {
	if c := p.codes[code].Load(); c != nil {
		return c
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.codes[code].Load(); c != nil {
		return c
	}
	c := p.compile(code, regions)
	p.codes[code].Store(c)
	return c
}

// compile compiles the rules of a calling code shared by regions; none
// (the library decides) if this metadata does not know one of them, or a
// pattern cannot be compiled.
func (p *phoneRules) compile(code int, regions []string) *callingCode {
	p.load()
	c := &callingCode{}
	for i, id := range regions {
		m := p.regions[id]
		if id == "001" {
			m = p.nonGeo[code]
		}
		if m == nil {
			return &callingCode{}
		}
		if i == 0 && m.GetNationalPrefixForParsing() != "" {
			var ok bool
			if c.nationalPrefix, ok = compileDigits("^(?:" + m.GetNationalPrefixForParsing() + ")"); !ok {
				return &callingCode{}
			}
		}
		r, ok := compileRegion(m)
		if !ok {
			return &callingCode{}
		}
		c.regions = append(c.regions, r)
	}
	return c
}

// compileRegion compiles the rules of one region. The types are those
// getNumberTypeHelper tries, mobile first since most members' numbers are
// mobile ones; mobile is left out where it shares the fixed-line pattern,
// as the library leaves it out.
func compileRegion(m *phonenumbers.PhoneMetadata) (phoneRegion, bool) {
	var r phoneRegion
	var ok bool
	if r.general, ok = compileDesc(m.GetGeneralDesc()); !ok {
		return r, false
	}
	if m.GetLeadingDigits() != "" {
		if r.leadingDigits, ok = compileDigits("^(?:" + m.GetLeadingDigits() + ")"); !ok {
			return r, false
		}
	}
	var descs []*phonenumbers.PhoneNumberDesc
	if !m.GetSameMobileAndFixedLinePattern() {
		descs = append(descs, m.GetMobile())
	}
	descs = append(descs, m.GetFixedLine(), m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(),
		m.GetVoip(), m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail())
	for _, d := range descs {
		if d == nil {
			continue
		}
		desc, ok := compileDesc(d)
		if !ok {
			return r, false
		}
		r.types = append(r.types, desc)
	}
	return r, true
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) (numberDesc, bool) {
	pattern, ok := compileDigits("^(?:" + d.GetNationalNumberPattern() + ")$")
	return numberDesc{lengths: d.GetPossibleLength(), pattern: pattern}, ok
}

// valid reports whether the national number nsn is valid for the calling
// code, choosing the region as GetRegionCodeForNumber does.
func (c *callingCode) valid(nsn string) bool {
	if c.nationalPrefix != nil && c.nationalPrefix.match(nsn) {
		return false
	}
	if len(c.regions) == 1 {
		return c.regions[0].valid(nsn)
	}
	for i := range c.regions {
		r := &c.regions[i]
		if r.leadingDigits != nil {
			if r.leadingDigits.match(nsn) {
				return r.valid(nsn)
			}
		} else if r.valid(nsn) {
			return true
		}
	}
	return false
}
