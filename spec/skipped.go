package spec

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Skipped is something below a directory given to Load that Load did not
// read as part of the spec: a YAML file that is not a spec file, or a
// testdata directory. Load returns them so that no spec file is ever
// left out in silence: SkippedNotes words them.
type Skipped struct {
	// Path is the file or directory, named as the spec's files are.
	Path string
	// Why is "testdata" for a testdata directory, or why a file is not a
	// spec file: "empty", "not YAML", "not a mapping", "no spec key" or
	// "a list no member list names".
	Why string
}

// Why a file or directory was skipped.
const (
	skippedTestdata = "testdata"
	skippedEmpty    = "empty"
	skippedNotYAML  = "not YAML"
	skippedNotMap   = "not a mapping"
	skippedNoKey    = "no spec key"
	skippedList     = "a list no member list names"
)

// specSections are the top-level keys, other than version, that make a
// YAML file found below a directory a spec file.
var specSections = []string{"communities", "groups", "member_lists", "generators"}

// specRule says what makes a file below a directory a spec file, for
// messages.
const specRule = `a spec file has "version: 1" or a communities, groups, member_lists or generators key at its top level`

// isSpec reports whether doc, a YAML file found below a directory given to
// Load, is a spec file, and if not, why. A spec file is a mapping with
// "version: 1" (every spec file has it) or one of the spec's sections at its
// top level; such a file is read and reported with all its mistakes, so a
// spec file with a typo is never mistaken for another tool's file. A file
// that is not valid YAML is one if a line starts with such a key. Lists
// are decided later: they may be member list files (see Load). Anything
// else (a CI workflow, mkdocs.yml, docker-compose.yml with its "version:
// '3'", a Helm chart) is another tool's file, and skipped.
func isSpec(doc *document, data []byte) (bool, string) {
	switch root := doc.root; {
	case doc.empty:
		return false, skippedEmpty
	case root == nil:
		if markerLine.Match(data) {
			return true, ""
		}
		return false, skippedNotYAML
	case root.Kind == yaml.SequenceNode:
		return true, "" // decided later
	case root.Kind != yaml.MappingNode:
		return false, skippedNotMap
	}
	for k, v := range pairs(doc.root) {
		if k == "version" && v.Kind == yaml.ScalarNode && v.Value == "1" {
			return true, ""
		}
		for _, section := range specSections {
			if k == section {
				return true, ""
			}
		}
	}
	return false, skippedNoKey
}

// markerLine finds a line that starts a spec's top-level key, in a file
// that is not valid YAML.
var markerLine = regexp.MustCompile(`(?m)^(?:version[ \t]*:[ \t]*["']?1["']?[ \t]*(?:#.*)?\r?$|(?:communities|groups|member_lists|generators)[ \t]*:)`)

// SkippedNotes words what Load skipped, one line per kind, for a command
// to print as notes: the YAML files that are not spec files, with how many
// and the first few, and the testdata directories. It returns nothing when
// nothing was skipped.
func SkippedNotes(skipped []Skipped) []string {
	var files, dirs []string
	for _, s := range skipped {
		if s.Why == skippedTestdata {
			dirs = append(dirs, escapeNonPrintable(s.Path))
		} else {
			files = append(files, fmt.Sprintf("%s (%s)", escapeNonPrintable(s.Path), s.Why))
		}
	}
	var notes []string
	if len(files) > 0 {
		notes = append(notes, fmt.Sprintf("skipped %s: %s; %s",
			count(len(files), "YAML file that is not a spec file", "YAML files that are not spec files"), firstFew(files), specRule))
	}
	if len(dirs) > 0 {
		notes = append(notes, fmt.Sprintf("skipped %s (test fixtures, by Go's convention): %s",
			count(len(dirs), "testdata directory", "testdata directories"), firstFew(dirs)))
	}
	return notes
}

// firstFew joins the first three items, and says how many more there are.
func firstFew(items []string) string {
	const few = 3
	if len(items) <= few {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:few], ", ") + fmt.Sprintf(" and %d more", len(items)-few)
}

// count is "1 thing" or "N things".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
