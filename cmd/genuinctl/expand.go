package main

import (
	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/spec"
)

func newExpandCmd(e *env) *cobra.Command {
	var files specOptions
	var show renderOptions
	cmd := &cobra.Command{
		Use:   "expand [-f PATH]...",
		Short: "Print the fully resolved spec: generators expanded, lists merged",
		Long: `Expand loads and validates the spec, then prints it as one YAML file with
everything resolved: generators stamped out into groups, member lists merged
into each group's members (de-duplicated), phone numbers normalised to the
API's form, communities sorted by handle and groups by address.

It shows a reviewer exactly what a generator makes. Phone numbers are
personal data: they are masked (91••••••••10) unless --show-pii, and only
with --show-pii is the output itself a valid spec. It reads only the files:
no lockfile, no network.`,
		Example: `  genuinctl expand -f examples/campaign | less
  genuinctl expand -f examples/gitops --show-pii > resolved.yaml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			d, err := files.load(e)
			if err != nil {
				return err
			}
			if !show.showPII {
				maskSpecPhones(d)
			}
			out, err := spec.Expand(d)
			if err != nil {
				return withCode(exitError, err)
			}
			_, err = e.stdout.Write(out)
			return err
		},
	}
	files.register(cmd)
	show.register(cmd)
	return cmd
}
