package pgstate

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url, project, display string
		password              bool
	}{
		{"postgres://ci@db.internal/genuin?sslmode=verify-full", "default", "postgres://ci@db.internal/genuin?project=default&sslmode=verify-full", false},
		{"postgresql://ci@db:6543/genuin?project=campaigns", "campaigns", "postgresql://ci@db:6543/genuin?project=campaigns", false},
		{"postgres://ci:s3cret-pw@db/genuin", "default", "postgres://ci@db/genuin?project=default", true},
		{"postgres://ci@db/genuin?password=s3cret-pw&sslpassword=k3y-pw", "default", "postgres://ci@db/genuin?project=default", true},
		{"postgres://ci@db/genuin?sslpassword=k3y-pw", "default", "postgres://ci@db/genuin?project=default", true},
		{"postgres://?sslmode=disable&project=qs", "qs", "postgres://?project=qs&sslmode=disable", false},
		{"POSTGRES:///genuin?host=/run/postgresql", "default", "postgres:///genuin?host=%2Frun%2Fpostgresql&project=default", false},
	} {
		cfg, err := ParseURL(c.url)
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		if cfg.Project != c.project || cfg.String() != c.display || cfg.PasswordInURL != c.password {
			t.Errorf("%s: project %q, display %q, password %v", c.url, cfg.Project, cfg.String(), cfg.PasswordInURL)
		}
		if _, ok := cfg.conn.RuntimeParams["project"]; ok {
			t.Errorf("%s: project is sent to the server", c.url)
		}
		if cfg.conn.ConnectTimeout != DefaultConnectTimeout {
			t.Errorf("%s: connect timeout %v", c.url, cfg.conn.ConnectTimeout)
		}
	}
	for _, bad := range []string{
		"genuin.lock",
		"postgres://ci:s3cret-pw@db/genuin?project=a/b",
		"postgres://ci:s3cret-pw@db/genuin?project=a&project=b",
		"postgres://ci:s3cret-pw@db:port/genuin",
		"postgres://ci:s3cret-pw@db/genuin?sslmode=sometimes",
		"postgres://ci:s3cret-pw@db/genuin#frag",
	} {
		_, err := ParseURL(bad)
		if err == nil {
			t.Errorf("%s: accepted", bad)
		} else if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("%s: the error quotes the password: %v", bad, err)
		}
	}
}

func TestLooksLikeURL(t *testing.T) {
	for s, want := range map[string]bool{
		"genuin.lock": false, "state/prod.lock": false, `C:\state\genuin.lock`: false,
		"Postgres://u:pw@h/db": true, "postgres:/u:pw@h/db": true, "postgres//u@h/db": true, "pg://h/db": true,
	} {
		if LooksLikeURL(s) != want {
			t.Errorf("LooksLikeURL(%q) = %v", s, !want)
		}
	}
}
