package reconcile

import (
	"strings"

	"github.com/genuin/genuinctl/internal/genuin"
)

// matchAdded maps each member sent in members_added to the member id the
// response gave it. A user_id member's member id is its user id. A phone
// member is matched by the phone the response reports (exactly, or by a
// unique suffix when one side lacks the country code); if a single phone
// and a single unexplained member remain, they are paired. A phone still
// unmatched maps to "": the member was sent, its id is unknown.
func matchAdded(sent []Member, got []genuin.Member) map[string]string {
	ids := make(map[string]string, len(sent))
	users := map[string]bool{}
	for _, m := range sent {
		if m.UserID != "" {
			ids[m.Identity] = m.UserID
			users[m.UserID] = true
		}
	}
	var others []genuin.Member
	for _, g := range got {
		if !users[g.MemberID] {
			others = append(others, g)
		}
	}
	var phones []Member
	for _, m := range sent {
		if m.Phone != "" {
			phones = append(phones, m)
		}
	}
	var unmatchedPhones []Member
	for _, m := range phones {
		if i := findPhone(others, m.Phone); i >= 0 {
			ids[m.Identity] = others[i].MemberID
			others = append(others[:i], others[i+1:]...)
		} else {
			unmatchedPhones = append(unmatchedPhones, m)
		}
	}
	if len(unmatchedPhones) == 1 && len(others) == 1 {
		ids[unmatchedPhones[0].Identity] = others[0].MemberID
		return ids
	}
	for _, m := range unmatchedPhones {
		ids[m.Identity] = ""
	}
	return ids
}

// findPhone returns the index of the one member whose phone is phone, or
// failing that the one whose phone is a suffix of it or has it as a suffix;
// -1 when there is none or more than one.
func findPhone(members []genuin.Member, phone string) int {
	for i, g := range members {
		if digits(g.Phone) == phone {
			return i
		}
	}
	found := -1
	for i, g := range members {
		d := digits(g.Phone)
		if len(d) >= 8 && (strings.HasSuffix(phone, d) || strings.HasSuffix(d, phone)) {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
