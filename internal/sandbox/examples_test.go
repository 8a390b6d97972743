package sandbox

import (
	"encoding/json"
	"sort"
	"testing"
)

// TestDocExamples replays every example request in shared/api verbatim
// (copied to testdata/) and checks that each response carries every field
// the docs' example response shows.
func TestDocExamples(t *testing.T) {
	h := newHarness(t, Config{})
	steps := []struct {
		name, method, path, request, response string
	}{
		{"community create", "POST", pathCommunity, "community-create.request.json", "community-create.response.json"},
		{"group create", "POST", pathGroup, "group-create.request.json", "group-create.response.json"},
		{"update conversation", "PATCH", updatePrefix + "456e7890-b12c-4c23-89ef-126314214567",
			"update-conversation.request.json", "update-conversation.response.json"},
	}
	for _, st := range steps {
		r := h.do(st.method, st.path, DefaultToken, readTestdata(t, st.request))
		r.want(t, 200, "200")
		var got, doc any
		if err := json.Unmarshal(r.raw, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(readTestdata(t, st.response)), &doc); err != nil {
			t.Fatal(err)
		}
		for _, missing := range missingFields("", doc, got) {
			t.Errorf("%s: response lacks documented field %s", st.name, missing)
		}
	}

	snap := h.s.Snapshot()
	g := h.group("456e7890-b12c-4c23-89ef-126314214567")
	if g.CommunityID != techCommunity || g.Type != 4 || g.TemplateID == nil || *g.TemplateID != 2 ||
		g.Video == nil || g.Video.Duration != "5" || len(g.Actions) != 2 {
		t.Errorf("group from the example: %+v", g)
	}
	if g.Name != "new name" || g.Tags != "abc,xyz" || g.Settings.Discoverable || len(g.Topics) != 2 {
		t.Errorf("update example not applied: %+v", g)
	}
	// brand user (owner) + phone avatar + abcd1234 + b12f13af (added by the update)
	if len(g.Members) != 4 {
		t.Errorf("members = %+v, want 4", g.Members)
	}
	var c *Community
	for i := range snap.Communities {
		if snap.Communities[i].Handle == "genuin-community" {
			c = &snap.Communities[i]
		}
	}
	if c == nil || len(c.Categories) != 5 || len(c.Members) != 2 {
		t.Fatalf("community from the example: %+v", c)
	}
}

// missingFields lists the object keys in doc that got lacks, recursively;
// for arrays the first elements are compared when both have one.
func missingFields(at string, doc, got any) []string {
	var out []string
	switch d := doc.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		for k, dv := range d {
			gv, found := g[k]
			if !found {
				out = append(out, at+"."+k)
				continue
			}
			out = append(out, missingFields(at+"."+k, dv, gv)...)
		}
	case []any:
		g, _ := got.([]any)
		if len(d) > 0 && len(g) > 0 {
			out = append(out, missingFields(at+"[0]", d[0], g[0])...)
		}
	}
	sort.Strings(out)
	return out
}
