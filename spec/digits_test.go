package spec

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestDigitPatterns checks that every pattern of libphonenumber's metadata
// compiles, and matches strings of digits as package regexp does: random
// ones, and ones walking the pattern's own automaton, which reach its
// matches far more often than chance.
func TestDigitPatterns(t *testing.T) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, m := range coll.GetMetadata() {
		for _, d := range []*phonenumbers.PhoneNumberDesc{m.GetGeneralDesc(), m.GetMobile(), m.GetFixedLine(),
			m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(), m.GetPersonalNumber(),
			m.GetPager(), m.GetUan(), m.GetVoicemail()} {
			if d != nil {
				patterns = append(patterns, "^(?:"+d.GetNationalNumberPattern()+")$")
			}
		}
		for _, prefix := range []string{m.GetLeadingDigits(), m.GetNationalPrefixForParsing()} {
			if prefix != "" {
				patterns = append(patterns, "^(?:"+prefix+")")
			}
		}
	}
	// And some of the regular expressions' own corners.
	patterns = append(patterns, "^(?:)$", "^(?:)", "^(?:1|^2)", "^(?:1$|12)", "^(?:(1)?2{2,3}$)", "^$", "^(?:[^3]5)$")
	rnd := rand.New(rand.NewPCG(3, 4))
	matched := 0
	for _, pattern := range patterns {
		p, ok := compileDigits(pattern)
		if !ok {
			t.Errorf("compileDigits(%q) failed", pattern)
			continue
		}
		re := regexp.MustCompile(pattern)
		for range 300 {
			s := p.walk(rnd)
			if got, want := p.match(s), re.MatchString(s); got != want {
				t.Errorf("%q matching %q = %v, regexp says %v", pattern, s, got, want)
			}
			if re.MatchString(s) {
				matched++
			}
		}
	}
	if matched < len(patterns)*30 {
		t.Errorf("only %d of %d strings match: the test tries too few matches", matched, len(patterns)*300)
	}
	// Not a regular expression, not anchored at the start, a word
	// boundary, too many states (the 13th digit from the end is a 1).
	for _, pattern := range []string{"(", "1", "a^", `\b1`, `^1\b`, "^(?:[0-9]*1[0-9]{12})$"} {
		if _, ok := compileDigits(pattern); ok {
			t.Errorf("compileDigits(%q) succeeded", pattern)
		}
	}
}

// walk returns a string of up to 17 digits, each chosen at random among
// those that keep a match possible, or any digit one time in ten.
func (p *digitPattern) walk(rnd *rand.Rand) string {
	var b []byte
	s := int32(0)
	for n := rnd.IntN(18); len(b) < n; {
		d := byte(rnd.IntN(10))
		if s != deadState && rnd.IntN(10) > 0 {
			var live []byte
			for i, next := range p.next[10*s : 10*s+10] {
				if next != deadState {
					live = append(live, byte(i))
				}
			}
			if len(live) == 0 {
				break
			}
			d = live[rnd.IntN(len(live))]
		}
		b = append(b, '0'+d)
		if s != deadState {
			s = p.next[10*s+int32(d)]
		}
	}
	return string(b)
}
