package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/genuin/genuinctl/reconcile"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// samplePlan has one of every kind of change.
func samplePlan() *reconcile.Plan {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	return &reconcile.Plan{
		FormatVersion: reconcile.PlanFormatVersion,
		Changes: []*reconcile.Change{
			{Address: "community/genuin-community", Kind: "community", Action: reconcile.ActionCreate, Calls: 1,
				Source: "examples/quickstart/community.yaml:9:5",
				Fields: []reconcile.FieldChange{{Name: "name", After: raw(`"Genuin Community"`)}, {Name: "tags", After: raw(`["a","b"]`)}}},
			{Address: "group/genuin-community/tech-talk", Kind: "group", Action: reconcile.ActionCreate, Calls: 2,
				Community: "community/genuin-community", ChatID: "456e7890-b12c-4c23-89ef-126314214567",
				Source: "examples/quickstart/groups.yaml:5:5",
				Fields: []reconcile.FieldChange{{Name: "name", After: raw(`"Tech Conversations"`)}, {Name: "type", After: raw(`4`)}},
				MembersAdded: []reconcile.Member{
					{Identity: "user:abcd1234-5678-90ef-1112-234567890111", UserID: "abcd1234-5678-90ef-1112-234567890111"},
					{Identity: "phone:919876543210", Phone: "919876543210"},
					{Identity: "phone:919800000001", Phone: "919800000001", InCreate: true},
				}},
			{Address: "group/genuin-community/welcome", Kind: "group", Action: reconcile.ActionUpdate, Calls: 1,
				ChatID: "11111111-2222-4333-8444-555555555555", Source: "examples/quickstart/groups.yaml:18:5",
				Fields: []reconcile.FieldChange{
					{Name: "description", Before: raw(`"old"`)},
					{Name: "name", Before: raw(`"Welcome"`), After: raw(`"Welcome Lounge"`)},
				},
				MembersAdded:         []reconcile.Member{{Identity: "user:345e1234-5678-90ef-2345-678912341234", UserID: "345e1234-5678-90ef-2345-678912341234"}},
				MembersRemoved:       []reconcile.Member{{Identity: "phone:919812345678", Phone: "919812345678", MemberID: "9a42d4ed-3720-49cb-8697-57d7e8269b9d"}},
				SubscribersRemoved:   []reconcile.Member{{Identity: "user:b12f13af-ef5a-4906-b0a0-2995e106200d", UserID: "b12f13af-ef5a-4906-b0a0-2995e106200d"}},
				SubscribersForgotten: []reconcile.Member{{Identity: "user:22222222-2222-4222-8222-222222222222", UserID: "22222222-2222-4222-8222-222222222222"}}},
			{Address: "group/genuin-community/welcome", Kind: "group", Action: reconcile.ActionBlocked,
				ChatID: "11111111-2222-4333-8444-555555555555", Source: "examples/quickstart/groups.yaml:18:5",
				Fields: []reconcile.FieldChange{{Name: "type", Before: raw(`4`), After: raw(`3`)}},
				Reason: "these fields can be set only when a group is created", Hint: "set them back"},
		},
		Summary: reconcile.Summary{Create: 2, Update: 1, Blocked: 1, Calls: 4},
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		render func(*bytes.Buffer, *reconcile.Plan) error
	}{
		{"plan.txt", func(b *bytes.Buffer, p *reconcile.Plan) error { return Text(b, p, TextOptions{}) }},
		{"plan-pii.txt", func(b *bytes.Buffer, p *reconcile.Plan) error { return Text(b, p, TextOptions{ShowPII: true}) }},
		{"plan-color.txt", func(b *bytes.Buffer, p *reconcile.Plan) error { return Text(b, p, TextOptions{Color: true}) }},
		{"plan.json", func(b *bytes.Buffer, p *reconcile.Plan) error { return JSON(b, p, JSONOptions{}) }},
		{"plan-pii.json", func(b *bytes.Buffer, p *reconcile.Plan) error { return JSON(b, p, JSONOptions{ShowPII: true}) }},
		{"empty.txt", func(b *bytes.Buffer, _ *reconcile.Plan) error {
			return Text(b, &reconcile.Plan{FormatVersion: 1}, TextOptions{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(&b, samplePlan()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", tt.golden), b.Bytes())
		})
	}
}

func TestTextMasksPhonesByDefault(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, samplePlan(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("919876543210")) || bytes.Contains(b.Bytes(), []byte("919812345678")) || bytes.Contains(b.Bytes(), []byte("919800000001")) {
		t.Errorf("a phone number leaked into the text plan:\n%s", b.String())
	}
}

func TestTextCapsLongMemberLists(t *testing.T) {
	p := samplePlan()
	c := p.Changes[1]
	for range 30 {
		c.MembersAdded = append(c.MembersAdded, reconcile.Member{Identity: "user:x", UserID: "x"})
	}
	var b bytes.Buffer
	if err := Text(&b, p, TextOptions{MaxMembers: 5}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("… and 28 more members")) {
		t.Errorf("long member list not folded:\n%s", b.String())
	}
}

func TestTextCapsLongSubscriberLists(t *testing.T) {
	p := samplePlan()
	c := p.Changes[2]
	for range 30 {
		c.SubscribersRemoved = append(c.SubscribersRemoved, reconcile.Member{Identity: "user:x", UserID: "x"})
		c.SubscribersForgotten = append(c.SubscribersForgotten, reconcile.Member{Identity: "user:y", UserID: "y"})
	}
	var b bytes.Buffer
	if err := Text(&b, p, TextOptions{MaxMembers: 5}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("- … and 26 more subscribers")) || !bytes.Contains(b.Bytes(), []byte("      … and 26 more subscribers")) {
		t.Errorf("long subscriber lists not folded:\n%s", b.String())
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reconcile/render -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}
