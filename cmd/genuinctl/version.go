package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildInfo is what the binary knows of its own build.
type buildInfo struct {
	// version is the module version; "(devel)" for a build the go command
	// could not give one.
	version string
	// revision is the VCS revision built, "" when unknown; modified says
	// the working tree had uncommitted changes.
	revision string
	modified bool
}

// readBuildInfo reads the version and VCS stamp the go command put in the
// binary.
func readBuildInfo() buildInfo {
	b := buildInfo{version: "(devel)"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if info.Main.Version != "" {
		b.version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.revision = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// String is the version and revision: "v1.2.0 (revision 0123456789ab)",
// "(devel) (revision 0123456789ab, modified)".
func (b buildInfo) String() string {
	if b.revision == "" {
		return b.version
	}
	s := b.version + " (revision " + shortRevision(b.revision)
	if b.modified {
		s += ", modified"
	}
	return s + ")"
}

// userAgent names the build to the API, so that its logs can be matched to
// builds: "genuinctl/v1.2.0", or "genuinctl/devel-0123456789ab+dirty" for a
// build without a module version.
func (b buildInfo) userAgent() string {
	v := b.version
	if v == "(devel)" {
		v = "devel"
		if b.revision != "" {
			v += "-" + shortRevision(b.revision)
		}
		if b.modified {
			v += "+dirty"
		}
	}
	return "genuinctl/" + v
}

// shortRevision is the first 12 characters of a revision, as git shows it.
func shortRevision(rev string) string { return rev[:min(len(rev), 12)] }

// versionTemplate prints --version as the version command does.
const versionTemplate = "genuinctl {{.Version}}\n"

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the VCS revision genuinctl was built from",
		Long: `Version prints the module version and the VCS revision (with ", modified"
when built from a working tree with uncommitted changes), as "genuinctl
--version" does. The API client sends the version as its User-Agent,
genuinctl/VERSION, so that the API's logs can be matched to builds.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(e.stdout, "genuinctl %s\n", readBuildInfo())
			return err
		},
	}
}
