package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genuin/genuinctl/internal/sandbox"
)

func TestSandboxOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		o    sandboxOptions
		want string // substring of the error; "" = valid
	}{
		{"defaults", sandboxOptions{addr: "127.0.0.1:8600", duplicate: "idempotent"}, ""},
		{"bad addr", sandboxOptions{addr: "8600", duplicate: "idempotent"}, "--addr"},
		{"fail rate", sandboxOptions{addr: ":0", duplicate: "error", failRate: 1.5}, "--fail-rate"},
		{"lose rate", sandboxOptions{addr: ":0", duplicate: "error", loseRate: -1}, "--lose-rate"},
		{"rate limit", sandboxOptions{addr: ":0", duplicate: "error", rateLimit: -2}, "--rate-limit"},
		{"latency", sandboxOptions{addr: ":0", duplicate: "error", latency: -time.Second}, "--latency"},
		{"mode", sandboxOptions{addr: ":0", duplicate: "ignore"}, "--duplicate-chat-id"},
		{"seed", sandboxOptions{addr: ":0", duplicate: "error", seed: "no-such-seed.json"}, "--seed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, token, err := tt.o.config()
			if tt.want == "" {
				if err != nil || token != sandbox.DefaultToken {
					t.Fatalf("config() = %q, %v", token, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("config() error = %v, want one about %s", err, tt.want)
			}
		})
	}
}

// lockedBuffer is an io.Writer safe to read while the command writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSandboxCommand runs the command twice on one data file: the second
// run sees what the first created, and cancelling the context stops it.
func TestSandboxCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "state.json")
	for run, handle := range []string{"first_run", "second_run"} {
		out := &lockedBuffer{}
		e := &env{stdin: strings.NewReader(""), stdout: out, stderr: out, getenv: func(string) string { return "" }}
		cmd := newSandboxCmd(e)
		cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--data", data, "--token", "extra"})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- cmd.ExecuteContext(ctx) }()

		url := waitForURL(t, out)
		req, _ := http.NewRequest("POST", url+"/api/thirdparty/community/create",
			strings.NewReader(`{"handle":"`+handle+`","name":"x"}`))
		req.Header.Set("Authorization", "Bearer extra")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("create: %v %v", resp, err)
		}
		resp.Body.Close()
		resp, err = http.Get(url + "/_sandbox/state")
		if err != nil {
			t.Fatal(err)
		}
		var snap sandbox.Snapshot
		json.NewDecoder(resp.Body).Decode(&snap)
		resp.Body.Close()
		if len(snap.Communities) != 2+run {
			t.Errorf("run %d: %d communities, want %d", run, len(snap.Communities), 2+run)
		}

		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the sandbox did not stop on cancel")
		}
		if !strings.Contains(out.String(), "export GENUIN_ENDPOINT="+url+" GENUIN_TOKEN=extra") {
			t.Errorf("output:\n%s", out)
		}
	}
	if _, err := os.Stat(data); err != nil {
		t.Fatal(err)
	}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func waitForURL(t *testing.T, out *lockedBuffer) string {
	t.Helper()
	for range 200 {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no listening line in:\n%s", out)
	return ""
}
