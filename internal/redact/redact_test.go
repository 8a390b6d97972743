package redact

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriterMasksSecretsSplitAcrossWrites(t *testing.T) {
	var r Redactor
	r.Add("tok-secret-123", "", "ab")
	var out bytes.Buffer
	w := r.Writer(&out)
	for _, piece := range []string{"token=tok-se", "cret-123 and ", "ab stays\nprompt tok-secret-123: "} {
		if _, err := w.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
	}
	if got := out.String(); got != "token=[REDACTED] and ab stays\n" {
		t.Fatalf("before Flush: %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasSuffix(got, "prompt [REDACTED]: ") {
		t.Fatalf("after Flush: %q", got)
	}
}

func TestAddURLMasksCredentialsQueryAndFragment(t *testing.T) {
	var r Redactor
	r.AddURL("https://user1:pass-word@api.example/base?token=q-secret-9&v=1#frag-secret")
	got := r.String("calling https://user1:pass-word@api.example/base?token=q-secret-9&v=1#frag-secret")
	for _, secret := range []string{"user1", "pass-word", "q-secret-9", "frag-secret"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q left in %q", secret, got)
		}
	}
	if !strings.Contains(got, "api.example/base") {
		t.Errorf("the host and path must stay readable: %q", got)
	}
}

func TestLongestSecretMaskedWhole(t *testing.T) {
	var r Redactor
	r.Add("abcd", "abcdefgh")
	if got := r.String("x abcdefgh y"); got != "x [REDACTED] y" {
		t.Fatalf("got %q", got)
	}
}

// TestCutAndEscapedSecrets: a token cut short by whoever quoted it, or
// escaped as JSON writes it, is masked too.
func TestCutAndEscapedSecrets(t *testing.T) {
	var r Redactor
	token := "tokABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"
	r.Add(token, "tok<&>SECRET-value")
	for in, want := range map[string]string{
		`unknown column "` + token[:40] + `…"`:        `unknown column "[REDACTED]…"`,
		`"name": "tok\u003c\u0026\u003eSECRET-value"`: `"name": "[REDACTED]"`,
		"short tokABCDEFGH stays":                     "short tokABCDEFGH stays",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}
