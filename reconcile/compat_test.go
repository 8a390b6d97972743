package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// The files under testdata/compat were written by the release before the
// field table (see testdata/compat/README.md) and must never be rewritten
// by a newer build: they pin what that release recorded and sent.
const (
	compatSpec     = "testdata/compat/spec.yaml"
	compatLockfile = "testdata/compat/lockfile-v1.json"
	compatRequests = "testdata/compat/requests.golden.json"
)

func loadCompatSpec(t testing.TB) *spec.Desired {
	t.Helper()
	d, err := spec.Load([]string{compatSpec})
	if err != nil {
		t.Fatalf("load %s: %v", compatSpec, err)
	}
	return d
}

func loadCompatState(t testing.TB) *lockfile.State {
	t.Helper()
	data, err := os.ReadFile(compatLockfile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := lockfile.Parse(compatLockfile, data)
	if err != nil {
		t.Fatalf("today's build must load a lockfile of the previous release: %v", err)
	}
	return st
}

// TestCompatLockfilePlansNoChanges: a lockfile written by the previous
// release, for the same spec, plans nothing at all: no update, no blocked
// create-only field, no orphan.
func TestCompatLockfilePlansNoChanges(t *testing.T) {
	st := loadCompatState(t)
	if st.FormatVersion != lockfile.FormatVersion {
		t.Fatalf("format_version %d; this fixture is format %d", st.FormatVersion, lockfile.FormatVersion)
	}
	p := Diff(loadCompatSpec(t), st, Options{})
	if len(p.Changes) != 0 {
		out, _ := json.MarshalIndent(p.Changes, "", "  ")
		t.Fatalf("want no changes, got %s:\n%s", summaryOf(p), out)
	}
}

// TestCompatFieldEncoding: the values the spec encodes today are, byte for
// byte, the ones the previous release recorded for it.
func TestCompatFieldEncoding(t *testing.T) {
	d, st := loadCompatSpec(t), loadCompatState(t)
	p := Diff(d, nil, Options{})
	for _, c := range p.Changes {
		var recorded lockfile.Fields
		if c.Kind == KindCommunity {
			recorded = st.Communities[c.Address].Fields
		} else {
			recorded = st.Groups[c.Address].Fields
		}
		got := afterFields(c.Fields)
		for name, want := range recorded {
			var compact bytes.Buffer
			if err := json.Compact(&compact, want); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[name], compact.Bytes()) {
				t.Errorf("%s %s:\n got %s\nwant %s", c.Address, name, got[name], compact.Bytes())
			}
		}
		for name := range got {
			if _, ok := recorded[name]; !ok {
				t.Errorf("%s %s: encoded %s, but the previous release recorded no such field", c.Address, name, got[name])
			}
		}
	}
}

// TestCompatRequests: every request body (creates from the spec, creates
// re-sent from the previous release's records, updates of every updatable
// field) is byte for byte what the previous release sent.
func TestCompatRequests(t *testing.T) {
	want, err := os.ReadFile(compatRequests)
	if err != nil {
		t.Fatal(err)
	}
	got := compatScenarios(t)
	if !bytes.Equal(got, want) {
		t.Errorf("request bodies differ from %s; got:\n%s", compatRequests, got)
	}
}

// compatScenarios runs three applies against a fake API and returns the
// requests sent, as indented JSON keyed by scenario:
//   - create: the whole spec from an empty lockfile;
//   - resend: the same, with every record of the previous release's
//     lockfile marked pending, so each create is rebuilt from recorded values;
//   - update: every updatable group field changed or cleared.
func compatScenarios(t *testing.T) []byte {
	t.Helper()
	out := map[string][]sentRequest{}

	d := loadCompatSpec(t)
	api := &bodyRecorder{}
	lf := newLockfile(t)
	must(t, Apply(context.Background(), Diff(d, lf.State(), Options{NewChatID: sequentialIDs()}), lf, api, nopHooks{}, ApplyOptions{Parallelism: 1}))
	out["create"] = api.sent

	st := loadCompatState(t)
	for _, c := range st.Communities {
		c.Status = lockfile.StatusPending
	}
	for _, g := range st.Groups {
		g.Status, g.Members = lockfile.StatusPending, nil
	}
	api = &bodyRecorder{}
	lf = lockfileWith(t, st)
	must(t, Apply(context.Background(), Diff(d, lf.State(), Options{}), lf, api, nopHooks{}, ApplyOptions{Parallelism: 1}))
	out["resend"] = api.sent

	edited := loadCompatSpec(t)
	yes := true
	g := edited.Groups["group/every-field/every-field"]
	g.Name, g.Description, g.Tags, g.DP, g.Topics, g.Discoverable = "Renamed <&>", "", nil, "new.png", nil, &yes
	g = edited.Groups["group/f2a05adb-93ce-4a19-b003-3523fa745667/existing-community"]
	g.Description, g.Tags, g.Topics = "now described", []string{"a", "b"}, []int{5, 6}
	api = &bodyRecorder{}
	lf = lockfileWith(t, loadCompatState(t))
	must(t, Apply(context.Background(), Diff(edited, lf.State(), Options{}), lf, api, nopHooks{}, ApplyOptions{Parallelism: 1}))
	out["update"] = api.sent

	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// lockfileWith opens a lockfile in a temporary directory holding st.
func lockfileWith(t *testing.T, st *lockfile.State) *lockfile.File {
	t.Helper()
	data, err := lockfile.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "genuin.lock")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	lf, err := lockfile.Open(path, 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lf.Close() })
	return lf
}

// sentRequest is one request a bodyRecorder saw, with its body as sent.
type sentRequest struct {
	Op     string          `json:"op"`
	ChatID string          `json:"chat_id,omitempty"`
	Body   json.RawMessage `json:"body"`
}

// bodyRecorder is a fakeAPI that keeps every request body, marshalled as
// the client sends it.
type bodyRecorder struct {
	fakeAPI
	sent []sentRequest
}

func (r *bodyRecorder) keep(op, chatID string, req any) {
	body, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	r.sent = append(r.sent, sentRequest{Op: op, ChatID: chatID, Body: body})
}

func (r *bodyRecorder) CreateCommunity(ctx context.Context, req *genuin.CreateCommunityRequest) (*genuin.CreateCommunityResponse, error) {
	r.keep("community/create", "", req)
	return r.fakeAPI.CreateCommunity(ctx, req)
}

func (r *bodyRecorder) CreateGroup(ctx context.Context, req *genuin.CreateGroupRequest) (*genuin.CreateGroupResponse, error) {
	r.keep("group/create", "", req)
	return r.fakeAPI.CreateGroup(ctx, req)
}

func (r *bodyRecorder) UpdateConversation(ctx context.Context, chatID string, req *genuin.UpdateConversationRequest) (*genuin.UpdateConversationResponse, error) {
	r.keep("update_conversation", chatID, req)
	return r.fakeAPI.UpdateConversation(ctx, chatID, req)
}
