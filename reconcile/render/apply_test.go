package render

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile"
)

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 communities", 1: "1 community", 2: "2 communities"} {
		if got := Plural(n, "community"); got != want {
			t.Errorf("Plural(%d, community) = %q, want %q", n, got, want)
		}
	}
	for noun, want := range map[string]string{"address": "2 addresses", "API request": "2 API requests", "key": "2 keys"} {
		if got := Plural(2, noun); got != want {
			t.Errorf("Plural(2, %s) = %q, want %q", noun, got, want)
		}
	}
}

// TestApplyErrors: one line per failed address, the groups a failed
// community held back counted on its line, a summary last; never
// go-multierror's "N errors occurred" list.
func TestApplyErrors(t *testing.T) {
	community := &reconcile.ChangeError{Address: "community/acme", Err: errors.New("community/create: HTTP 500, code 5216"), HeldBack: 525}
	group := &reconcile.ChangeError{Address: "group/other/g", Err: errors.New("group/create: HTTP 500, code 5026")}
	tests := []struct {
		err  error
		want string
	}{
		{multierror.Append(nil, community, group), `apply finished with errors:
  community/acme: community/create: HTTP 500, code 5216; 525 groups held back
  group/other/g: group/create: HTTP 500, code 5026
2 addresses failed, 525 groups held back; every success is recorded: fix the causes and run apply again`},
		{multierror.Append(nil, group, reconcile.ErrTimedOut), `apply finished with errors:
  group/other/g: group/create: HTTP 500, code 5026
` + reconcile.ErrTimedOut.Error()},
		{multierror.Append(nil, reconcile.ErrInterrupted), reconcile.ErrInterrupted.Error()},
		{multierror.Append(nil, group, reconcile.ErrBreakerOpen), `apply finished with errors:
  group/other/g: group/create: HTTP 500, code 5026
` + reconcile.ErrBreakerOpen.Error()},
	}
	for _, tt := range tests {
		got := ApplyErrors(tt.err)
		if got != tt.want {
			t.Errorf("ApplyErrors:\n%s\nwant:\n%s", got, tt.want)
		}
		if strings.Contains(got, "errors occurred") {
			t.Errorf("go-multierror's format reached the user:\n%s", got)
		}
	}
}

// TestApplyErrorsHints: what an API error code suggests is said once,
// however many addresses failed with it.
func TestApplyErrorsHints(t *testing.T) {
	video := &genuin.APIError{Op: "group/create", Status: 500, Code: genuin.CodeVideoNotFound, Kind: genuin.KindServer}
	err := multierror.Append(nil,
		&reconcile.ChangeError{Address: "group/a/one", Err: video},
		&reconcile.ChangeError{Address: "group/a/two", Err: video})
	got := ApplyErrors(err)
	if hint := "  hint: " + video.Hint() + "\n"; video.Hint() == "" || strings.Count(got, hint) != 1 {
		t.Errorf("want the 5026 hint once:\n%s", got)
	}
}

// TestApplyErrorsMaskPhones: a phone number an API message quotes is
// masked, in full digits or after '+'; ids, codes and counts are not.
func TestApplyErrorsMaskPhones(t *testing.T) {
	quoting := &reconcile.ChangeError{Address: "group/a/b", Err: errors.New(
		`update_conversation: HTTP 400, code 5001: phone_number 919876543210 is invalid (+4930123456, 11111111-1111-4111-8111-111111111111, 123456789012345678, id9198765432100)`)}
	got := ApplyErrors(multierror.Append(nil, quoting))
	want := "  group/a/b: update_conversation: HTTP 400, code 5001: phone_number 91••••••••10 is invalid (+49••••••56, 11111111-1111-4111-8111-111111111111, 123456789012345678, id9198765432100)\n"
	if !strings.Contains(got, want) {
		t.Errorf("ApplyErrors:\n%s\nwant the line\n%s", got, want)
	}
}
