package genuin

import (
	"net/url"
	"slices"
	"strings"
)

// mask replaces every secret in what the client prints.
const mask = "[REDACTED]"

// redacted is how Options.String shows a credential: "" or the mask.
func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return mask
}

// redactURL returns s with its secret parts masked: the user information,
// every query value and the fragment. Scheme, host and path are kept.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[unparsable URL]"
	}
	if u.Host == "" && strings.ContainsAny(s, "@:?#") {
		// Without "//" the parts cannot be told apart: in "alice:pw@host"
		// the user name parses as a scheme.
		return mask
	}
	r := *u
	r.User, r.RawQuery, r.ForceQuery, r.Fragment, r.RawFragment = nil, "", false, "", ""
	out := r.String()
	if u.User != nil {
		out = strings.Replace(out, "//", "//"+mask+"@", 1)
	}
	if u.RawQuery != "" {
		out += "?" + redactQuery(u.RawQuery)
	}
	if u.Fragment != "" {
		out += "#" + mask
	}
	return out
}

// redactQuery masks every value of a raw query. A name is kept when it
// looks like one; a part without "=", or with an odd name, is masked whole.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if hasValue && plainName(name) {
			parts[i] = name + "=" + mask
		} else {
			parts[i] = mask
		}
	}
	return strings.Join(parts, "&")
}

// plainName reports whether a query parameter name is short and made of
// letters, digits, '_', '-' and '.' only, so printing it reveals nothing.
func plainName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

// redactURLError returns err with the URL that net/http quotes in a
// *url.Error redacted, so neither its text nor a caller reading it with
// errors.As sees a query value (a redirect followed by a caller's
// HTTPClient may carry one). Other errors are returned as they are.
func redactURLError(err error) error {
	ue, ok := err.(*url.Error) // net/http returns it unwrapped
	if !ok {
		return err
	}
	return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
}

// addSecret remembers a credential so that scrub masks it, and passes a
// new one to Options.OnSecret.
func (c *Client) addSecret(s string) {
	if s == "" || !c.remember(s) {
		return
	}
	if c.onSecret != nil {
		c.onSecret(s)
	}
}

// remember adds s to the secrets, longest first so that a secret holding
// another is masked whole; it reports whether s was new.
func (c *Client) remember(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Contains(c.secrets, s) {
		return false
	}
	i := 0
	for i < len(c.secrets) && len(c.secrets[i]) >= len(s) {
		i++
	}
	c.secrets = slices.Insert(c.secrets, i, s)
	return true
}

// scrub replaces every credential the client has seen in s.
func (c *Client) scrub(s string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.secrets {
		s = strings.ReplaceAll(s, t, mask)
	}
	return s
}
