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

// walk returns a string of up to 17 bytes of the alphabet, each chosen at
// random among those that keep a match possible, or any one time in ten.
func (p *bytePattern) walk(rnd *rand.Rand) string {
	var b []byte
	s, width := int32(0), int32(p.width)
	for n := rnd.IntN(18); len(b) < n; {
		d := byte(rnd.IntN(p.width))
		if s != deadState && rnd.IntN(10) > 0 {
			var live []byte
			for i, next := range p.next[width*s : width*s+width] {
				if next != deadState {
					live = append(live, byte(i))
				}
			}
			if len(live) == 0 {
				break
			}
			d = live[rnd.IntN(len(live))]
		}
		b = append(b, p.first+d)
		if s != deadState {
			s = p.next[width*s+int32(d)]
		}
	}
	return string(b)
}

// TestASCIIPatterns checks that the patterns of the spec schema anchored
// at the start compile for ASCII, and match as package regexp does, and
// that a string with a byte outside ASCII matches none.
func TestASCIIPatterns(t *testing.T) {
	s, err := loadSchema()
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	var collect func(rule any)
	collect = func(rule any) {
		switch r := rule.(type) {
		case map[string]any:
			if p, ok := r["pattern"].(string); ok {
				patterns = append(patterns, p)
			}
			for _, v := range r {
				collect(v)
			}
		case []any:
			for _, v := range r {
				collect(v)
			}
		}
	}
	collect(s.raw)
	rnd := rand.New(rand.NewPCG(5, 6))
	compiled, matched, tried := 0, 0, 0
	for _, pattern := range patterns {
		p, ok := compileASCII(pattern)
		if !ok {
			if pattern[0] == '^' {
				t.Errorf("compileASCII(%q) failed", pattern)
			}
			continue
		}
		compiled++
		re := regexp.MustCompile(pattern)
		for range 1000 {
			s := p.walk(rnd)
			if got, want := p.match(s), re.MatchString(s); got != want {
				t.Errorf("%q matching %q = %v, regexp says %v", pattern, s, got, want)
			}
			tried++
			if re.MatchString(s) {
				matched++
			}
			if p.match(s + "é") {
				t.Errorf("%q matches %q", pattern, s+"é")
			}
		}
	}
	if compiled < 5 || matched < tried/10 || matched > tried*9/10 {
		t.Errorf("%d patterns compiled; %d of %d strings match: the test tells little", compiled, matched, tried)
	}
}
