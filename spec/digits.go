package spec

import (
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// bytePattern is a regular expression anchored at the start of a string
// of bytes of an alphabet (the ASCII digits of a phone number, or all of
// ASCII), compiled to a deterministic automaton: matching costs a table
// lookup per byte, where package regexp takes some 200ns for one of
// libphonenumber's longer patterns (a country's mobile numbers). It
// matches such strings as regexp's MatchString would.
type bytePattern struct {
	// The alphabet is the width bytes from first.
	first byte
	width int
	// next[width*s+b-first] is the state after byte b in state s;
	// deadState when no match can follow. State 0 is the start.
	next []int32
	// early states match whatever follows (the pattern has no '$' left to
	// meet); final states match at the end of the string.
	early, final []bool
}

const (
	deadState = -1
	// maxDigitStates bounds a bytePattern's states. libphonenumber's
	// patterns need at most some 300, the spec schema's some 70.
	maxDigitStates = 4096
	beginText      = syntax.EmptyBeginText | syntax.EmptyBeginLine
	endText        = syntax.EmptyEndText | syntax.EmptyEndLine
)

// compileDigits compiles a pattern anchored at the start ("^...") to a
// bytePattern for strings of ASCII digits. It returns false for a pattern
// it cannot compile: not a regular expression, not anchored at the start,
// or one that needs more than maxDigitStates states or tests more than
// where the string begins and ends (a word boundary).
func compileDigits(pattern string) (*bytePattern, bool) {
	return compileBytes(pattern, '0', 10)
}

// compileASCII is compileDigits for strings of ASCII.
func compileASCII(pattern string) (*bytePattern, bool) {
	return compileBytes(pattern, 0, utf8.RuneSelf)
}

// compileBytes is compileDigits for strings of the width bytes from first.
func compileBytes(pattern string, first byte, width int) (*bytePattern, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, false
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil || prog.StartCond()&syntax.EmptyBeginText == 0 {
		return nil, false
	}
	b := &byteBuilder{prog: prog, index: map[string]int32{}, p: &bytePattern{first: first, width: width}}
	start, ok := b.closure(nil, uint32(prog.Start), beginText)
	if ok {
		_, ok = b.state(start, beginText)
	}
	if !ok {
		return nil, false
	}
	for s := 0; s < len(b.sets); s++ {
		for d := range width {
			var next []uint32
			for _, pc := range b.sets[s] {
				if in := &prog.Inst[pc]; isRune(in.Op) && in.MatchRune(rune(int(first)+d)) {
					if next, ok = b.closure(next, in.Out, 0); !ok {
						return nil, false
					}
				}
			}
			to := int32(deadState)
			if len(next) > 0 {
				if to, ok = b.state(next, 0); !ok {
					return nil, false
				}
			}
			b.p.next[width*s+d] = to
		}
	}
	return b.p, true
}

// match reports whether the pattern matches a prefix of s, or all of it
// when it ends with '$'. A byte outside the alphabet matches nothing.
func (p *bytePattern) match(s string) bool {
	state := int32(0)
	for i := 0; i < len(s); i++ {
		if p.early[state] {
			return true
		}
		b := int(s[i] - p.first)
		if b >= p.width {
			return false
		}
		if state = p.next[p.width*int(state)+b]; state == deadState {
			return false
		}
	}
	return p.early[state] || p.final[state]
}

// byteBuilder builds a bytePattern by the subset construction: a state
// is the set of the program's instructions the match may be at.
type byteBuilder struct {
	prog  *syntax.Prog
	p     *bytePattern
	sets  [][]uint32       // each state's instructions
	index map[string]int32 // a set, as a key, → its state
}

func isRune(op syntax.InstOp) bool {
	return op == syntax.InstRune || op == syntax.InstRune1 || op == syntax.InstRuneAny || op == syntax.InstRuneAnyNotNL
}

// closure adds to set the instruction pc and those it reaches without
// reading a digit, where the position has flags; an empty-width test that
// fails there stays in the set, to be tried at the end. It returns false
// for a test other than the start or end of the string.
func (b *byteBuilder) closure(set []uint32, pc uint32, flags syntax.EmptyOp) ([]uint32, bool) {
	if slices.Contains(set, pc) {
		return set, true
	}
	set = append(set, pc)
	in := &b.prog.Inst[pc]
	ok := true
	switch in.Op {
	case syntax.InstAlt, syntax.InstAltMatch:
		if set, ok = b.closure(set, in.Out, flags); ok {
			set, ok = b.closure(set, in.Arg, flags)
		}
	case syntax.InstCapture, syntax.InstNop:
		set, ok = b.closure(set, in.Out, flags)
	case syntax.InstEmptyWidth:
		op := syntax.EmptyOp(in.Arg)
		switch {
		case op&^(beginText|endText) != 0:
			return nil, false
		case op&^flags == 0:
			set, ok = b.closure(set, in.Out, flags)
		}
	}
	return set, ok
}

// state returns the state of a set of instructions, at a position with
// flags, adding it if it is new.
func (b *byteBuilder) state(set []uint32, flags syntax.EmptyOp) (int32, bool) {
	slices.Sort(set)
	var key strings.Builder
	key.WriteString(strconv.Itoa(int(flags)))
	key.WriteByte(':')
	for _, pc := range set {
		key.WriteString(strconv.FormatUint(uint64(pc), 36))
		key.WriteByte(',')
	}
	if s, ok := b.index[key.String()]; ok {
		return s, true
	}
	if len(b.sets) == maxDigitStates {
		return deadState, false
	}
	s := int32(len(b.sets))
	b.index[key.String()] = s
	b.sets = append(b.sets, set)
	// At the end of the string, the tests of its end pass too.
	var atEnd []uint32
	for _, pc := range set {
		var ok bool
		if atEnd, ok = b.closure(atEnd, pc, flags|endText); !ok {
			return deadState, false
		}
	}
	b.p.next = append(b.p.next, make([]int32, b.p.width)...)
	b.p.early = append(b.p.early, slices.ContainsFunc(set, b.matches))
	b.p.final = append(b.p.final, slices.ContainsFunc(atEnd, b.matches))
	return s, true
}

func (b *byteBuilder) matches(pc uint32) bool { return b.prog.Inst[pc].Op == syntax.InstMatch }
