package sandbox

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReasonHeader: every error carries its reason in ReasonHeader, cut to
// maxReason bytes, with no byte that would make a client refuse the whole
// response.
func TestReasonHeader(t *testing.T) {
	for _, tc := range []struct {
		reason, want string
	}{
		{"plain", "plain"},
		{"ctl \x1b[31m\x00\x01\x7f\r\n tab\t é \u202e", `ctl \x1b[31m\x00\x01\x7f\x0d\x0a tab` + "\t é \u202e"},
		{strings.Repeat("é", maxReason), strings.Repeat("é", maxReason/2) + "..."},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeReply(w, fail(http.StatusBadRequest, "1099", "m", tc.reason))
		}))
		resp, err := http.Get(srv.URL)
		srv.Close()
		if err != nil {
			t.Fatalf("reason %q: %v", tc.reason, err)
		}
		resp.Body.Close()
		if got := resp.Header.Get(ReasonHeader); got != tc.want {
			t.Errorf("reason %q: header %q, want %q", tc.reason, got, tc.want)
		}
	}
}
