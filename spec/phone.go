package spec

import (
	"fmt"
	"strings"
)

// maxPhoneDigits is the most digits a phone number has, with its country
// code.
const maxPhoneDigits = 15

// phoneMember is the member with phone number s, at pos. The number is
// normalised to the API's form, the country code and digits: "+91
// 98765-43210" → "919876543210". A leading '+' and any spaces, '-', '.',
// '(' and ')' are dropped; what is left must be 8 to 15 digits not
// starting with 0, and a number that can exist (checkPhone): the API
// creates a placeholder user for any number it does not know, so a
// mistyped one is not harmless. The member keeps one string, its
// identity: "phone:" and the digits, which Phone is the end of.
func phoneMember(s string, pos Pos) (Member, error) {
	var made string
	if isPhoneDigits(s) { // already in the API's form
		made = phonePrefix + s
	} else {
		var buf [len(phonePrefix) + maxPhoneDigits]byte
		b := append(buf[:0], phonePrefix...)
		n := 0 // digits, also those past maxPhoneDigits
		for _, r := range strings.TrimPrefix(strings.TrimSpace(s), "+") {
			switch {
			case r >= '0' && r <= '9':
				if n < maxPhoneDigits {
					b = append(b, byte(r))
				}
				n++
			case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
			default:
				return Member{}, fmt.Errorf("phone %s: unexpected character %q; use digits with the country code, e.g. +44 20 7946 0123", phoneExcerpt(s), r)
			}
		}
		switch {
		case n == 0:
			return Member{}, fmt.Errorf("phone %s has no digits", phoneExcerpt(s))
		case b[len(phonePrefix)] == '0':
			return Member{}, fmt.Errorf("phone %s starts with 0, a national number: add the country code, e.g. +44 20 7946 0123", phoneExcerpt(s))
		case n < 8 || n > maxPhoneDigits:
			return Member{}, fmt.Errorf("phone %s has %d digits; a number with its country code has 8 to %d", phoneExcerpt(s), n, maxPhoneDigits)
		}
		made = string(b)
	}
	digits := made[len(phonePrefix):]
	if err := validPhone(s, digits); err != nil {
		return Member{}, err
	}
	return Member{Phone: digits, Pos: pos, identity: made}, nil
}

// userMember is the member with user id s, at pos: s must be a UUID (see
// normaliseUserID), kept in lower case. The member keeps one string, its
// identity: "user:" and the id, which UserID is the end of.
func userMember(s string, pos Pos) (Member, error) {
	id, err := normaliseUserID(s)
	if err != nil {
		return Member{}, err
	}
	made := userPrefix + id
	return Member{UserID: made[len(userPrefix):], Pos: pos, identity: made}, nil
}

// validPhone checks that digits, the phone number s normalised, can exist.
func validPhone(s, digits string) error {
	if err := checkPhone(s, digits); err != nil {
		return fmt.Errorf("phone %s is not a valid number: %v", phoneExcerpt(s), err)
	}
	return nil
}

// normaliseUserID checks that s is a UUID (8-4-4-4-12 hexadecimal digits)
// and returns it in lower case.
func normaliseUserID(s string) (string, error) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", notUUID(s)
	}
	var found byte // the hexClass bits of the digits
	for _, part := range [...]string{s[:8], s[9:13], s[14:18], s[19:23], s[24:]} {
		for i := 0; i < len(part); i++ {
			found |= hexClass[part[i]]
		}
	}
	switch found {
	case hexLower:
		return s, nil
	case hexLower | hexUpper, hexUpper:
		return strings.ToLower(s), nil
	}
	return "", notUUID(s)
}

// The classes of bytes in hexClass.
const (
	hexLower = 1 << iota // 0-9, a-f
	hexUpper             // A-F
	hexNone              // any other byte
)

// hexClass classifies every byte as a hexadecimal digit or not.
var hexClass = func() (class [256]byte) {
	for b := range class {
		switch {
		case b >= '0' && b <= '9', b >= 'a' && b <= 'f':
			class[b] = hexLower
		case b >= 'A' && b <= 'F':
			class[b] = hexUpper
		default:
			class[b] = hexNone
		}
	}
	return class
}()

// isPhoneDigits reports whether s is already a normalised phone number.
func isPhoneDigits(s string) bool {
	if len(s) < 8 || len(s) > maxPhoneDigits || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func notUUID(s string) error {
	return fmt.Errorf("user id %s is not a UUID such as b12f13af-ef5a-4906-b0a0-2995e106200d", excerpt(s))
}

// phoneExcerpt is a phone number as a diagnostic quotes it: as written,
// with every digit but the first two and the last two hidden, as every
// output of genuinctl shows a phone (render.MaskPhone, which spec cannot
// import): a diagnostic is printed in CI logs, and its position says
// where to see the whole number.
func phoneExcerpt(s string) string {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	var b strings.Builder
	seen := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			seen++
			if digits > 4 && seen > 2 && seen <= digits-2 {
				b.WriteString("•")
				continue
			}
		}
		b.WriteRune(r)
	}
	return excerpt(b.String())
}
