package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/internal/sandbox"
)

// sandboxOptions are the flags of "genuinctl sandbox".
type sandboxOptions struct {
	addr      string
	token     string
	data      string
	seed      string
	faultSeed int64
	latency   time.Duration
	jitter    time.Duration
	failRate  float64
	loseRate  float64
	rateLimit float64
	duplicate string
}

func newSandboxCmd(e *env) *cobra.Command {
	o := &sandboxOptions{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local emulator of the Genuin API",
		Long: `sandbox serves a local emulator of Genuin's third-party API, for trying
genuinctl and testing clients without an account. It emulates, as documented:

  POST  /api/thirdparty/auth                          api_key + api_secret -> gn-access-token header
  POST  /api/thirdparty/community/create
  POST  /api/thirdparty/group/create
  PATCH /api/thirdparty/update_conversation/{chat_id}

with the documented {code, message, data} envelope, status codes and error
codes (401/5159 bad token, 404/5220 unknown category, 500/5216 duplicate
handle, 500/5026 unknown video, 500/5158 unknown chat, ...). It starts from a
seed (users, categories, videos, templates, tokens) that holds every id the
docs' examples use, so those examples work verbatim; --seed FILE replaces it.

Two read-only, unauthenticated endpoints show what the platform holds, so a
test checks the server's state rather than what the client believes:

  GET /_sandbox/state     communities, groups, members, subscribers, users, counters
  GET /_sandbox/requests  the request log (method, path, status, code and the
                          JSON body received; never the token, nor auth's body)

Users subscribe to a group only through the app: the API cannot add a
subscriber. To try subscribers_removed, a test fixture (no part of the
Genuin API) adds one:

  POST /_sandbox/subscribe  {"chat_id": "...", "user_id": "..."}

With --data FILE the state survives restarts (saved atomically after each
change). Faults exercise a client's retries: --latency/--jitter, --fail-rate
(503 before doing anything), --lose-rate (the change is applied, then the
connection is dropped unanswered), --rate-limit (429 with Retry-After); the
same --fault-seed gives the same faults.

Example:
  genuinctl sandbox --data sandbox.json &
  curl -s -X POST http://127.0.0.1:8600/api/thirdparty/community/create \
    -H 'Authorization: Bearer sandbox-token' \
    -d '{"handle":"my_community","name":"My Community"}'
  curl -s http://127.0.0.1:8600/_sandbox/state

"genuinctl sandbox users" lists the seeded users: their user_ids are the
ones a spec can add as members. A phone number the sandbox does not know
gets a new placeholder user, as on the real platform.

It runs until interrupted (Ctrl-C), then saves its state and exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, token, err := o.config()
			if err != nil {
				return withCode(exitError, err)
			}
			ctx, stop := e.interruptible(cmd.Context())
			defer stop()
			return runSandbox(ctx, e, o.addr, token, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8600", "listen address HOST:PORT (port 0 picks a free one)")
	f.StringVar(&o.token, "token", "", "an extra accepted bearer token (default: the seed's token, "+sandbox.DefaultToken+")")
	f.StringVar(&o.data, "data", "", "state file kept across restarts (default: memory only)")
	f.StringVar(&o.seed, "seed", "", "seed JSON file: users, categories, videos, templates, api keys, tokens (default: built in)")
	f.Int64Var(&o.faultSeed, "fault-seed", 1, "seed of the random faults: the same seed gives the same faults")
	f.DurationVar(&o.latency, "latency", 0, "delay added to every API request")
	f.DurationVar(&o.jitter, "jitter", 0, "random extra delay, up to this much")
	f.Float64Var(&o.failRate, "fail-rate", 0, "probability in [0,1] of a 503 before anything is done")
	f.Float64Var(&o.loseRate, "lose-rate", 0, "probability in [0,1] of applying a request, then dropping the connection")
	f.Float64Var(&o.rateLimit, "rate-limit", 0, "requests per second admitted; more get 429 (0 = no limit)")
	f.StringVar(&o.duplicate, "duplicate-chat-id", "idempotent",
		"a group create with a known chat_id: idempotent (200, existing group) or error (400/1099)")
	cmd.AddCommand(newSandboxUsersCmd(e))
	return cmd
}

func newSandboxUsersCmd(e *env) *cobra.Command {
	var seedFile string
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List the users the sandbox is seeded with, to add as members",
		Long: `users lists the users the sandbox starts with (the built-in seed, or
--seed FILE): their user_ids are the ones a spec can add as members of a
group, against the sandbox (an unknown user_id is refused). Phone numbers
are not listed: a spec may add any phone number, and one the sandbox does
not know gets a new placeholder user, as on the real platform.`,
		Example: `  genuinctl sandbox users
  genuinctl sandbox users --seed my-seed.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			seed := sandbox.DefaultSeed()
			if seedFile != "" {
				var err error
				if seed, err = sandbox.LoadSeed(seedFile); err != nil {
					return withCode(exitError, fmt.Errorf("--seed: %w", err))
				}
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USER_ID\tUSERNAME\tNAME")
			for _, u := range seed.Users {
				name := u.Name
				if u.IsBrandSystemUser {
					name += " (the brand system user: leads every community the default token creates)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", u.UserID, u.Username, name)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&seedFile, "seed", "", "seed JSON file to list instead of the built-in one")
	return cmd
}

// config validates the options, reporting every problem at once, and
// returns the sandbox configuration and the token to advertise.
func (o *sandboxOptions) config() (sandbox.Config, string, error) {
	var errs []error
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8600", o.addr))
	}
	for _, r := range []struct {
		flag string
		v    float64
	}{{"--fail-rate", o.failRate}, {"--lose-rate", o.loseRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			errs = append(errs, fmt.Errorf("%s %v: want a probability between 0 and 1", r.flag, r.v))
		}
	}
	if !(o.rateLimit >= 0) {
		errs = append(errs, fmt.Errorf("--rate-limit %v: want requests per second, 0 or more", o.rateLimit))
	}
	if o.latency < 0 || o.jitter < 0 {
		errs = append(errs, errors.New("--latency and --jitter must not be negative"))
	}
	mode, err := sandbox.ParseDuplicateMode(o.duplicate)
	if err != nil {
		errs = append(errs, fmt.Errorf("--duplicate-chat-id: %w", err))
	}
	seed := sandbox.DefaultSeed()
	if o.seed != "" {
		if seed, err = sandbox.LoadSeed(o.seed); err != nil {
			errs = append(errs, fmt.Errorf("--seed: %w", err))
		}
	}
	if len(errs) > 0 {
		return sandbox.Config{}, "", errors.Join(errs...)
	}
	cfg := sandbox.Config{
		DataFile:        o.data,
		Seed:            seed,
		DuplicateChatID: mode,
		Faults: sandbox.Faults{
			Latency: o.latency, Jitter: o.jitter, FailRate: o.failRate, LoseRate: o.loseRate,
			RateLimit: o.rateLimit, Seed: o.faultSeed,
		},
	}
	token := o.token
	if token != "" {
		cfg.Tokens = []string{token}
	} else if len(seed.Tokens) > 0 {
		token = seed.Tokens[0].Token
	}
	return cfg, token, nil
}

// runSandbox serves until ctx is cancelled, then shuts down and saves.
func runSandbox(ctx context.Context, e *env, addr, token string, cfg sandbox.Config) error {
	srv, err := sandbox.New(cfg)
	if err != nil {
		return withCode(exitError, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return withCode(exitError, fmt.Errorf("sandbox: %w", err))
	}
	url, everywhere := clientURL(addr, ln.Addr())
	if everywhere {
		fmt.Fprintf(e.stdout, "Genuin sandbox listening on %s, and on every other interface (%s)\n", url, addr)
		fmt.Fprintf(e.stderr, "warning: listening on all interfaces (%s): other machines can reach the sandbox; genuinctl itself speaks plain http only to loopback, so use %s here\n", addr, url)
	} else {
		fmt.Fprintf(e.stdout, "Genuin sandbox listening on %s\n", url)
	}
	fmt.Fprintf(e.stdout, "export GENUIN_ENDPOINT=%s GENUIN_TOKEN=%s\n", url, token)
	if cfg.DataFile != "" {
		fmt.Fprintf(e.stdout, "state file: %s\n", cfg.DataFile)
	}

	e.flush() // the address is needed while the server runs
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("sandbox: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		fmt.Fprintf(e.stderr, "warning: sandbox shutdown: %v\n", err)
	}
	if err := srv.Save(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Genuin sandbox stopped")
	return nil
}

// clientURL is the URL a client on this machine uses for a listener asked
// for at addr. One on all interfaces (no host, 0.0.0.0 or ::) is reached
// through loopback, the only host genuinctl speaks plain http to;
// everywhere says so.
func clientURL(addr string, bound net.Addr) (url string, everywhere bool) {
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	if host != "" && !ip.IsUnspecified() {
		return "http://" + bound.String(), false
	}
	_, port, _ := net.SplitHostPort(bound.String())
	loopback := "127.0.0.1"
	if ip != nil && ip.To4() == nil {
		loopback = "::1"
	}
	return "http://" + net.JoinHostPort(loopback, port), true
}
