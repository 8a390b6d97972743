// Package pgtest starts throwaway PostgreSQL servers for tests, from the
// server binaries installed on the machine (Debian's postgresql package;
// .ci/run installs it in CI).
//
// A test binary normally shares one server: tests call Require, which starts
// it on first use, and the package's TestMain must stop it:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pgtest.StopShared()
//		os.Exit(code)
//	}
//
// Each test then takes a database of its own with NewDatabase. Clients log in
// as role genuinctl over loopback TCP with a URL, which never holds the
// password, and the password in PGPASSWORD (Env), as the genuinctl command
// requires.
//
// A server lives in a directory genuinctl-pgtest-* under os.TempDir() (data,
// socket, log). Should the test process end without stopping it (killed, or
// go test's -timeout), a watchdog started with the server stops it and
// removes the directory about a second later.
package pgtest

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	adminUser   = "genuinctl_admin" // the superuser initdb creates
	appUser     = "genuinctl"       // the login role clients use
	appDatabase = "genuinctl"       // the database appUser owns
	loopback    = "127.0.0.1"
	timeout     = 30 * time.Second // for each SQL step of Start and NewDatabase
)

// Server is a running PostgreSQL server. Its fields describe it and must
// not be changed.
type Server struct {
	// Host is the loopback address the server listens on, 127.0.0.1.
	Host string
	// Port is the server's TCP port.
	Port int
	// User is the login role for clients, genuinctl.
	User string
	// Password is User's password (scram-sha-256).
	Password string
	// Database is the database User owns, genuinctl.
	Database string
	// Version is the server's SELECT version(), e.g. "PostgreSQL 15.18
	// (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, ...".
	Version string
	// BinDir is the directory of the server binaries (initdb, pg_ctl,
	// postgres) the server runs from.
	BinDir string

	dir           string    // the temporary directory holding everything
	adminPassword string    // adminUser's password
	runAs         string    // "postgres" when running as root, else ""
	watchdog      *exec.Cmd // stops the server should this process die
	databases     atomic.Int64
}

// Start initialises and starts a new server, with role genuinctl (a random
// password) owning database genuinctl. The caller stops it with Stop.
//
// As root (CI), initdb and pg_ctl run as the postgres system user through
// runuser, since PostgreSQL refuses to run as root.
func Start() (*Server, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "genuinctl-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{
		Host:          loopback,
		User:          appUser,
		Password:      rand.Text(),
		Database:      appDatabase,
		BinDir:        binDir,
		dir:           dir,
		adminPassword: rand.Text(),
	}
	if err := s.start(); err != nil {
		s.pgctl("stop", "-m", "immediate").Run() // in case it is up
		s.remove()
		return nil, err
	}
	return s, nil
}

func (s *Server) start() error {
	if err := s.initdb(); err != nil {
		return err
	}
	if err := s.launch(); err != nil {
		return err
	}
	return s.setup()
}

// initdb creates the cluster in s.dir/data, handing s.dir to the postgres
// user first when running as root.
func (s *Server) initdb() error {
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.adminPassword+"\n"), 0o600); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("pgtest: running as root, which PostgreSQL refuses, and no postgres user to run it as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{s.dir, pwfile} {
			if err := os.Chown(p, uid, gid); err != nil {
				return fmt.Errorf("pgtest: %w", err)
			}
		}
		s.runAs = "postgres"
	}
	// The local socket (in s.dir, mode 0700) trusts; TCP asks for passwords.
	// --no-sync skips only initdb's final flush of the new cluster: the
	// server itself runs with fsync and synchronous_commit on.
	out, err := s.command("initdb", "-D", s.dataDir(), "-U", adminUser, "--pwfile", pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	return nil
}

// launch starts the server on a free loopback port, retrying on a port
// clash, and then the watchdog.
func (s *Server) launch() error {
	var err error
	for range 3 {
		if s.Port, err = freePort(); err != nil {
			return err
		}
		os.Remove(s.logPath()) // so the log shows this attempt only
		opts := fmt.Sprintf("-c listen_addresses=%s -c port=%d -c unix_socket_directories='%s' -c max_connections=200 -c fsync=on",
			loopback, s.Port, s.dir)
		out, startErr := s.pgctl("start", "-w", "-l", s.logPath(), "-o", opts).CombinedOutput()
		if startErr == nil {
			return s.startWatchdog()
		}
		log := s.logTail()
		err = fmt.Errorf("pgtest: pg_ctl start (port %d): %v\n%s\nserver log (end):\n%s", s.Port, startErr, out, log)
		if !strings.Contains(log, "already in use") {
			break
		}
	}
	return err
}

// watchdogScript waits for the test process ($1) to end, then runs the
// stop command ($3...) and removes the server's directory ($2). It ignores
// the terminal's signals so that it outlives an interrupted go test.
const watchdogScript = `pid=$1 dir=$2; shift 2
trap '' HUP INT TERM
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
"$@" >/dev/null 2>&1
rm -rf "$dir"`

func (s *Server) startWatchdog() error {
	stop := s.pgctl("stop", "-m", "immediate")
	args := append([]string{"-c", watchdogScript, "pgtest-watchdog", strconv.Itoa(os.Getpid()), s.dir, stop.Path}, stop.Args[1:]...)
	s.watchdog = exec.Command("/bin/sh", args...)
	if err := s.watchdog.Start(); err != nil {
		return fmt.Errorf("pgtest: starting the watchdog: %w", err)
	}
	return nil
}

// setup reads the version and creates role and database genuinctl.
func (s *Server) setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := s.AdminConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&s.Version); err != nil {
		return fmt.Errorf("pgtest: SELECT version(): %w", err)
	}
	// rand.Text is base32: the password needs no quoting.
	if _, err := conn.Exec(ctx, "CREATE ROLE "+appUser+" LOGIN PASSWORD '"+s.Password+"'"); err != nil {
		return fmt.Errorf("pgtest: creating role %s: %w", appUser, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+appDatabase+" OWNER "+appUser); err != nil {
		return fmt.Errorf("pgtest: creating database %s: %w", appDatabase, err)
	}
	return nil
}

// Stop stops the server (pg_ctl stop -m fast) and removes its directory.
func (s *Server) Stop() error {
	if out, err := s.pgctl("stop", "-m", "fast", "-w").CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
	}
	return s.remove()
}

// remove ends the watchdog, if any, and removes the server's directory.
func (s *Server) remove() error {
	if s.watchdog != nil {
		s.watchdog.Process.Kill()
		s.watchdog.Wait()
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// URL is the URL of database genuinctl for role genuinctl, without the
// password (see Env): postgres://genuinctl@127.0.0.1:PORT/genuinctl?sslmode=disable,
// followed by params, each "key=value".
func (s *Server) URL(params ...string) string {
	return s.url(s.Database, params)
}

func (s *Server) url(database string, params []string) string {
	query := "sslmode=disable"
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		query += "&" + queryEscape(k) + "=" + queryEscape(v)
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(s.User),
		Host:     net.JoinHostPort(s.Host, strconv.Itoa(s.Port)),
		Path:     "/" + database,
		RawQuery: query,
	}
	return u.String()
}

// queryEscape escapes a URL query's key or value, a space as %20 (libpq,
// like pgx, takes '+' literally).
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// Env is the environment a client process needs besides a URL:
// PGPASSWORD=Password.
func (s *Server) Env() []string {
	return []string{"PGPASSWORD=" + s.Password}
}

// NewDatabase creates a database of its own for tb, owned by role
// genuinctl, and returns its URL (without the password, as URL). The
// database is dropped when tb ends, its sessions terminated first.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t%d_%s", s.databases.Add(1), strings.Map(identChar, strings.ToLower(tb.Name())))
	name = name[:min(len(name), 63)] // PostgreSQL's limit
	ident := pgx.Identifier{name}.Sanitize()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.Exec(ctx, "CREATE DATABASE "+ident+" OWNER "+appUser); err != nil {
		tb.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := s.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: dropping database %s: %v", name, err)
		}
	})
	return s.url(name, nil)
}

// identChar keeps r in a database name if it is a lowercase letter or a
// digit, else replaces it by '_'.
func identChar(r rune) rune {
	if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
		return r
	}
	return '_'
}

// AdminConn connects to the server's postgres database as the superuser
// over loopback TCP, for tests that inspect sessions or terminate them
// (SELECT pg_terminate_backend(pid)). The caller closes the connection.
func (s *Server) AdminConn(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable", s.Host, s.Port, adminUser))
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	cfg.Password = s.adminPassword
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgtest: connecting as %s: %w", adminUser, err)
	}
	return conn, nil
}

// Exec runs sql with args as the superuser (see AdminConn), on a
// connection of its own.
func (s *Server) Exec(ctx context.Context, sql string, args ...any) error {
	conn, err := s.AdminConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

var shared struct {
	mu      sync.Mutex
	started bool
	server  *Server
	err     error
}

// Shared returns the test binary's shared server, starting it on the first
// call; a failed start is reported by every call. TestMain stops it with
// StopShared.
func Shared() (*Server, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.started {
		shared.started = true
		shared.server, shared.err = Start()
	}
	return shared.server, shared.err
}

// Require returns the shared server (see Shared). When it cannot start, tb
// fails under CI (CI=true) and is skipped elsewhere, with the reason.
func Require(tb testing.TB) *Server {
	tb.Helper()
	s, err := Shared()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL for tests: %v", err)
		}
		tb.Skipf("no PostgreSQL for tests (CI=true makes this a failure): %v", err)
	}
	return s
}

// StopShared stops the shared server if it was started; a test binary's
// TestMain calls it after m.Run. Errors go to standard error. Shared fails
// afterwards.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.server != nil {
		if err := shared.server.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	shared.started, shared.server = true, nil
	shared.err = errors.New("pgtest: the shared server was stopped")
}

// findBinDir finds the server binaries: the newest of Debian's
// /usr/lib/postgresql/*/bin, else pg_config --bindir, else initdb's
// directory on PATH.
func findBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Compare(major(b), major(a)) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); hasServer(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && hasServer(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", errors.New("pgtest: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin, pg_config --bindir or on PATH; install the postgresql package")
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// command runs one of the server binaries in s.dir, as the postgres user
// when running as root.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.BinDir, name)
	var cmd *exec.Cmd
	if s.runAs != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.dir
	return cmd
}

func (s *Server) pgctl(args ...string) *exec.Cmd {
	return s.command("pg_ctl", append([]string{"-D", s.dataDir()}, args...)...)
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *Server) logPath() string { return filepath.Join(s.dir, "server.log") }

// logTail is the end of the server log, for errors.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", loopback+":0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
