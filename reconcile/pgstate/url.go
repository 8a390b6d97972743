package pgstate

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/genuin/genuinctl/internal/redact"
)

// DefaultProject is the project a state URL without ?project= names.
const DefaultProject = "default"

// DefaultConnectTimeout bounds a connection to the database when neither
// the URL's connect_timeout nor PGCONNECT_TIMEOUT does.
const DefaultConnectTimeout = 15 * time.Second

// projectPattern is what a project name may be: it appears in messages
// and keys, so plain and short.
var projectPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// IsURL reports whether a --state value names a PostgreSQL database rather
// than a lockfile's path.
func IsURL(s string) bool {
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// LooksLikeURL reports whether a --state value that is no postgres:// URL
// was meant as one (a mistyped scheme: "Postgres:/", "postgres//",
// "postgresql:foo", "pg://"): no lockfile path holds "://" or starts
// with "postgres", and taking one for a path would print it, password
// and all, in the messages about that path.
func LooksLikeURL(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(strings.ToLower(s), "postgres")
}

// Config is a parsed state URL: the connection as libpq would make it
// (pgx reads the same URL parameters and environment variables, PGPASSWORD
// and the passfile among them) and the project, one state among many in
// the database.
type Config struct {
	// Project is the ?project= parameter, DefaultProject when absent.
	Project string
	// PasswordInURL says the URL itself carries a password (in its user
	// part or a password parameter).
	PasswordInURL bool
	display       string
	conn          *pgx.ConnConfig
	// secrets masks the connection's password, wherever it came from, in
	// every error.
	secrets *redact.Redactor
}

// ParseURL parses a state URL: postgres://[USER@]HOST[:PORT]/DB[?PARAMS],
// where PARAMS are libpq's (sslmode, sslrootcert, connect_timeout, ...)
// plus project=NAME. Its errors never quote a password.
func ParseURL(raw string) (*Config, error) {
	if !IsURL(raw) {
		return nil, fmt.Errorf("a PostgreSQL state is a postgres:// URL")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Fragment != "" {
		// url's errors quote the whole URL, password and all.
		return nil, fmt.Errorf("the state URL is not a valid URL (postgres://USER@HOST:PORT/DB?sslmode=...&project=NAME)")
	}
	c := &Config{Project: DefaultProject}
	q := u.Query()
	if p, ok := q["project"]; ok {
		switch {
		case len(p) != 1:
			return nil, fmt.Errorf("the state URL gives project %d times: give it once", len(p))
		case !projectPattern.MatchString(p[0]):
			return nil, fmt.Errorf("the state URL's project must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit")
		}
		c.Project = p[0]
		q.Del("project")
	}
	pw, hasPassword := u.User.Password()
	c.PasswordInURL = hasPassword || q.Has("password") || q.Has("sslpassword")
	c.secrets = &redact.Redactor{}
	c.secrets.Add(pw, url.QueryEscape(pw), url.PathEscape(pw), q.Get("password"), q.Get("sslpassword"))
	// The URL goes to pgx as written, less its project: rendering u again
	// would lose the "//" of a URL with no host (postgres:///db, the host
	// from PGHOST or the default socket).
	conn := raw
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		conn = raw[:i]
		if len(q) > 0 {
			conn += "?" + q.Encode()
		}
	}
	if c.conn, err = pgx.ParseConfig(conn); err != nil {
		return nil, fmt.Errorf("the state URL is not a valid PostgreSQL URL: %s", c.secrets.String(err.Error()))
	}
	c.secrets.Add(c.conn.Password) // from PGPASSWORD or a passfile too
	// A database that does not answer fails the command instead of
	// holding it: libpq waits forever unless connect_timeout says.
	if c.conn.ConnectTimeout == 0 {
		c.conn.ConnectTimeout = DefaultConnectTimeout
	}
	// Each commit the journal waits for must be on disk, whatever the
	// server's default.
	c.conn.RuntimeParams["synchronous_commit"] = "on"
	c.conn.RuntimeParams["application_name"] = "genuinctl"
	c.display = display(u, c.Project)
	return c, nil
}

// Password is the password the connection uses, wherever it comes from
// (the URL, PGPASSWORD, a passfile): for a redactor of output.
func (c *Config) Password() string { return c.conn.Password }

// String is the URL without its password and secret parameters, with its
// project: how messages name the state.
func (c *Config) String() string { return c.display }

// display renders u without secrets, with the project.
func display(u *url.URL, project string) string {
	d := *u
	if d.User != nil {
		d.User = url.User(d.User.Username())
	}
	q := d.Query()
	for _, secret := range []string{"password", "sslpassword"} {
		q.Del(secret)
	}
	q.Set("project", project)
	d.RawQuery = q.Encode()
	if d.Host == "" && d.Path == "" {
		return d.Scheme + "://" + strings.TrimPrefix(d.String(), d.Scheme+":")
	}
	return d.String()
}
