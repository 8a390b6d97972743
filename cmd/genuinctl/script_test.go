package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/genuin/genuinctl/internal/pgtest"
	"github.com/genuin/genuinctl/internal/sandbox"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// binDir holds the genuinctl binary the scripts run, built once by TestMain.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "genuinctl-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "genuinctl"), ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building genuinctl:", err)
		os.Exit(1)
	}
	code := m.Run()
	pgtest.StopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestScripts runs testdata/script/*.txtar: each drives the real genuinctl
// binary against a sandbox served over loopback and checks the sandbox's
// own state, not the lockfile's beliefs. Every script runs three times:
// with apply one change at a time, 32 at a time (a script's own
// --parallelism, given after, wins), and 32 at a time with the state in
// PostgreSQL: $GENUIN_STATE names a project of its own in a database of
// the test server, and the condition [pgstate] holds (a script that reads
// the lockfile's files skips that run, saying why, or runs it apart).
func TestScripts(t *testing.T) {
	for _, parallelism := range []int{1, 32} {
		t.Run(fmt.Sprintf("parallelism=%d", parallelism), func(t *testing.T) {
			runScripts(t, applyWrapper(t, parallelism), nil)
		})
	}
	t.Run("state=postgres", func(t *testing.T) {
		srv := pgtest.Require(t)
		runScripts(t, applyWrapper(t, 32), &scriptState{srv: srv, url: srv.NewDatabase(t)})
	})
}

// scriptState is the PostgreSQL state the scripts of a run share, each in
// a project of its own.
type scriptState struct {
	srv      *pgtest.Server
	url      string
	projects atomic.Int64
}

// setup gives a script its project, and the password in PGPASSWORD.
func (s *scriptState) setup(e *testscript.Env) {
	e.Setenv("GENUIN_STATE", fmt.Sprintf("%s&project=script-%d", s.url, s.projects.Add(1)))
	for _, kv := range s.srv.Env() {
		name, value, _ := strings.Cut(kv, "=")
		e.Setenv(name, value)
	}
}

// applyWrapper writes a genuinctl that runs the real one, adding
// --parallelism to apply, and returns its directory.
func applyWrapper(t *testing.T, parallelism int) string {
	t.Helper()
	dir := t.TempDir()
	script := fmt.Sprintf(`#!/bin/sh
if [ "$1" = apply ]; then shift; exec %q apply --parallelism %d "$@"; fi
exec %q "$@"
`, filepath.Join(binDir, "genuinctl"), parallelism, filepath.Join(binDir, "genuinctl"))
	if err := os.WriteFile(filepath.Join(dir, "genuinctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runScripts(t *testing.T, bin string, state *scriptState) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			e.Setenv("PATH", bin+string(os.PathListSeparator)+e.Getenv("PATH"))
			e.Setenv("REPO", root)
			e.Setenv("NO_COLOR", "1")
			if state != nil {
				state.setup(e)
			}
			e.Values[faultsKey{}] = newScriptedFaults()
			e.Values[transcriptKey{}] = &bytes.Buffer{}
			given := contents(e.T(), e.WorkDir)
			e.Defer(func() { checkNoSecrets(e, given) })
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "pgstate" {
				return state != nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sandbox": cmdSandbox,
			"exit":    cmdExit,
			"chatid":  cmdChatID,
			"fault":   cmdFault,
			"serve":   cmdServe,
			"cmpjson": cmdCmpJSON,
		},
	})
}

// cmdSandbox is the script command for the test server:
//
//	sandbox start [-duplicate-chat-id MODE] [-lose-rate P] [-fail-rate P] [-fault-seed N] [-latency D]
//	sandbox state     print the server's communities, groups and members
//	sandbox requests  print how many API requests the server received
//	sandbox agents    print the User-Agent headers it received, one a line
//	sandbox await N   wait (10s at most) until it has received N requests
//	sandbox subscribe CHAT_ID USER_ID
//	                  make a user a subscriber of a group, through the
//	                  sandbox's test fixture (the API has no way to)
//	sandbox body PATH print the JSON body of the last request to PATH (or,
//	                  for a PATH ending in '/', below it) the server read
func cmdSandbox(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: sandbox start|state|requests|agents|await N|subscribe CHAT_ID USER_ID|body PATH")
	}
	switch args[0] {
	case "start":
		startSandbox(ts, args[1:])
	case "state":
		var snap sandbox.Snapshot
		getJSON(ts, "/_sandbox/state", &snap)
		ts.Stdout().Write([]byte(describe(snap)))
	case "requests":
		fmt.Fprintf(ts.Stdout(), "requests %d\n", requestCount(ts))
	case "agents":
		for _, a := range ts.Value(faultsKey{}).(*scriptedFaults).userAgents() {
			fmt.Fprintln(ts.Stdout(), a)
		}
	case "await":
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		for deadline := time.Now().Add(10 * time.Second); requestCount(ts) < want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				ts.Fatalf("sandbox await: fewer than %d requests after 10s", want)
			}
		}
	case "subscribe":
		if len(args) != 3 {
			ts.Fatalf("usage: sandbox subscribe CHAT_ID USER_ID")
		}
		body, _ := json.Marshal(map[string]string{"chat_id": args[1], "user_id": args[2]})
		client := &http.Client{Timeout: 10 * time.Second}
		resp, err := client.Post(ts.Getenv("GENUIN_ENDPOINT")+"/_sandbox/subscribe", "application/json", bytes.NewReader(body))
		ts.Check(err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			ts.Fatalf("sandbox subscribe %s %s: %s (%s)", args[1], args[2], resp.Status, resp.Header.Get(sandbox.ReasonHeader))
		}
	case "body":
		if len(args) != 2 {
			ts.Fatalf("usage: sandbox body PATH")
		}
		var log []sandbox.RequestRecord
		getJSON(ts, "/_sandbox/requests", &log)
		for i := len(log) - 1; i >= 0; i-- {
			r := log[i]
			if r.Path == args[1] || strings.HasSuffix(args[1], "/") && strings.HasPrefix(r.Path, args[1]) {
				if r.Body == nil {
					ts.Fatalf("sandbox body: the last request to %s has no body in the log", args[1])
				}
				var out bytes.Buffer
				ts.Check(json.Indent(&out, r.Body, "", "  "))
				out.WriteByte('\n')
				ts.Stdout().Write(out.Bytes())
				return
			}
		}
		ts.Fatalf("sandbox body: no request to %s", args[1])
	default:
		ts.Fatalf("sandbox: unknown subcommand %q", args[0])
	}
}

// cmdCmpJSON compares two files (or stdout/stderr) as JSON values: the
// same fields, values and JSON types, whatever the layout and key order.
//
//	cmpjson FILE1 FILE2
func cmdCmpJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmpjson FILE1 FILE2")
	}
	canonical := func(name string) string {
		dec := json.NewDecoder(strings.NewReader(ts.ReadFile(name)))
		dec.UseNumber() // 1 and 1.0 differ, as JSON types do
		var v any
		if err := dec.Decode(&v); err != nil {
			ts.Fatalf("cmpjson: %s: %v", name, err)
		}
		out, err := json.MarshalIndent(v, "", "  ") // maps: keys sorted
		ts.Check(err)
		return string(out)
	}
	a, b := canonical(args[0]), canonical(args[1])
	switch {
	case a == b && neg:
		ts.Fatalf("%s and %s are the same JSON", args[0], args[1])
	case a != b && !neg:
		ts.Logf("%s:\n%s\n%s:\n%s", args[0], a, args[1], b)
		ts.Fatalf("%s and %s differ as JSON", args[0], args[1])
	}
}

// cmdExit runs a program and checks its exit code, keeping its output for
// stdout and stderr assertions:
//
//	exit CODE PROGRAM [ARGS...]
func cmdExit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exit CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	transcript := ts.Value(transcriptKey{}).(*bytes.Buffer)
	transcript.WriteString(ts.ReadFile("stdout"))
	transcript.WriteString(ts.ReadFile("stderr"))
	checkNoPhones(ts, args[1:])
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// transcriptKey keys the output of every command a script ran with exit.
type transcriptKey struct{}

// scriptSecrets are the credentials the scripts use: no output and no file
// genuinctl writes may contain them.
var scriptSecrets = []string{sandbox.DefaultToken, sandbox.DefaultAPISecret, "not-the-right-secret-token", "q-secret-123456"}

// contents maps each file below dir to its content.
func contents(t testscript.T, dir string) map[string]string {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// checkNoSecrets fails the script when a credential appears in the output
// of a command it ran with exit, or in a file it did not start with (or
// copy from one it started with, such as a token file).
func checkNoSecrets(e *testscript.Env, given map[string]string) {
	texts := map[string]string{"the output of genuinctl": e.Values[transcriptKey{}].(*bytes.Buffer).String()}
	fromArchive := map[string]bool{}
	for _, content := range given {
		fromArchive[content] = true
	}
	for path, content := range contents(e.T(), e.WorkDir) {
		// The embedded sandbox's data file holds the tokens of its seed:
		// they are the sandbox's public test tokens, not credentials.
		if filepath.Base(path) == sandboxDataName {
			continue
		}
		if !fromArchive[content] {
			texts[path] = content
		}
	}
	for where, text := range texts {
		for _, secret := range scriptSecrets {
			if strings.Contains(text, secret) {
				e.T().Fatal(fmt.Sprintf("%s contains the credential %q", where, secret))
			}
		}
	}
}

// cmdChatID reads a group's chat_id into a variable from spec/genuin.lock,
// the lockfile of "-f spec", or from the state $GENUIN_STATE names:
//
//	chatid ADDRESS VAR
func cmdChatID(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: chatid ADDRESS VAR")
	}
	if ts.Getenv("GENUIN_STATE") != "" {
		ts.Check(ts.Exec("genuinctl", "state", "show", args[0]))
		var g struct {
			ChatID string `json:"chat_id"`
		}
		ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &g))
		ts.Setenv(args[1], g.ChatID)
		return
	}
	lf, err := lockfile.Load(ts.MkAbs("spec/genuin.lock"))
	ts.Check(err)
	if lf.State() == nil || lf.State().Groups[args[0]] == nil {
		ts.Fatalf("%s is not in the lockfile", args[0])
	}
	ts.Setenv(args[1], lf.State().Groups[args[0]].ChatID)
}

func startSandbox(ts *testscript.TestScript, args []string) {
	fs := flag.NewFlagSet("sandbox start", flag.ContinueOnError)
	dup := fs.String("duplicate-chat-id", "idempotent", "")
	lose := fs.Float64("lose-rate", 0, "")
	fail := fs.Float64("fail-rate", 0, "")
	seed := fs.Int64("fault-seed", 1, "")
	latency := fs.Duration("latency", 0, "")
	ts.Check(fs.Parse(args))
	mode, err := sandbox.ParseDuplicateMode(*dup)
	ts.Check(err)
	srv, err := sandbox.New(sandbox.Config{
		DuplicateChatID: mode,
		Faults:          sandbox.Faults{LoseRate: *lose, FailRate: *fail, Seed: *seed, Latency: *latency},
	})
	ts.Check(err)
	faults := ts.Value(faultsKey{}).(*scriptedFaults)
	faults.next = srv
	hs := httptest.NewServer(faults)
	ts.Defer(hs.Close)
	ts.Setenv("GENUIN_ENDPOINT", hs.URL)
	ts.Setenv("GENUIN_TOKEN", sandbox.DefaultToken)
}

func requestCount(ts *testscript.TestScript) int {
	var snap sandbox.Snapshot
	getJSON(ts, "/_sandbox/state", &snap)
	total := 0
	for _, c := range snap.Counters {
		total += c.Requests
	}
	return total
}

func getJSON(ts *testscript.TestScript, path string, v any) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(ts.Getenv("GENUIN_ENDPOINT") + path)
	ts.Check(err)
	defer resp.Body.Close()
	ts.Check(json.NewDecoder(resp.Body).Decode(v))
}

// describe renders the server state in a stable, readable form: random ids
// are left out, members are named by user id, or by phone for the avatar
// users a phone number creates.
func describe(snap sandbox.Snapshot) string {
	avatars := map[string]bool{}
	for _, u := range snap.Users {
		avatars[u.UserID] = u.IsAvatar
	}
	handles := map[string]string{}
	var lines []string
	for _, c := range snap.Communities {
		handles[c.CommunityID] = c.Handle
		lines = append(lines, fmt.Sprintf("community %s name=%q tags=%q", c.Handle, c.Name, c.Tags))
	}
	var groups []string
	for _, g := range snap.Groups {
		var b strings.Builder
		fmt.Fprintf(&b, "group %s/%s description=%q tags=%q topics=%v discoverable=%v type=%d\n",
			handles[g.CommunityID], g.Name, g.Description, g.Tags, g.Topics, g.Settings.Discoverable, g.Type)
		var members []string
		for _, m := range g.Members {
			who := "user " + m.UserID
			if avatars[m.UserID] {
				who = "phone " + m.Phone
			}
			members = append(members, "  member "+who+" role="+strconv.Itoa(m.Role))
		}
		for _, m := range g.Subscribers {
			members = append(members, "  subscriber user "+m.UserID)
		}
		sort.Strings(members)
		b.WriteString(strings.Join(members, "\n"))
		groups = append(groups, b.String())
	}
	sort.Strings(groups)
	return strings.Join(append(lines, groups...), "\n") + "\n"
}

// cmdServe runs "genuinctl ARGS" as a server until the script ends, when
// it is interrupted. It waits (10s at most) for the line announcing the
// server, "export VAR=VALUE...", sets those variables in the script, and
// gives what the server printed up to it as the command's stdout:
//
//	serve ARGS...
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: serve ARGS...")
	}
	cmd := exec.Command(filepath.Join(binDir, "genuinctl"), args...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.StdoutPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	ts.Defer(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				ts.Fatalf("serve: genuinctl %s ended before announcing itself", strings.Join(args, " "))
			}
			fmt.Fprintln(ts.Stdout(), line)
			if vars, ok := strings.CutPrefix(line, "export "); ok {
				for _, v := range strings.Fields(vars) {
					name, value, _ := strings.Cut(v, "=")
					ts.Setenv(name, value)
				}
				go func() { // keep reading, so the server never blocks on its output
					for range lines {
					}
				}()
				return
			}
		case <-timeout:
			ts.Fatalf("serve: no export line from genuinctl %s after 10s", strings.Join(args, " "))
		}
	}
}
