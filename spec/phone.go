package spec

import (
	"fmt"
	"strings"
)

// normalisePhone turns a phone number as people write it into the API's
// form, the country code and digits: "+91 98765-43210" → "919876543210".
// A leading '+' and any spaces, '-', '.', '(' and ')' are dropped; what is
// left must be 8 to 15 digits not starting with 0, and a number that can
// exist (checkPhone): the API creates a placeholder user for any number it
// does not know, so a mistyped one is not harmless.
func normalisePhone(s string) (string, error) {
	if isPhoneDigits(s) {
		if err := validPhone(s, s); err != nil {
			return "", err
		}
		return s, nil // already in the API's form: no copy
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.TrimPrefix(strings.TrimSpace(s), "+") {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("phone %s: unexpected character %q; use digits with the country code, e.g. +91 98765 43210", excerpt(s), r)
		}
	}
	digits := b.String()
	switch {
	case digits == "":
		return "", fmt.Errorf("phone %s has no digits", excerpt(s))
	case digits[0] == '0':
		return "", fmt.Errorf("phone %s starts with 0, a national number: add the country code, e.g. +91 98765 43210", excerpt(s))
	case len(digits) < 8 || len(digits) > 15:
		return "", fmt.Errorf("phone %s has %d digits; a number with its country code has 8 to 15", excerpt(s), len(digits))
	}
	if err := validPhone(s, digits); err != nil {
		return "", err
	}
	return digits, nil
}

// validPhone checks that digits, the phone number s normalised, can exist.
func validPhone(s, digits string) error {
	if err := checkPhone(s, digits); err != nil {
		return fmt.Errorf("phone %s is not a valid number: %v", excerpt(s), err)
	}
	return nil
}

// normaliseUserID checks that s is a UUID (8-4-4-4-12 hexadecimal digits)
// and returns it in lower case.
func normaliseUserID(s string) (string, error) {
	if len(s) != 36 {
		return "", notUUID(s)
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", notUUID(s)
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return "", notUUID(s)
		}
	}
	if upper {
		return strings.ToLower(s), nil
	}
	return s, nil
}

// isPhoneDigits reports whether s is already a normalised phone number.
func isPhoneDigits(s string) bool {
	if len(s) < 8 || len(s) > 15 || s[0] == '0' {
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
