package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/internal/sandbox"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/reconcile/pgstate"
)

// embeddedSandbox is the --endpoint value that runs the emulator
// in-process. A lockfile records the sandbox it belongs to as
// "sandbox:<instance>" (see sandbox.Server.Instance); genuinctl before
// sandboxes had an identity wrote plain "sandbox".
const embeddedSandbox = "sandbox"

// sandboxDataName is the embedded sandbox's data file, beside the lockfile
// (in the spec root when the state is in a database).
const sandboxDataName = "genuin-sandbox.json"

// endpointOptions select the API and the credentials for it.
type endpointOptions struct {
	endpoint    string
	tokenFile   string
	token       string // the content of tokenFile, once read
	sandboxData string
	// spec is the spec whose root holds the sandbox's data file when the
	// state is in a database.
	spec *specOptions
}

// register adds --endpoint and --sandbox-data.
func (o *endpointOptions) register(flags *pflag.FlagSet) {
	flags.StringVar(&o.endpoint, "endpoint", "",
		`API base URL (default $GENUIN_ENDPOINT, then the endpoint the lockfile records); "sandbox" runs the embedded emulator`)
	flags.StringVar(&o.sandboxData, "sandbox-data", "",
		"with the embedded sandbox: the file keeping its state between runs (default "+sandboxDataName+" beside the lockfile)")
	_ = flags.SetAnnotation("sandbox-data", cobra.BashCompFilenameExt, []string{"json"})
}

// registerCredentials adds --token-file.
func (o *endpointOptions) registerCredentials(flags *pflag.FlagSet) {
	flags.StringVar(&o.tokenFile, "token-file", "",
		"file holding the gn-access-token (default $GENUIN_TOKEN, or $GENUIN_API_KEY + $GENUIN_API_SECRET)")
}

// target is the API a command works against.
type target struct {
	// id is the endpoint as a lockfile records it: the base URL, or
	// "sandbox:<instance>" for the embedded sandbox.
	id string
	// sandbox is the embedded sandbox, loaded from sandboxData but not
	// served yet; nil for a URL. fresh says its data file did not exist:
	// the sandbox is a new, empty world.
	sandbox     *sandbox.Server
	sandboxData string
	fresh       bool
}

// String names the target for people.
func (t *target) String() string {
	if t.sandbox == nil {
		return t.id
	}
	return fmt.Sprintf("the embedded sandbox (%s)", t.sandboxData)
}

// isSandbox reports whether a recorded or given endpoint is the embedded
// sandbox.
func isSandbox(endpoint string) bool {
	return endpoint == embeddedSandbox || strings.HasPrefix(endpoint, embeddedSandbox+":")
}

// target returns what the command works against: --endpoint, else
// $GENUIN_ENDPOINT, else the endpoint the lockfile lf records.
func (o *endpointOptions) target(e *env, lf *lockfile.File) (*target, error) {
	ep := o.endpoint
	if ep == "" {
		ep = e.getenv("GENUIN_ENDPOINT")
	}
	recorded := ep == "" && lf.State() != nil
	if recorded {
		ep = lf.State().Endpoint
	}
	ep = strings.TrimRight(ep, "/")
	e.secrets.AddURL(ep)
	switch {
	case ep == "":
		return nil, withCode(exitError, errors.New(`no API endpoint: set GENUIN_ENDPOINT or pass --endpoint URL ("--endpoint sandbox" runs the embedded emulator)`))
	case recorded:
		fmt.Fprintf(e.stderr, "Using the endpoint %s records: %s (pass --endpoint or set GENUIN_ENDPOINT for another).\n", lf.Path(), ep)
	}
	if !isSandbox(ep) {
		return &target{id: ep}, nil
	}
	data := o.sandboxData
	if data == "" {
		dir := filepath.Dir(lf.Path())
		if pgstate.IsURL(lf.Path()) {
			dir = o.spec.root()
		}
		data = filepath.Join(dir, sandboxDataName)
	}
	return openSandbox(data)
}

// openSandbox loads the embedded sandbox from its data file, without
// serving it or writing anything: its instance is part of the endpoint's
// identity.
func openSandbox(data string) (*target, error) {
	_, statErr := os.Stat(data)
	srv, err := sandbox.New(sandbox.Config{DataFile: data})
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("embedded sandbox: %w", err))
	}
	return &target{id: embeddedSandbox + ":" + srv.Instance(), sandbox: srv, sandboxData: data,
		fresh: errors.Is(statErr, fs.ErrNotExist)}, nil
}

// addSecret tells the redactor of a credential the client learned, such as
// a token exchanged at the auth endpoint.
func (e *env) addSecret(s string) { e.secrets.Add(s) }

// connection is a client and whatever must be closed after it.
type connection struct {
	client *genuin.Client
	close  func() error
}

// connect builds the API client for the target, serving the embedded
// sandbox on a loopback port for this process only, so the client speaks
// real HTTP to it. tune sets the options the caller decides (pacing).
func (o *endpointOptions) connect(e *env, t *target, tune func(*genuin.Options)) (*connection, error) {
	opts := genuin.Options{Endpoint: t.id, OnSecret: e.addSecret, UserAgent: readBuildInfo().userAgent()}
	tune(&opts)
	if err := o.credentials(e, &opts, t.sandbox != nil); err != nil {
		return nil, withCode(exitError, err)
	}
	conn := &connection{close: func() error { return nil }}
	if t.sandbox != nil {
		url, closeFn, err := serveEmbedded(t.sandbox)
		if err != nil {
			return nil, withCode(exitError, fmt.Errorf("embedded sandbox: %w", err))
		}
		opts.Endpoint, conn.close = url, closeFn
	}
	c, err := genuin.New(opts)
	if err != nil {
		_ = conn.close()
		return nil, withCode(exitError, err)
	}
	conn.client = c
	// An API key and secret are exchanged now, so that credentials the API
	// refuses are reported before the plan is shown, not after "yes".
	if opts.Token == "" {
		if err := c.Authenticate(context.Background()); err != nil {
			_ = conn.close()
			return nil, withCode(exitError, fmt.Errorf("exchanging GENUIN_API_KEY and GENUIN_API_SECRET for a token: %w", err))
		}
	}
	return conn, nil
}

// serveEmbedded serves the embedded sandbox on a loopback port; closing stops it
// and saves its state.
func serveEmbedded(srv *sandbox.Server) (url string, closeFn func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Shutdown
	closeFn = func() error {
		if err := hs.Shutdown(context.Background()); err != nil {
			return err
		}
		return srv.Save()
	}
	return "http://" + ln.Addr().String(), closeFn, nil
}

// readToken reads the --token-file once, and tells the redactor of it
// before anything else is read: a command must know every secret before
// it can print one, even quoted from a spec file.
func (o *endpointOptions) readToken(e *env) (string, error) {
	if o.tokenFile == "" || o.token != "" {
		return o.token, nil
	}
	data, err := readLimited(o.tokenFile, maxTokenFile)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	token := strings.TrimSpace(string(data))
	e.secrets.Add(token)
	switch {
	case token == "":
		return "", fmt.Errorf("--token-file %s is empty", o.tokenFile)
	case strings.IndexFunc(token, unicode.IsControl) >= 0 || !utf8.ValidString(token):
		return "", fmt.Errorf("--token-file %s holds control characters or invalid UTF-8: a token is one line of text", o.tokenFile)
	}
	o.token = token
	return token, nil
}

// credentials fills the token, or the key and secret, from the token file
// or the environment; the embedded sandbox takes its seed's token when
// neither gives one. The token never comes from a flag value.
func (o *endpointOptions) credentials(e *env, opts *genuin.Options, embedded bool) error {
	if o.tokenFile != "" {
		token, err := o.readToken(e)
		opts.Token = token
		return err
	}
	opts.Token = e.getenv("GENUIN_TOKEN")
	if embedded && opts.Token == "" {
		opts.Token = sandbox.DefaultToken
		return nil
	}
	opts.APIKey, opts.APISecret = e.getenv("GENUIN_API_KEY"), e.getenv("GENUIN_API_SECRET")
	if opts.Token == "" && (opts.APIKey == "" || opts.APISecret == "") {
		return errors.New("no credentials: set GENUIN_TOKEN, or GENUIN_API_KEY and GENUIN_API_SECRET, or pass --token-file FILE")
	}
	return nil
}
