package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/internal/sandbox"
)

// embeddedSandbox is the --endpoint value that runs the emulator in-process.
const embeddedSandbox = "sandbox"

// endpointOptions select the API and the credentials for it.
type endpointOptions struct {
	endpoint    string
	tokenFile   string
	sandboxData string
}

func (o *endpointOptions) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.endpoint, "endpoint", "",
		`API base URL (default $GENUIN_ENDPOINT); "sandbox" runs the embedded emulator`)
	cmd.Flags().StringVar(&o.tokenFile, "token-file", "",
		"file holding the gn-access-token (default $GENUIN_TOKEN, or $GENUIN_API_KEY + $GENUIN_API_SECRET)")
	cmd.Flags().StringVar(&o.sandboxData, "sandbox-data", "genuin-sandbox.json",
		"with --endpoint sandbox: the file keeping the emulator's state between runs")
}

// resolve returns the endpoint the command talks to.
func (o *endpointOptions) resolve(e *env) (string, error) {
	ep := o.endpoint
	if ep == "" {
		ep = e.getenv("GENUIN_ENDPOINT")
	}
	ep = strings.TrimRight(ep, "/")
	e.secrets.AddURL(ep)
	if ep == "" {
		return "", withCode(exitError, errors.New(`no API endpoint: set GENUIN_ENDPOINT or pass --endpoint URL ("--endpoint sandbox" runs the embedded emulator)`))
	}
	return ep, nil
}

// addSecret tells the redactor of a credential the client learned, such as
// a token exchanged at the auth endpoint.
func (e *env) addSecret(s string) { e.secrets.Add(s) }

// connection is a client and whatever must be closed after it.
type connection struct {
	client *genuin.Client
	close  func() error
}

// connect builds the API client for endpoint, starting the embedded
// sandbox on a loopback port when endpoint is "sandbox".
func (o *endpointOptions) connect(e *env, endpoint string) (*connection, error) {
	if endpoint == embeddedSandbox {
		return o.connectSandbox(e)
	}
	opts := genuin.Options{Endpoint: endpoint, OnSecret: e.addSecret}
	if err := o.credentials(e, &opts); err != nil {
		return nil, withCode(exitError, err)
	}
	c, err := genuin.New(opts)
	if err != nil {
		return nil, withCode(exitError, err)
	}
	return &connection{client: c, close: func() error { return nil }}, nil
}

// credentials fills the token, or the key and secret, from the token file
// or the environment. The token never comes from a flag value.
func (o *endpointOptions) credentials(e *env, opts *genuin.Options) error {
	if o.tokenFile != "" {
		data, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
		opts.Token = strings.TrimSpace(string(data))
		e.secrets.Add(opts.Token)
		if opts.Token == "" {
			return fmt.Errorf("--token-file %s is empty", o.tokenFile)
		}
		return nil
	}
	opts.Token = e.getenv("GENUIN_TOKEN")
	opts.APIKey, opts.APISecret = e.getenv("GENUIN_API_KEY"), e.getenv("GENUIN_API_SECRET")
	if opts.Token == "" && (opts.APIKey == "" || opts.APISecret == "") {
		return errors.New("no credentials: set GENUIN_TOKEN, or GENUIN_API_KEY and GENUIN_API_SECRET, or pass --token-file FILE")
	}
	return nil
}

// connectSandbox serves the emulator on a loopback port for this process
// only, so the client speaks real HTTP to it.
func (o *endpointOptions) connectSandbox(e *env) (*connection, error) {
	srv, err := sandbox.New(sandbox.Config{DataFile: o.sandboxData})
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("embedded sandbox: %w", err))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("embedded sandbox: %w", err))
	}
	httpSrv := &http.Server{Handler: srv}
	go httpSrv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Shutdown
	opts := genuin.Options{Endpoint: "http://" + ln.Addr().String(), OnSecret: e.addSecret}
	if o.tokenFile != "" || e.getenv("GENUIN_TOKEN") != "" {
		if err := o.credentials(e, &opts); err != nil {
			return nil, withCode(exitError, err)
		}
	} else {
		opts.Token = sandbox.DefaultToken
	}
	c, err := genuin.New(opts)
	if err != nil {
		return nil, withCode(exitError, err)
	}
	closeFn := func() error {
		if err := httpSrv.Shutdown(context.Background()); err != nil {
			return err
		}
		return srv.Save()
	}
	return &connection{client: c, close: closeFn}, nil
}
