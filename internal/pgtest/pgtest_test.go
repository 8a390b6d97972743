package pgtest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// connect logs in to url with password, as a client of the server would.
func connect(t *testing.T, url, password string) (*pgx.Conn, error) {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = password
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return pgx.ConnectConfig(ctx, cfg)
}

func TestServer(t *testing.T) {
	s := Require(t)
	t.Logf("%s, from %s, on port %d", s.Version, s.BinDir, s.Port)
	if !strings.HasPrefix(s.Version, "PostgreSQL ") {
		t.Errorf("Version = %q", s.Version)
	}
	if strings.Contains(s.URL(), s.Password) {
		t.Errorf("URL() holds the password: %s", s.URL())
	}
	conn, err := connect(t, s.URL(), s.Password)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	defer conn.Close(ctx)
	var user, database, fsync, syncCommit string
	err = conn.QueryRow(ctx, "SELECT current_user, current_database(), current_setting('fsync'), current_setting('synchronous_commit')").
		Scan(&user, &database, &fsync, &syncCommit)
	if err != nil {
		t.Fatal(err)
	}
	if user != "genuinctl" || database != "genuinctl" || fsync != "on" || syncCommit != "on" {
		t.Errorf("user %s, database %s, fsync %s, synchronous_commit %s; want genuinctl, genuinctl, on, on", user, database, fsync, syncCommit)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int); DROP TABLE t"); err != nil {
		t.Errorf("genuinctl cannot create tables in its database: %v", err)
	}
}

// TestEnv connects as a child process of the tests does: the URL, and the
// password from PGPASSWORD.
func TestEnv(t *testing.T) {
	s := Require(t)
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.URL("connect_timeout=10", "application_name=pgtest env"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var app string
	if err := conn.QueryRow(ctx, "SELECT current_setting('application_name')").Scan(&app); err != nil {
		t.Fatal(err)
	}
	if app != "pgtest env" {
		t.Errorf("application_name = %q, want the URL's %q", app, "pgtest env")
	}
}

func TestWrongPassword(t *testing.T) {
	s := Require(t)
	const wrong = "not-the-password-4711"
	_, err := connect(t, s.URL(), wrong)
	if err == nil {
		t.Fatal("a wrong password was accepted")
	}
	if !strings.Contains(err.Error(), "authentication") || strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q: want one about authentication, without the password", err)
	}
}

func TestNewDatabase(t *testing.T) {
	s := Require(t)
	var url string
	t.Run("sub/test", func(t *testing.T) {
		url = s.NewDatabase(t)
		conn, err := connect(t, url, s.Password)
		if err != nil {
			t.Fatal(err)
		}
		// The connection stays open: the drop must terminate it.
		if _, err := conn.Exec(context.Background(), "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	name := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	if !strings.HasPrefix(name, "t") || !strings.HasSuffix(name, "_testnewdatabase_sub_test") {
		t.Errorf("database name %q", name)
	}
	conn, err := s.AdminConn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s survives its test", name)
	}
}

func TestURL(t *testing.T) {
	s := &Server{Host: "127.0.0.1", Port: 5433, User: "genuinctl", Password: "secret", Database: "genuinctl"}
	got := s.URL("connect_timeout=5", "application_name=a b&c")
	want := "postgres://genuinctl@127.0.0.1:5433/genuinctl?sslmode=disable&connect_timeout=5&application_name=a%20b%26c"
	if got != want {
		t.Errorf("URL() =\n%s\nwant\n%s", got, want)
	}
}

// TestStartStop starts a server of its own: Stop ends it and removes its
// directory.
func TestStartStop(t *testing.T) {
	Require(t) // skips where no server can start
	start := time.Now()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %v", time.Since(start))
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Stop, %s: %v", s.dir, err)
	}
	if _, err := connect(t, s.URL(), s.Password); err == nil {
		t.Error("the server still answers after Stop")
	}
}
