package spec

import "testing"

func TestNormalisePhone(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "+91 98765-43210", want: "919876543210"},
		{in: "919876543210", want: "919876543210"},
		{in: "+1 (415) 555.0100", want: "14155550100"},
		{in: "  +44 20 7946 0958 ", want: "442079460958"},
		{in: "12345678", want: "12345678"},
		{in: "123456789012345", want: "123456789012345"},
		{in: "098765 43210", err: `phone "098765 43210" starts with 0, a national number: add the country code, e.g. +91 98765 43210`},
		{in: "+91 98765 4321x", err: `phone "+91 98765 4321x": unexpected character 'x'; use digits with the country code, e.g. +91 98765 43210`},
		{in: "++919876543210", err: `phone "++919876543210": unexpected character '+'; use digits with the country code, e.g. +91 98765 43210`},
		{in: "1234567", err: `phone "1234567" has 7 digits; a number with its country code has 8 to 15`},
		{in: "1234567890123456", err: `phone "1234567890123456" has 16 digits; a number with its country code has 8 to 15`},
		{in: "", err: `phone "" has no digits`},
		{in: "+", err: `phone "+" has no digits`},
		{in: "٩١٩٨٧٦٥٤٣٢١٠", err: `phone "٩١٩٨٧٦٥٤٣٢١٠": unexpected character '٩'; use digits with the country code, e.g. +91 98765 43210`},
	}
	for _, tt := range tests {
		got, err := normalisePhone(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("normalisePhone(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("normalisePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
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
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := normaliseUserID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("normaliseUserID(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
