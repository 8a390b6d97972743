package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/genuin/genuinctl/internal/benchdata"
	"github.com/genuin/genuinctl/reconcile"
	"github.com/genuin/genuinctl/reconcile/lockfile"
	"github.com/genuin/genuinctl/spec"
)

// goldenDir is where the Markdown goldens live, as an absolute path: the
// tests that load a spec change directory first, so that the spec's file
// names in the plan (its provenance) are the same on every machine.
func goldenDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "markdown"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// planOf loads the spec at dir, relative to the repository's root (which
// becomes the working directory), and diffs it against st (nil: no
// lockfile yet), with the chat_ids of a fixed namespace and the estimate
// at the default apply settings.
func planOf(t *testing.T, dir string, st *lockfile.State) *reconcile.Plan {
	t.Helper()
	t.Chdir(filepath.Join("..", ".."))
	return diffSpec(t, dir, st)
}

func diffSpec(t *testing.T, dir string, st *lockfile.State) *reconcile.Plan {
	t.Helper()
	d, err := spec.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	opts := reconcile.Options{}
	if st == nil {
		opts.Namespace = lockfile.LineageFor(benchdata.Endpoint)
	}
	p := reconcile.Diff(d, st, opts)
	p.Estimate = reconcile.EstimateApply(p, 10, 0, reconcile.DefaultAssumedLatency)
	return p
}

// appliedState is the lockfile an apply of p (a plan of creates) would
// have recorded, every member with a member id.
func appliedState(p *reconcile.Plan) *lockfile.State {
	st := lockfile.New(benchdata.Endpoint)
	st.Serial = 1
	for i, c := range p.Changes {
		if c.Action != reconcile.ActionCreate {
			continue
		}
		fields := lockfile.Fields{}
		for _, f := range c.Fields {
			fields[f.Name] = f.After
		}
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		if c.Kind == reconcile.KindCommunity {
			st.Communities[c.Address] = &lockfile.Community{Handle: strings.TrimPrefix(c.Address, "community/"),
				Status: lockfile.StatusCreated, CommunityID: id, Fields: fields}
			continue
		}
		g := &lockfile.Group{Community: c.Community, CommunityID: c.CommunityID, Status: lockfile.StatusCreated,
			ChatID: c.ChatID, GroupID: id, Fields: fields, Members: map[string]string{}}
		if g.CommunityID == "" {
			g.CommunityID = st.Communities[c.Community].CommunityID
		}
		for j, m := range c.MembersAdded {
			g.Members[m.Identity] = m.UserID
			if m.UserID == "" {
				g.Members[m.Identity] = fmt.Sprintf("11111111-0000-4000-8000-%06d%06d", i, j)
			}
		}
		st.Groups[c.Address] = g
	}
	return st
}

// reviewPlan is the plan of a pull request against the applied gitops
// example: a group renamed in the spec (its record holds the old name), a
// member taken off a list (recorded, gone from the spec), a community
// edited (blocked: communities cannot change), a group deleted from the
// spec (blocked: no delete endpoint) and a create an interrupted apply
// left pending.
func reviewPlan(t *testing.T) *reconcile.Plan {
	t.Helper()
	first := planOf(t, "examples/gitops", nil)
	st := appliedState(first)
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	platform := st.Groups["group/genuin-engineering/platform"]
	platform.Fields["name"] = json.RawMessage(`"Platform"`)
	platform.Members["phone:919812345678"] = "9a42d4ed-3720-49cb-8697-57d7e8269b9d"
	st.Communities["community/genuin-marketing"].Fields["description"] = json.RawMessage(`"Campaigns and launches"`)
	social := st.Groups["group/genuin-marketing/social"]
	social.Status, social.GroupID, social.Members = lockfile.StatusPending, "", nil
	social.CreateMembers = []string{"user:b12f13af-ef5a-4906-b0a0-2995e106200d"}
	st.Groups["group/genuin-marketing/summer-launch"] = &lockfile.Group{Community: "community/genuin-marketing",
		CommunityID: st.Communities["community/genuin-marketing"].CommunityID, Status: lockfile.StatusCreated,
		ChatID: "5d4c3b2a-1f0e-4d9c-8b7a-695847362514", GroupID: "6e5d4c3b-2a1f-4e0d-9c8b-7a6958473625",
		Fields: lockfile.Fields{"name": json.RawMessage(`"Summer launch"`), "type": json.RawMessage(`4`)}}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	return diffSpec(t, "examples/gitops", st)
}

// campaignPlan is the plan to create a generated campaign of 5,000 groups
// in 250 communities (internal/benchdata), 50 members each.
func campaignPlan(t *testing.T) *reconcile.Plan {
	t.Helper()
	dir := t.TempDir()
	if err := benchdata.WriteSpec(dir, benchdata.Campaign(5000)); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return diffSpec(t, ".", nil)
}

func renderMarkdown(t *testing.T, p *reconcile.Plan, opts MarkdownOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := Markdown(&b, p, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMarkdownGolden(t *testing.T) {
	blocked := samplePlan()
	welcome := blocked.Changes[2]
	welcome.Fields = append(welcome.Fields, reconcile.FieldChange{Name: "topics", Before: reconcile.UnknownValue, After: json.RawMessage(`[1]`)})
	for _, addr := range []string{"group/genuin-community/old", "group/retired/gone"} {
		blocked.Changes = append(blocked.Changes, &reconcile.Change{Address: addr, Kind: "group",
			Action: reconcile.ActionBlocked, Reason: "in the lockfile but no longer in the spec, and the API has no delete endpoint",
			Hint: `stop tracking it with "genuinctl state rm ` + addr + `"`})
		blocked.Summary.Blocked++
	}
	thresholds := []string{
		"group/genuin-community/welcome would lose 12 of its 20 recorded members (more than 25%, --max-removal-delta)",
		"600 creates exceed --max-creates 500 (creates cannot be undone: there is no delete endpoint)",
	}
	tests := []struct {
		golden string
		plan   func(t *testing.T) *reconcile.Plan
		opts   MarkdownOptions
	}{
		{"quickstart.md", func(t *testing.T) *reconcile.Plan { return planOf(t, "examples/quickstart", nil) }, MarkdownOptions{}},
		{"gitops.md", func(t *testing.T) *reconcile.Plan { return planOf(t, "examples/gitops", nil) }, MarkdownOptions{}},
		{"gitops-review.md", reviewPlan, MarkdownOptions{}},
		{"blocked.md", func(*testing.T) *reconcile.Plan { return blocked }, MarkdownOptions{Thresholds: thresholds}},
		{"empty.md", func(*testing.T) *reconcile.Plan {
			return &reconcile.Plan{FormatVersion: 1, Changes: []*reconcile.Change{}}
		}, MarkdownOptions{}},
	}
	dir := goldenDir(t)
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := renderMarkdown(t, tt.plan(t), tt.opts)
			checkGolden(t, filepath.Join(dir, tt.golden), []byte(got))
			checkMarkdown(t, got, DefaultMarkdownLimit-MarkdownMargin)
		})
	}
}

// TestMarkdownCampaign checks the comment of a 5,000-group campaign
// against its golden: under the limit, its summary whole, the community
// blocks that fit, and a line saying how many were left out and where to
// see them.
func TestMarkdownCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads a spec of 250,000 memberships")
	}
	golden := filepath.Join(goldenDir(t), "campaign-5000.md")
	p := campaignPlan(t)
	got := renderMarkdown(t, p, MarkdownOptions{DetailsHint: "the full plan is in the plan.json artifact"})
	t.Logf("5,000-group campaign: %d characters (%d bytes)", utf8.RuneCountInString(got), len(got))
	checkGolden(t, golden, []byte(got))
	checkMarkdown(t, got, DefaultMarkdownLimit-MarkdownMargin)
	for _, want := range []string{
		"## genuinctl plan: 5250 to create\n",
		"| create | 250 | 5000 | 10250 |\n",
		"Members: 250000 members to add (125000 by user_id, 125000 by phone).\n",
		"Apply makes 10250 API calls, about ",
		"### By community\n",
		"| `community/community-00099` | 21 | 1000 | 0 | 41 |\n",
		"| … and 150 more communities |",
		"<details><summary><code>community/community-00000</code>: 21 to create; 1000 members to add; 41 API calls</summary>",
		"the full plan is in the plan.json artifact.\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the campaign's comment lacks %q", want)
		}
	}
	// Whole communities while they fit, then as many whole changes of the
	// next as fit, then the notice.
	blocks := strings.Count(got, "<details><summary><code>community/")
	changes := strings.Count(got, "\n**+ create** ")
	partial := fmt.Sprintf("*…and %d changes of this community, not shown.*", blocks*21-changes)
	notice := fmt.Sprintf("**Not shown:** the last %d changes of 5250, left out", 5250-changes)
	if blocks == 0 || !strings.Contains(got, partial) || !strings.Contains(got, notice) {
		t.Errorf("%d community blocks and %d changes shown, and no %q or no %q", blocks, changes, partial, notice)
	}
}

// checkMarkdown checks what every comment must be: under limit characters,
// its <details> balanced, every line one the renderer writes (text from a
// spec cannot start a line of its own), and nothing outside code that GitHub
// would make a mention, an issue link, an autolink or HTML of.
func checkMarkdown(t *testing.T, md string, limit int) {
	t.Helper()
	if n := utf8.RuneCountInString(md); n > limit {
		t.Errorf("%d characters, over the limit of %d", n, limit)
	}
	lines := strings.Split(md, "\n")
	depth := 0
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "<details"):
			depth++
		case line == "</details>":
			depth--
		}
		if depth < 0 {
			t.Errorf("line %d closes a <details> never opened", i+1)
		}
		if line != "" && !lineStart.MatchString(line) {
			t.Errorf("line %d is none the renderer writes: %q", i+1, line)
		}
		if strings.HasPrefix(line, "| ") && strings.Count(escaped.ReplaceAllString(line, ""), "|") != tableWidth(lines, i) {
			t.Errorf("line %d splits its table differently: %q", i+1, line)
		}
	}
	if depth != 0 {
		t.Errorf("%d <details> left open", depth)
	}
	text := outsideCode(md)
	// GitHub finds mentions, references and autolinks in the text as
	// rendered: escapes undone, entities (the zero-width spaces) not.
	shown := strings.NewReplacer(zwsp, "\u200b", "&#32;", " ").Replace(escaped.ReplaceAllString(text, "$1"))
	for _, bad := range linked {
		if loc := bad.FindStringIndex(shown); loc != nil {
			t.Errorf("%s outside code: …%s…", bad, shown[max(0, loc[0]-40):min(len(shown), loc[1]+40)])
		}
	}
	// Markdown reads what no backslash escapes.
	raw := strings.NewReplacer("<details open>", "", "<details>", "", "</details>", "", "<summary>", "", "</summary>", "",
		"<code></code>", "", zwsp, "", "&#32;", "").Replace(escaped.ReplaceAllString(text, ""))
	for _, bad := range marked {
		if loc := bad.FindStringIndex(raw); loc != nil {
			t.Errorf("%s outside code: …%s…", bad, raw[max(0, loc[0]-40):min(len(raw), loc[1]+40)])
		}
	}
}

// lineStart matches the lines Markdown writes.
var lineStart = regexp.MustCompile(`^(## genuinctl plan|### (Safety|Blocked|By community|Details)|\| |\|:--|- |  - |` +
	`<details( open)?><summary>|</details>$|\*\*[+~!] |\*\*\d|Apply |Members: |The p|Nothing to apply|\d+ users? taken off|\*\*Not shown|\*…and \d+ changes? of this community|\*\*Partial plan)`)

// tableWidth is the number of pipes of the table row at line i: that of
// the table's header row.
func tableWidth(lines []string, i int) int {
	for i > 0 && strings.HasPrefix(lines[i-1], "|") {
		i--
	}
	return strings.Count(lines[i], "|")
}

// linked is what GitHub links in text outside code.
var linked = []*regexp.Regexp{
	regexp.MustCompile(`@\w`),                 // a mention
	regexp.MustCompile(`#\d`),                 // an issue reference
	regexp.MustCompile(`(?i)gh-\d`),           // another
	regexp.MustCompile(`(?i)(https?|ftp)://`), // an autolink
	regexp.MustCompile(`(?i)www\.`),           // another
}

// marked is the Markdown no spec's text may make.
var marked = []*regexp.Regexp{
	regexp.MustCompile(`[<>&]`),     // HTML or an entity
	regexp.MustCompile(`[\[\]]`),    // a link, an image, a footnote
	regexp.MustCompile("[`$]|~\\S"), // code, math, strikethrough
}

// escaped matches a backslash escape: GitHub reads a row's backslashes in
// pairs, and a pipe so escaped does not split it.
var escaped = regexp.MustCompile(`\\(.)`)

// outsideCode is md without its code spans (read as CommonMark reads
// them: a run of backticks up to the next run of the same length) and the
// content of its <code> elements.
func outsideCode(md string) string {
	var b strings.Builder
	for i := 0; i < len(md); {
		switch {
		case md[i] == '\\' && i+1 < len(md):
			b.WriteString(md[i : i+2])
			i += 2
		case strings.HasPrefix(md[i:], "<code>"):
			end := strings.Index(md[i:], "</code>")
			b.WriteString("<code></code>")
			i += end + len("</code>")
		case md[i] == '`':
			n := 1
			for i+n < len(md) && md[i+n] == '`' {
				n++
			}
			fence := md[i : i+n]
			j := i + n
			for {
				k := strings.Index(md[j:], fence)
				if k < 0 {
					b.WriteString(fence) // no closing run: literal backticks
					i += n
					break
				}
				j += k
				if j+n < len(md) && md[j+n] == '`' { // a longer run
					for j < len(md) && md[j] == '`' {
						j++
					}
					continue
				}
				b.WriteString("CODE")
				i = j + n
				break
			}
		default:
			b.WriteByte(md[i])
			i++
		}
	}
	return b.String()
}

func TestMarkdownMasksPhones(t *testing.T) {
	p := planOf(t, "examples/quickstart", nil)
	masked := renderMarkdown(t, p, MarkdownOptions{})
	if strings.Contains(masked, "919876543210") {
		t.Errorf("a phone number leaked into the Markdown plan:\n%s", masked)
	}
	if !strings.Contains(masked, "phone `91••••••••10`") {
		t.Errorf("the masked phone is missing:\n%s", masked)
	}
	shown := renderMarkdown(t, p, MarkdownOptions{ShowPII: true})
	if !strings.Contains(shown, "phone `919876543210`") {
		t.Errorf("ShowPII did not show the phone:\n%s", shown)
	}
}

// hostile are strings a stranger's pull request could put in a spec.
var hostile = []string{
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"</code></summary></details><details open><summary>",
	"**bold** _it_ ~~gone~~ `code` ``` fence",
	"[click](https://evil.example) ![img](x) <https://evil.example>",
	"@octocat and @github/security see #123, GH-42 and owner/repo#7",
	"https://evil.example www.evil.example mailto:a@b.example",
	"a | b || c \\| d \\\\| e",
	"line\nbreak\n\n# heading\r\n> quote\ttab",
	"- list\n1. ordered\n    indented code",
	"&amp; &lt; &#64;octocat",
	"$\\sqrt{x}$ and $$math$$",
	"right-to-left \u202eevil\u202c zero\u200bwidth",
	"`",
	"trailing backtick`",
	"\xff\xfe invalid",
	"# heading",
	"1. one",
	"    code",
	"-",
	"<!-- comment -->",
	"[^1]: footnote",
}

func TestMarkdownEscapes(t *testing.T) {
	tests := []struct{ in, text, code, cell, html string }{
		{"<b>hi</b>", `\<b\>hi\</b\>`, "`<b>hi</b>`", "`<b>hi</b>`", "<code>&lt;b&gt;hi&lt;/b&gt;</code>"},
		{"@octocat #12", "@" + zwsp + `octocat \#` + zwsp + "12", "`@octocat #12`", "`@octocat #12`", "<code>@octocat #12</code>"},
		{"a`b``c", "a\\`b\\`\\`c", "```a`b``c```", "```a`b``c```", "<code>a`b``c</code>"},
		{"`x`", "\\`x\\`", "`` `x` ``", "`` `x` ``", "<code>`x`</code>"},
		{"a|b", `a\|b`, "`a|b`", "`a\\|b`", "<code>a|b</code>"},
		{`a\|b`, `a\\\|b`, "`a\\|b`", "`a\\\\\\|b`", "<code>a\\|b</code>"},
		{"x\ny", `x\\ny`, "`x\\ny`", "`x\\ny`", "<code>x\\ny</code>"},
		{"[a](b)", `\[a\](b)`, "`[a](b)`", "`[a](b)`", "<code>[a](b)</code>"},
		{"https://x.example", "https:" + zwsp + "//x.example", "`https://x.example`", "`https://x.example`", "<code>https://x.example</code>"},
		{"www.x.example", "www" + zwsp + ".x.example", "`www.x.example`", "`www.x.example`", "<code>www.x.example</code>"},
		{"GH-1 gh-x", "GH-" + zwsp + "1 gh-x", "`GH-1 gh-x`", "`GH-1 gh-x`", "<code>GH-1 gh-x</code>"},
		{"- x", `\- x`, "`- x`", "`- x`", "<code>- x</code>"},
		{"12. x 3. y", `12\. x 3. y`, "`12. x 3. y`", "`12. x 3. y`", "<code>12. x 3. y</code>"},
		{" x", "&#32;x", "`  x `", "`  x `", "<code> x</code>"},
		{"\u202e", `\\u202e`, "`\\u202e`", "`\\u202e`", "<code>\\u202e</code>"},
		{"a & b", `a \& b`, "`a & b`", "`a & b`", "<code>a &amp; b</code>"},
		{"", "", "(empty)", "(empty)", "<code></code>"},
	}
	for _, tt := range tests {
		if got := mdText(tt.in); got != tt.text {
			t.Errorf("mdText(%q) = %q, want %q", tt.in, got, tt.text)
		}
		if got := mdCode(tt.in, false); got != tt.code {
			t.Errorf("mdCode(%q, false) = %q, want %q", tt.in, got, tt.code)
		}
		if got := mdCode(tt.in, true); got != tt.cell {
			t.Errorf("mdCode(%q, true) = %q, want %q", tt.in, got, tt.cell)
		}
		if got := htmlCode(tt.in); got != tt.html {
			t.Errorf("htmlCode(%q) = %q, want %q", tt.in, got, tt.html)
		}
	}
	for _, s := range hostile {
		for _, out := range []string{mdText(s), mdCode(s, false), mdCode(s, true), htmlCode(s)} {
			if strings.ContainsAny(out, "\n\r\u202e\u200b") || !utf8.ValidString(out) {
				t.Errorf("%q escapes to %q: a line break, a hidden character or invalid UTF-8", s, out)
			}
		}
		if text := outsideCode(mdText(s)); strings.Contains(text, "CODE") {
			t.Errorf("mdText(%q) = %q makes a code span", s, mdText(s))
		}
		if code := mdCode(s, false); outsideCode(code) != "CODE" {
			t.Errorf("mdCode(%q) = %q is not one code span", s, code)
		}
		cell := "| " + mdCode(s, true) + " |"
		if n := strings.Count(escaped.ReplaceAllString(cell, ""), "|"); n != 2 {
			t.Errorf("mdCode(%q, true) = %q splits its cell", s, cell)
		}
		if h := htmlCode(s); strings.Count(h, "<") != 2 || strings.Count(h, ">") != 2 {
			t.Errorf("htmlCode(%q) = %q holds a tag", s, h)
		}
	}
}

// hostilePlan puts the hostile strings everywhere a spec reaches: names,
// descriptions, tags, file names, member lists and the reasons that quote
// them.
func hostilePlan() *reconcile.Plan {
	p := &reconcile.Plan{FormatVersion: reconcile.PlanFormatVersion}
	for i, s := range hostile {
		v, _ := json.Marshal(s)
		var tags []byte
		tags, _ = json.Marshal([]string{s, "ok"})
		c := &reconcile.Change{Address: "group/" + s + "/" + s, Kind: "group", Action: reconcile.ActionUpdate, Calls: 1,
			Community: "community/" + s, ChatID: s, Source: s + ".yaml:1:2",
			Fields: []reconcile.FieldChange{
				{Name: "name", Before: json.RawMessage(`"old"`), After: v},
				{Name: "tags", Before: tags, After: tags},
				{Name: s, After: v},
			},
			MembersAdded:   []reconcile.Member{{Identity: "user:" + s, UserID: s}, {Identity: "phone:" + s, Phone: s}},
			MembersRemoved: []reconcile.Member{{Identity: "user:" + s, UserID: s, MemberID: s}},
		}
		if i%2 == 1 {
			c.Action, c.Reason, c.Hint, c.CommunityID, c.Community = reconcile.ActionBlocked, s, s, s, ""
		}
		p.Changes = append(p.Changes, c, &reconcile.Change{Address: "community/" + s, Kind: "community",
			Action: reconcile.ActionCreate, Source: s, Calls: 1, Fields: []reconcile.FieldChange{{Name: "description", After: v}}})
	}
	for _, c := range p.Changes {
		switch c.Action {
		case reconcile.ActionCreate:
			p.Summary.Create++
		case reconcile.ActionUpdate:
			p.Summary.Update++
		case reconcile.ActionBlocked:
			p.Summary.Blocked++
		}
		p.Summary.Calls += c.Calls
	}
	return p
}

func TestMarkdownHostilePlan(t *testing.T) {
	got := renderMarkdown(t, hostilePlan(), MarkdownOptions{Thresholds: hostile, DetailsHint: "see @octocat's <b>#1</b>"})
	checkMarkdown(t, got, DefaultMarkdownLimit-MarkdownMargin)
	if t.Failed() {
		t.Logf("the comment:\n%s", got)
	}
}

// TestMarkdownLimit renders plans at every limit in a range: the output
// is never longer than the limit, never cut inside a block or a tag, and
// at a limit too small for the summary Markdown fails and writes nothing.
func TestMarkdownLimit(t *testing.T) {
	big := samplePlan()
	for i := range 40 {
		c := *big.Changes[1]
		c.Address = fmt.Sprintf("group/c%02d/g", i)
		c.Community = fmt.Sprintf("community/c%02d", i)
		big.Changes = append(big.Changes, &c)
		big.Summary.Create++
		big.Summary.Calls += c.Calls
	}
	plans := map[string]*reconcile.Plan{"sample": samplePlan(), "hostile": hostilePlan(), "big": big,
		"empty": {FormatVersion: 1, Changes: []*reconcile.Change{}}}
	for name, p := range plans {
		t.Run(name, func(t *testing.T) {
			worked := 0
			for limit := 1; limit <= 6000; limit += max(11, limit/50) {
				var b bytes.Buffer
				err := Markdown(&b, p, MarkdownOptions{MaxChars: limit, Thresholds: []string{"600 creates exceed --max-creates 500"}})
				if err != nil {
					if b.Len() > 0 {
						t.Fatalf("MaxChars %d: %v, having written %d bytes", limit, err, b.Len())
					}
					if worked > 0 {
						t.Fatalf("MaxChars %d: %v, at a limit larger than one that worked", limit, err)
					}
					continue
				}
				worked++
				checkMarkdown(t, b.String(), limit)
				if t.Failed() {
					t.Fatalf("MaxChars %d:\n%s", limit, b.String())
				}
			}
			if worked == 0 {
				t.Fatal("no limit up to 6,000 characters worked")
			}
		})
	}
}

// TestMarkdownKeepsBlockedWhole cuts the details of a plan but lists every
// blocked change and threshold in the summary.
func TestMarkdownKeepsBlockedWhole(t *testing.T) {
	p := hostilePlan()
	whole := renderMarkdown(t, p, MarkdownOptions{})
	limit := strings.Index(whole, detailsHeading) + 500
	cut := renderMarkdown(t, p, MarkdownOptions{MaxChars: limit, Thresholds: []string{"a", "b"}})
	checkMarkdown(t, cut, limit)
	if !strings.Contains(cut, "**Not shown:**") {
		t.Errorf("no cut notice:\n%s", cut)
	}
	for _, c := range p.Changes {
		if c.Action == reconcile.ActionBlocked && !strings.Contains(cut, "  - "+mdCode(c.Address, false)+" at "+mdCode(c.Source, false)) {
			t.Errorf("blocked %s left out of the summary", c.Address)
		}
	}
	if !strings.Contains(cut, "- a\n- b\n") {
		t.Errorf("thresholds left out:\n%s", cut)
	}
}

// TestMarkdownShortensLongLists shortens a summary whose blocked changes do
// not fit, saying how many it left out.
func TestMarkdownShortensLongLists(t *testing.T) {
	p := &reconcile.Plan{FormatVersion: 1}
	for i := range 5000 {
		p.Changes = append(p.Changes, &reconcile.Change{Address: fmt.Sprintf("group/c/g%04d", i), Kind: "group",
			Action: reconcile.ActionBlocked, Reason: "in the lockfile but no longer in the spec", Hint: "state rm it"})
	}
	p.Summary.Blocked = len(p.Changes)
	got := renderMarkdown(t, p, MarkdownOptions{})
	checkMarkdown(t, got, DefaultMarkdownLimit-MarkdownMargin)
	listed := strings.Count(got, "\n  - `group/c/g")
	if listed == 0 || listed == 5000 || !strings.Contains(got, fmt.Sprintf("- … and %d more blocked changes, left out", 5000-listed)) {
		t.Errorf("%d blocked changes listed, and no line saying %d were left out", listed, 5000-listed)
	}
}

func TestMarkdownMembersCapped(t *testing.T) {
	p := samplePlan()
	for range 30 {
		p.Changes[1].MembersAdded = append(p.Changes[1].MembersAdded, reconcile.Member{Identity: "user:x", UserID: "x"})
	}
	got := renderMarkdown(t, p, MarkdownOptions{MaxMembers: 5})
	if !strings.Contains(got, "**33 first members** (31 by user_id, 2 by phone): 32 in the create, 1 added right after it.") ||
		!strings.Contains(got, "- … and 28 more: the JSON plan lists every change\n") {
		t.Errorf("long member list not counted and folded:\n%s", got)
	}
}

// TestMarkdownSelection says that a plan narrowed to some addresses is
// partial.
func TestMarkdownSelection(t *testing.T) {
	p := samplePlan()
	p.Selection = &reconcile.Selection{Targets: []string{"group/genuin-community/*"}, Excludes: []string{"group/*/x`y"}}
	p.LeftOut = 3
	got := renderMarkdown(t, p, MarkdownOptions{})
	checkMarkdown(t, got, DefaultMarkdownLimit-MarkdownMargin)
	want := "**Partial plan:** the addresses matching `group/genuin-community/*` except ``group/*/x`y``; 3 changes of the spec left out.\n"
	if !strings.Contains(got, want) {
		t.Errorf("no %q in:\n%s", want, got)
	}
	p.Selection = &reconcile.Selection{Excludes: []string{"community/*"}}
	if got := renderMarkdown(t, p, MarkdownOptions{}); !strings.Contains(got, "**Partial plan:** every address except `community/*`; 3 changes") {
		t.Errorf("no partial plan line in:\n%s", got)
	}
}

// TestMarkdownGeneratedSource says which CSV row a generated group comes
// from.
func TestMarkdownGeneratedSource(t *testing.T) {
	p := planOf(t, "examples/campaign", nil)
	got := renderMarkdown(t, p, MarkdownOptions{MaxChars: 1 << 30})
	want := "**+ create** `group/genuin-cities/mumbai-food` from CSV row `examples/campaign/cities.csv:2:1`"
	if !strings.Contains(got, want) {
		t.Errorf("no %q in the campaign's comment", want)
	}
}

func TestMarkdownValues(t *testing.T) {
	long, _ := json.Marshal(strings.Repeat("a|", 200))
	want := "`\"" + strings.Repeat("a\\|", 149) + "a…` (402 characters)"
	if got := valueCode(long); got != want {
		t.Errorf("valueCode(400 characters) = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		users, phones int
		want          string
	}{{2, 1, "2 by user_id, 1 by phone"}, {2, 0, "2 by user_id"}, {0, 3, "3 by phone"}} {
		if got := byKind(tt.users, tt.phones); got != tt.want {
			t.Errorf("byKind(%d, %d) = %q, want %q", tt.users, tt.phones, got, tt.want)
		}
	}
	for src, want := range map[string]string{
		"a.yaml:1:2":          "at `a.yaml:1:2`",
		"rows.CSV:3:1":        "from CSV row `rows.CSV:3:1`",
		"rows.csv:3":          "from CSV row `rows.csv:3`",
		"odd:name.csv:x.yaml": "at `odd:name.csv:x.yaml`",
	} {
		if got := sourceText(src); got != want {
			t.Errorf("sourceText(%q) = %q, want %q", src, got, want)
		}
	}
}

// TestMarkdownBoundedMemory renders plans of 2,000 and 20,000 group
// creates of 50 members: beyond the comment it writes, rendering allocates
// a few bytes per change (its place in its community's block), never the
// rendering of the changes that do not fit.
func TestMarkdownBoundedMemory(t *testing.T) {
	members := make([]reconcile.Member, 50)
	for j := range members {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012x", j)
		members[j] = reconcile.Member{Identity: "user:" + id, UserID: id}
	}
	alloc := func(groups int) uint64 {
		p := &reconcile.Plan{FormatVersion: 1}
		for i := range groups {
			c := &reconcile.Change{Address: fmt.Sprintf("group/c%04d/g%02d", i/20, i%20), Community: fmt.Sprintf("community/c%04d", i/20),
				Kind: "group", Action: reconcile.ActionCreate, Calls: 2, Source: "spec.yaml:1:1",
				Fields: []reconcile.FieldChange{{Name: "name", After: json.RawMessage(`"A group"`)}}, MembersAdded: members}
			p.Changes = append(p.Changes, c)
			p.Summary.Create++
			p.Summary.Calls += 2
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if err := Markdown(new(counter), p, MarkdownOptions{}); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(2000), alloc(20000)
	t.Logf("allocated %d bytes for 2,000 groups, %d for 20,000", small, large)
	if perChange := (int64(large) - int64(small)) / 18000; large > 4<<20 || perChange > 100 {
		t.Errorf("rendering 20,000 groups allocated %d bytes, %d more a change than 2,000 groups", large, perChange)
	}
}

type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

// TestMarkdownStopsAtWriteError returns the first write error.
func TestMarkdownStopsAtWriteError(t *testing.T) {
	for n := range 3 { // the summary, the details' heading, one block
		if err := Markdown(&failAfter{n: n}, samplePlan(), MarkdownOptions{}); !errors.Is(err, errFull) {
			t.Errorf("after %d writes: Markdown = %v, want %v", n, err, errFull)
		}
	}
}
