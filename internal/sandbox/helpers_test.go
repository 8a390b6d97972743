package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// harness is a Server behind a real HTTP listener.
type harness struct {
	t   testing.TB
	s   *Server
	url string
}

func newHarness(t testing.TB, cfg Config) *harness {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &harness{t: t, s: s, url: ts.URL}
}

// result is a decoded response.
type result struct {
	status int
	header http.Header
	raw    []byte
	env    struct {
		Code    any             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
}

// code returns the envelope code as a string ("200", "5216"); "" for {}.
func (r *result) code() string {
	switch c := r.env.Code.(type) {
	case float64:
		return json.Number(jsonString(c)).String()
	case string:
		return c
	}
	return ""
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// data decodes the envelope's data into v.
func (r *result) data(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.env.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.env.Data, err)
	}
}

func (h *harness) do(method, path, token, body string) *result {
	h.t.Helper()
	r, err := h.try(method, path, token, body)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (h *harness) try(method, path, token, body string) (*result, error) {
	req, err := http.NewRequest(method, h.url+path, bytes.NewBufferString(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := &result{status: resp.StatusCode, header: resp.Header}
	if r.raw, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(r.raw, &r.env); err != nil {
		h.t.Fatalf("%s %s: response is not JSON: %q", method, path, r.raw)
	}
	return r, nil
}

// post sends body with the default token.
func (h *harness) post(path, body string) *result {
	h.t.Helper()
	return h.do(http.MethodPost, path, DefaultToken, body)
}

func (h *harness) patch(chatID, body string) *result {
	h.t.Helper()
	return h.do(http.MethodPatch, updatePrefix+chatID, DefaultToken, body)
}

// want checks status and code ("" = bare {} body).
func (r *result) want(t testing.TB, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("got %d code %q (%s, reason %q), want %d code %q",
			r.status, r.code(), bytes.TrimSpace(r.raw), r.header.Get(ReasonHeader), status, code)
	}
	if code == "" && string(bytes.TrimSpace(r.raw)) != "{}" {
		t.Fatalf("body %s, want a bare {}", r.raw)
	}
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	pathCommunity = "/api/thirdparty/community/create"
	pathGroup     = "/api/thirdparty/group/create"
	pathAuth      = "/api/thirdparty/auth"
	techCommunity = "f2a05adb-93ce-4a19-b003-3523fa745667"
	userB12       = "b12f13af-ef5a-4906-b0a0-2995e106200d"
	userABCD      = "abcd1234-5678-90ef-1112-234567890111"
)

// createGroup creates a minimal group and returns its chat_id.
func (h *harness) createGroup(members string) string {
	h.t.Helper()
	r := h.post(pathGroup, `{"type":4,"community_id":"`+techCommunity+`","group":{"name":"g","members":[`+members+`]}}`)
	r.want(h.t, 200, "200")
	var d struct {
		ChatID string `json:"chat_id"`
	}
	r.data(h.t, &d)
	return d.ChatID
}

func (h *harness) group(chatID string) Group {
	h.t.Helper()
	for _, g := range h.s.Snapshot().Groups {
		if g.ChatID == chatID {
			return g
		}
	}
	h.t.Fatalf("group %s not in the snapshot", chatID)
	return Group{}
}

// recorder is a minimal http.ResponseWriter for in-process calls.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

func newRequest(method, path, body string) *http.Request {
	req := httptest.NewRequest(method, path, bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	return req
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
