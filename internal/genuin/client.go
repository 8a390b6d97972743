package genuin

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Client. Token, APIKey and APISecret are credentials:
// Options.String and every error redact them.
type Options struct {
	// Endpoint is the base URL, e.g. https://api.example or http://127.0.0.1:8600;
	// the documented paths /api/thirdparty/... are appended to it. Plain http is
	// accepted only for loopback hosts.
	Endpoint string
	// Token is a gn-access-token sent as a Bearer token.
	Token string
	// APIKey and APISecret are exchanged at POST /api/thirdparty/auth for a
	// token, lazily on the first call (or by Authenticate) and again once when
	// a call is refused with 401/5159. They may be combined with Token, which
	// is then used until it is refused.
	APIKey, APISecret string
	// HTTPClient sends the requests; nil means a client with a 30s timeout
	// that does not follow redirects.
	HTTPClient *http.Client
	// MaxRetries is the number of retries after the first attempt of a call;
	// 0 means 5, a negative value means none.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the exponential backoff (full jitter);
	// 0 means 200ms and 10s.
	MinBackoff, MaxBackoff time.Duration
	// Rate caps the requests per second across all calls of the Client,
	// retries and token exchanges included; 0 means unlimited.
	Rate float64
	// Adaptive makes the Client adapt its request rate, shared by all its
	// callers, to the API's answers (AIMD, as TCP does): a 429, or 3
	// answers 503 within one second, cuts the rate to 0.7 times the rate
	// the API admitted over the last second (or the current rate, if
	// lower), never below 0.2 requests per second; after a cut to r the
	// rate climbs back by max(1, r/10) requests per second every second.
	// Answers to requests sent before a cut, or received within a second
	// of it, cause no further cut. Rate, when set, is the ceiling; with
	// Rate 0 the Client starts unlimited, is paced from the first cut on
	// and then climbs without bound until the next cut, never back to
	// unlimited.
	Adaptive bool
	// OnRateChange, when set with Adaptive, is called with each cut and,
	// after one, when the rate has climbed back to Rate (never when Rate
	// is 0). The calls come in order and one at a time, from goroutines
	// making requests: it should return quickly, and must not make
	// requests with the Client.
	OnRateChange func(RateChange)
	// UserAgent is sent as the User-Agent header when not empty.
	UserAgent string
	// MaxFailureRate trips the circuit breaker: once more than this share
	// of the last BreakerWindow requests failed (no answer, a 5xx, a
	// refused token; not a 429 or a 4xx refusal of one request),
	// no call sends anything any more and a call retrying stops, each
	// returning an error that wraps ErrCircuitOpen. 0, or 1 and more,
	// means no breaker.
	MaxFailureRate float64
	// CallTimeout bounds one call (CreateCommunity, CreateGroup,
	// UpdateConversation, Authenticate) as a whole: every attempt, token
	// exchange and wait between attempts included. When it is spent the call
	// returns its last error, matching ErrCallTimeout. 0 means 2 minutes.
	// The context's own deadline applies too.
	CallTimeout time.Duration
	// OnSecret, when set, is called with each credential the client holds:
	// Token, APIKey and APISecret during New, and every token exchanged at
	// the auth endpoint before it is first sent. A program-wide redactor
	// registers them so that nothing it prints carries one. It may be called
	// from any goroutine and must not call the Client.
	OnSecret func(secret string)
}

// String describes the options with the credentials redacted.
func (o Options) String() string {
	return fmt.Sprintf("genuin.Options{Endpoint: %q, Token: %s, APIKey: %s, APISecret: %s, MaxRetries: %d, MinBackoff: %s, MaxBackoff: %s, Rate: %g, Adaptive: %t, UserAgent: %q, CallTimeout: %s}",
		redactURL(o.Endpoint), redacted(o.Token), redacted(o.APIKey), redacted(o.APISecret),
		o.MaxRetries, o.MinBackoff, o.MaxBackoff, o.Rate, o.Adaptive, o.UserAgent, o.CallTimeout)
}

// GoString is String, so %#v redacts the credentials too.
func (o Options) GoString() string { return o.String() }

// Documented paths, relative to Options.Endpoint.
const (
	pathAuth               = "/api/thirdparty/auth"
	pathCommunityCreate    = "/api/thirdparty/community/create"
	pathGroupCreate        = "/api/thirdparty/group/create"
	pathUpdateConversation = "/api/thirdparty/update_conversation/"
)

const (
	defaultTimeout     = 30 * time.Second // one attempt, with the default HTTPClient
	defaultCallTimeout = 2 * time.Minute
	defaultMaxRetries  = 5
	defaultMinBackoff  = 200 * time.Millisecond
	defaultMaxBackoff  = 10 * time.Second
	// maxRetryWait is the longest pause a Retry-After causes before one
	// retry: the default 5 retries wait at most 100s, inside the default
	// CallTimeout. A longer ask is still honoured as a deadline: the call
	// gives up at once when the ask exceeds what is left of its budget.
	maxRetryWait = 20 * time.Second
	// retryAfterCeiling bounds a parsed Retry-After (and keeps it from
	// overflowing a Duration).
	retryAfterCeiling = 24 * time.Hour
	maxResponseBytes  = 10 << 20
	// maxIdleConns is how many connections the default HTTP client keeps
	// open for reuse: one per worker of the largest apply.
	maxIdleConns = 256
)

// Client calls the Genuin third-party API. It is safe for concurrent use.
type Client struct {
	base        string // endpoint without a trailing slash
	hc          *http.Client
	callTimeout time.Duration
	maxRetries  int
	minBackoff  time.Duration
	maxBackoff  time.Duration
	pace        *pacer // nil: requests are not paced
	userAgent   string
	apiKey      string
	apiSecret   string
	onSecret    func(string) // Options.OnSecret, may be nil
	breaker     *breaker     // nil: none
	calls       atomic.Int64
	throttled   atomic.Int64

	exchanging chan struct{} // one slot, held while a token exchange runs
	mu         sync.Mutex    // guards token and secrets
	token      string
	secrets    []string // every credential seen, scrubbed from all messages
}

// New checks the options and returns a Client. It makes no request.
func New(opts Options) (*Client, error) {
	shown := redactURL(opts.Endpoint)
	u, err := url.Parse(opts.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("genuin: endpoint %q is not an absolute URL", shown)
	}
	if u.User != nil {
		return nil, fmt.Errorf("genuin: endpoint %s: credentials in the URL are not accepted", shown)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("genuin: endpoint %s: a query or fragment is not accepted", shown)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("genuin: endpoint %s: plain http is refused for a non-loopback host; use https", shown)
		}
	default:
		return nil, fmt.Errorf("genuin: endpoint %s: scheme must be https (or http on loopback)", shown)
	}
	if (opts.APIKey == "") != (opts.APISecret == "") {
		return nil, errors.New("genuin: an API key and an API secret must be given together")
	}
	if opts.Token == "" && opts.APIKey == "" {
		return nil, errors.New("genuin: no credentials: give a token, or an API key and secret")
	}
	if opts.MinBackoff < 0 || opts.MaxBackoff < 0 || opts.Rate < 0 || opts.CallTimeout < 0 {
		return nil, errors.New("genuin: backoff, rate and call timeout must not be negative")
	}
	c := &Client{
		base:        strings.TrimSuffix(u.String(), "/"),
		hc:          opts.HTTPClient,
		callTimeout: cmp.Or(opts.CallTimeout, defaultCallTimeout),
		maxRetries:  opts.MaxRetries,
		minBackoff:  opts.MinBackoff,
		maxBackoff:  opts.MaxBackoff,
		userAgent:   opts.UserAgent,
		apiKey:      opts.APIKey,
		apiSecret:   opts.APISecret,
		onSecret:    opts.OnSecret,
		breaker:     newBreaker(opts.MaxFailureRate),
		token:       opts.Token,
		exchanging:  make(chan struct{}, 1),
	}
	if c.hc == nil {
		// One host, many workers: keep a connection per worker alive
		// instead of net/http's two idle ones, which would make every
		// other request open (and leave in TIME_WAIT) a new connection.
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConns, transport.MaxIdleConnsPerHost = maxIdleConns, maxIdleConns
		c.hc = &http.Client{
			Transport: transport,
			Timeout:   defaultTimeout,
			// A redirect is not part of the documented API; following one
			// could carry a POST somewhere unexpected. Report it instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.minBackoff == 0 {
		c.minBackoff = defaultMinBackoff
	}
	if c.maxBackoff == 0 {
		c.maxBackoff = defaultMaxBackoff
	}
	if c.maxBackoff < c.minBackoff {
		c.maxBackoff = c.minBackoff
	}
	if opts.Rate > 0 || opts.Adaptive {
		c.pace = newPacer(opts.Rate, opts.Adaptive, opts.OnRateChange)
	}
	for _, s := range []string{opts.Token, opts.APIKey, opts.APISecret} {
		c.addSecret(s)
	}
	return c, nil
}

// isLoopback reports whether host is localhost or an address in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// String describes the client without its credentials.
func (c *Client) String() string { return "genuin.Client{" + c.base + "}" }

// GoString is String, so %#v cannot print the token.
func (c *Client) GoString() string { return c.String() }

// Calls returns the number of HTTP requests attempted so far, token
// exchanges and retries included (a request refused at connect counts too).
func (c *Client) Calls() int64 { return c.calls.Load() }

// Throttled returns the number of 429 Too Many Requests answers so far.
func (c *Client) Throttled() int64 { return c.throttled.Load() }

// Rate returns the requests per second the Client paces its requests at
// now, 0 when unlimited: Options.Rate, or with Options.Adaptive the rate
// it has adapted to.
func (c *Client) Rate() float64 {
	if c.pace == nil {
		return 0
	}
	return c.pace.rate()
}

// result is one decoded HTTP exchange.
type result struct {
	header http.Header
	data   json.RawMessage // the envelope's data, or the whole body when un-enveloped
}

// send makes one HTTP request and decodes the envelope. token may be "" (auth).
// Every failure is an *APIError.
func (c *Client) send(ctx context.Context, op, method, path string, payload []byte, token string) (*result, *APIError) {
	sent, err := c.wait(ctx)
	if err != nil {
		return nil, c.networkError(op, err, false)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(payload))
	if err != nil {
		return nil, &APIError{Op: op, Message: c.scrub("building the request: " + redactURLError(err).Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	c.calls.Add(1)
	res, e := c.roundTrip(op, sent, req)
	c.breaker.observe(e)
	return res, e
}

// roundTrip sends req and decodes the answer.
func (c *Client) roundTrip(op string, sent time.Time, req *http.Request) (*result, *APIError) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.networkError(op, err, !isDialError(err))
	}
	c.answered(sent, resp.StatusCode)
	defer resp.Body.Close()
	// One byte more than the limit tells a body at the limit from a longer one.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, c.networkError(op, err, true)
	}
	return c.decode(op, resp, body)
}

// wait blocks until the pacer lets a request go or ctx ends, and returns
// the time the request goes. A wait for a slot that would outlast ctx's
// deadline fails at once with errRateLate.
func (c *Client) wait(ctx context.Context) (time.Time, error) {
	if ctx.Err() != nil {
		return time.Time{}, stopCause(ctx)
	}
	if c.pace == nil {
		return time.Time{}, nil
	}
	sent, err := c.pace.wait(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return time.Time{}, stopCause(ctx)
		}
		return time.Time{}, errRateLate
	}
	return sent, nil
}

// answered counts a 429 and tells the pacer of an answer's status.
func (c *Client) answered(sent time.Time, status int) {
	if status == http.StatusTooManyRequests {
		c.throttled.Add(1)
	}
	if c.pace != nil {
		c.pace.observe(sent, status)
	}
}

// networkError wraps an error met before a complete response arrived.
// sent reports whether the request may have reached the server.
func (c *Client) networkError(op string, err error, sent bool) *APIError {
	err = redactURLError(err)
	return &APIError{
		Op:             op,
		Kind:           KindTransient,
		OutcomeUnknown: sent,
		cause:          err,
		causeText:      c.printable(err.Error(), maxCauseBytes), // may quote a server's bytes
	}
}

// isDialError reports whether err happened while connecting, that is before
// any byte of the request was sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// decode turns a complete HTTP response into its data or an *APIError.
// body holds at most maxResponseBytes+1 bytes: a longer one is a response
// over the limit, cut short, and is never decoded.
func (c *Client) decode(op string, resp *http.Response, body []byte) (*result, *APIError) {
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	var errData json.RawMessage // the envelope's data, once decoded
	fail := func(code, msg string) *APIError {
		e := &APIError{
			Op: op, Status: resp.StatusCode, Code: code, Kind: classify(resp.StatusCode, code),
			Message: c.printable(msg, maxMessageBytes),
			Detail:  c.printable(detail(errData, resp.Header), maxDetailBytes),
		}
		if !ok {
			e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			e.OutcomeUnknown = resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout
		}
		return e
	}
	if len(body) > maxResponseBytes {
		// The status alone decides the kind, as for an unreadable error body.
		e := fail("", fmt.Sprintf("response larger than the %d MiB limit", maxResponseBytes>>20))
		e.OutcomeUnknown = e.OutcomeUnknown || ok // a 2xx was probably processed
		return nil, e
	}
	if ok && len(bytes.TrimSpace(body)) == 0 {
		// Nothing to decode; the auth response may carry its token in a header only.
		return &result{header: resp.Header}, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		if !ok {
			// Error bodies may be empty or not JSON at all: status decides.
			return nil, fail("", "")
		}
		return nil, c.unreadable(op, "the success response is not a JSON object")
	}
	_, hasCode := top["code"]
	_, hasData := top["data"]
	if !hasCode && !hasData {
		if !ok {
			return nil, fail("", "") // e.g. the documented 400 body {}
		}
		// The new group-create guide shows its 200 body without the envelope.
		return &result{header: resp.Header, data: body}, nil
	}
	// The documented envelope {code, message, data}: code is a number on
	// success and a string on errors; either type is accepted for both.
	code := rawString(top["code"])
	msg := rawString(top["message"])
	errData = top["data"]
	if !ok {
		return nil, fail(code, msg)
	}
	if code != "" && code != "200" {
		return nil, fail(code, msg)
	}
	return &result{header: resp.Header, data: top["data"]}, nil
}

// rawString reads a JSON string or number as text ("" for anything else).
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// parseRetryAfter reads a Retry-After header (delay-seconds or HTTP-date)
// as the wait the server asks for, up to a day; 0 when absent or
// unreadable. How long the client actually waits is retry's business.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(n, int64(retryAfterCeiling/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), retryAfterCeiling)
}

// call sends a JSON request with the bearer token, retrying per pol, and
// decodes the response data into out. On 401/5159 it exchanges the API key
// and secret for a new token once and repeats the call. The whole call,
// token exchanges included, stays within Options.CallTimeout.
func (c *Client) call(ctx context.Context, op string, pol policy, method, path string, in, out any) error {
	payload, err := json.Marshal(in)
	if err != nil {
		return &APIError{Op: op, Kind: KindInvalid, Message: c.scrub("encoding the request: " + err.Error())}
	}
	if err := c.breaker.check(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	ctx, b, cancel := c.startCall(ctx)
	defer cancel()
	reauthed := false
	for {
		token, err := c.bearer(ctx, b)
		if err != nil {
			return err
		}
		var res *result
		err = c.retry(ctx, b, pol, func() error {
			r, e := c.send(ctx, op, method, path, payload, token)
			if e != nil {
				return e
			}
			res = r
			return nil
		})
		var ae *APIError
		if errors.As(err, &ae) && ae.Kind == KindAuth && !reauthed && c.apiKey != "" {
			reauthed = true
			c.dropToken(token)
			continue
		}
		if err != nil {
			return err
		}
		if len(res.data) == 0 || string(res.data) == "null" {
			return c.unreadable(op, "the success response has no data")
		}
		if err := json.Unmarshal(res.data, out); err != nil {
			return c.unreadable(op, "decoding the success response: "+err.Error())
		}
		return nil
	}
}

// unreadable is the error for a 2xx response the client cannot use: the
// request was probably processed, so the outcome is unknown.
func (c *Client) unreadable(op, msg string) *APIError {
	return &APIError{Op: op, Status: http.StatusOK, Kind: KindUnknown, Message: c.scrub(msg), OutcomeUnknown: true}
}
