package spec

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestPhoneMember(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "+91 98765-43210", want: "919876543210"},
		{in: "919876543210", want: "919876543210"},
		{in: "+1 (415) 555.0100", want: "14155550100"},
		{in: "  +44 20 7946 0958 ", want: "442079460958"},
		{in: "+290 22158", want: "29022158"},                // Saint Helena: 8 digits in all
		{in: "+49 30 12345678901", want: "493012345678901"}, // Germany: 15
		{in: "+800 1234 5678", want: "80012345678"},         // international freephone
		{in: "+7 912 345 67 89", want: "79123456789"},       // +7, shared by Russia and Kazakhstan
		{in: "+65 6123 4567", want: "6561234567"},
		// Numbers that cannot exist (the API would make a placeholder user
		// of each), with libphonenumber's reason.
		{in: "+99 1234 5678", err: `phone "+99 •••• ••78" is not a valid number: +99 is no country calling code`},
		{in: "9912345678", err: `phone "99••••••78" is not a valid number: it does not start with a country calling code, such as 91 for India`},
		{in: "+91 98765 4321", err: `phone "+91 ••••• ••21" is not a valid number: too short for India (+91): 9 digits after +91, not 10`},
		{in: "+91 98765 432100", err: `phone "+91 ••••• ••••00" is not a valid number: too long for India (+91): 11 digits after +91, not 10`},
		{in: "+91 55555 55555", err: `phone "+91 ••••• •••55" is not a valid number: no such number in India (+91)`},
		{in: "12345678", err: `phone "12••••78" is not a valid number: too short for +1: 7 digits after +1, not 10`},
		{in: "123456789012345", err: `phone "12•••••••••••45" is not a valid number: too long for +1: 14 digits after +1, not 10`},
		{in: "+1 000 555 0100", err: `phone "+1 0•• ••• ••00" is not a valid number: no such number under +1`},
		{in: "+44 (0)20 7946 0958", err: `phone "+44 (•)•• •••• ••58" is not a valid number: remove the national prefix 0 after +44`},
		{in: "+91 0 98765 43210", err: `phone "+91 • ••••• •••10" is not a valid number: remove the national prefix 0 after +91`},
		{in: "098765 43210", err: `phone "09•••• •••10" starts with 0, a national number: add the country code, e.g. +44 20 7946 0123`},
		{in: "+91 98765 4321x", err: `phone "+91 ••••• ••21x": unexpected character 'x'; use digits with the country code, e.g. +44 20 7946 0123`},
		{in: "++919876543210", err: `phone "++91••••••••10": unexpected character '+'; use digits with the country code, e.g. +44 20 7946 0123`},
		{in: "1234567", err: `phone "12•••67" has 7 digits; a number with its country code has 8 to 15`},
		{in: "1234567890123456", err: `phone "12••••••••••••56" has 16 digits; a number with its country code has 8 to 15`},
		{in: "", err: `phone "" has no digits`},
		{in: "+", err: `phone "+" has no digits`},
		{in: "٩١٩٨٧٦٥٤٣٢١٠", err: `phone "٩١٩٨٧٦٥٤٣٢١٠": unexpected character '٩'; use digits with the country code, e.g. +44 20 7946 0123`},
	}
	for _, tt := range tests {
		got, err := phoneMember(tt.in, Pos{})
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("phoneMember(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got.Phone != tt.want || got.UserID != "" || got.Identity() != "phone:"+tt.want {
			t.Errorf("phoneMember(%q) = %+v, %v; want phone %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormaliseUserID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"b12f13af-ef5a-4906-b0a0-2995e106200d", "b12f13af-ef5a-4906-b0a0-2995e106200d", true},
		{"B12F13AF-EF5A-4906-B0A0-2995E106200D", "b12f13af-ef5a-4906-b0a0-2995e106200d", true},
		{"b12f13af-ef5a-4906-b0a0-2995e106200", "", false},
		{"b12f13af-ef5a-4906-b0a0_2995e106200d", "", false},
		{"g12f13af-ef5a-4906-b0a0-2995e106200d", "", false},
		{"b12f13afef5a-4906-b0a0-2995e106200d-", "", false},
		{"b12f13af-ef5a-4906-b0a0-2995e106200D", "b12f13af-ef5a-4906-b0a0-2995e106200d", true},
		{"b12f13af-ef5a-4906-b0a0-2995e10620-d", "", false},
		{"b12f13af-ef5a-4906-b0a0-2995e10620\x00d", "", false},
		{"b12f13af-ef5a-4906-b0a0-2995e1062éd", "", false},
		{"b12f13af-ef5a-4906-b0a0-2995e106200G", "", false},
		{"b12f13af-ef5a-4906-b0a0-2995e106200d ", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := normaliseUserID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("normaliseUserID(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestPhoneRulesAgree checks the compiled rules against libphonenumber
// itself: they may leave a number to the library, never accept one it
// refuses. The numbers are every region's example of every type, each
// with one digit changed, one dropped and one added, and random digits
// after every calling code.
func TestPhoneRulesAgree(t *testing.T) {
	types := []phonenumbers.PhoneNumberType{
		phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE,
		phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
		phonenumbers.UAN, phonenumbers.VOICEMAIL,
	}
	var numbers []string
	add := func(n *phonenumbers.PhoneNumber) {
		if n == nil {
			return
		}
		d := strconv.Itoa(int(n.GetCountryCode())) + phonenumbers.GetNationalSignificantNumber(n)
		numbers = append(numbers, d, d[:len(d)-1], d+"5")
		for i := range d {
			for _, c := range "0369" {
				numbers = append(numbers, d[:i]+string(c)+d[i+1:])
			}
		}
	}
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range types {
			add(phonenumbers.GetExampleNumberForType(region, typ))
		}
	}
	for code := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		add(phonenumbers.GetExampleNumberForNonGeoEntity(code))
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for code := range phonenumbers.GetSupportedCallingCodes() {
		for range 200 {
			d := strconv.Itoa(code)
			for len(d) < 8+rnd.IntN(8) {
				d += strconv.Itoa(rnd.IntN(10))
			}
			numbers = append(numbers, d)
		}
	}
	accepted, valid := 0, 0
	for _, d := range numbers {
		if !isPhoneDigits(d) {
			continue
		}
		fast, lib := rules.valid(d), libraryVerdict(d, d) == nil
		if fast && !lib {
			t.Errorf("%s: the rules accept it, libphonenumber does not: %v", d, libraryVerdict(d, d))
		}
		if lib {
			valid++
			if fast {
				accepted++
			}
		}
	}
	// The rules are worth having only if they decide nearly every valid
	// number themselves.
	if valid < 1000 || accepted < valid*95/100 {
		t.Errorf("the rules accept %d of %d valid numbers, want 95%%", accepted, valid)
	}
	t.Logf("%d numbers, %d valid, %d of them accepted by the rules", len(numbers), valid, accepted)
}

// TestHugePhones: the phone numbers of the huge valid spec are valid for
// every group, past 99,999 too.
func TestHugePhones(t *testing.T) {
	for _, g := range []int{0, 1, 99_999, 100_000, 149_999, 1_234_567, 99_999_999} {
		for m := range 3 {
			p := hugePhone(g, m)
			if _, err := phoneMember(p, Pos{}); err != nil {
				t.Errorf("hugePhone(%d, %d) = %q: %v", g, m, p, err)
			}
		}
	}
}
