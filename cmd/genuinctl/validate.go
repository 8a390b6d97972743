package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/reconcile/render"
)

func newValidateCmd(e *env) *cobra.Command {
	var files specOptions
	cmd := &cobra.Command{
		Use:   "validate [-f PATH]...",
		Short: "Check spec files against the schema and each other",
		Long: `Validate loads every spec file, checks it against the JSON Schema
(schema/spec.schema.json) and runs the checks a schema cannot express:
unknown communities, duplicate addresses, phone numbers. Every problem is
reported in one run, sorted, as file:line:col: address: message.

It reads only the files: no lockfile, no network, no token.

Exit codes: 0 valid, 1 errors found.`,
		Example: `  genuinctl validate -f examples/quickstart
  genuinctl validate -f communities/ -f groups/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := files.load(e)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Valid: %s, %s.\n", render.Plural(len(d.Communities), "community"), render.Plural(len(d.Groups), "group"))
			return nil
		},
	}
	files.register(cmd)
	return cmd
}
