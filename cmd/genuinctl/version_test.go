package main

import "testing"

func TestBuildInfo(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		b              buildInfo
		version, agent string
	}{
		{buildInfo{version: "v1.2.0", revision: rev}, "v1.2.0 (revision 0123456789ab)", "genuinctl/v1.2.0"},
		{buildInfo{version: "(devel)", revision: rev, modified: true}, "(devel) (revision 0123456789ab, modified)", "genuinctl/devel-0123456789ab+dirty"},
		{buildInfo{version: "(devel)"}, "(devel)", "genuinctl/devel"},
	}
	for _, tt := range tests {
		if got := tt.b.String(); got != tt.version {
			t.Errorf("%+v: String() = %q, want %q", tt.b, got, tt.version)
		}
		if got := tt.b.userAgent(); got != tt.agent {
			t.Errorf("%+v: userAgent() = %q, want %q", tt.b, got, tt.agent)
		}
	}
}
