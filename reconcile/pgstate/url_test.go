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
	}
	for _, bad := range []string{
		"genuin.lock",
		"postgres://ci:s3cret-pw@db/genuin?project=a/b",
		"postgres://ci:s3cret-pw@db/genuin?project=a&project=b",
		"postgres://ci:s3cret-pw@db:port/genuin",
		"postgres://ci:s3cret-pw@db/genuin?sslmode=sometimes",
	} {
		_, err := ParseURL(bad)
		if err == nil {
			t.Errorf("%s: accepted", bad)
		} else if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("%s: the error quotes the password: %v", bad, err)
		}
	}
}
