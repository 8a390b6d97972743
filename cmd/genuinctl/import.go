package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/genuin/genuinctl/reconcile"
)

func newImportCmd(e *env) *cobra.Command {
	var (
		files    specOptions
		lock     lockOptions
		endpoint endpointOptions
	)
	lock.spec, endpoint.spec = &files, &files
	cmd := &cobra.Command{
		Use:   "import ADDRESS ID",
		Short: "Record an existing community or group in the lockfile",
		Long: `Import records an object that exists on the platform but not in the lockfile:
one made in the Brand Control Center, or one an interrupted apply created
without recording the answer (a pending community create that now answers
"handle already exists"). ID is the community_id of community/<handle>, or
the chat_id of group/<handle>/<key>.

The address must be declared in the spec: its values are taken as the
applied ones. An imported group owns no members yet and has removed no
subscribers: the next apply adds the spec's members and sends its
subscribers_removed. A group whose spec gives a chat_id is imported with
that one only. Without a read API the id cannot be verified: check it in the
Brand Control Center. Import makes no API call. The lockfile is genuin.lock
in the spec root unless --lockfile names another; without --endpoint or
GENUIN_ENDPOINT, import uses the endpoint the lockfile records.`,
		Example: `  genuinctl import community/genuin-community 0a2be302-04af-4642-a436-1612554e48a6
  genuinctl import group/genuin-community/tech-talk 456e7890-b12c-4c23-89ef-126314214567`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			addr, id := args[0], args[1]
			d, err := files.load(e)
			if err != nil {
				return err
			}
			lf, err := lock.open(e, "genuinctl import")
			if err != nil {
				return err
			}
			defer lf.Close()
			t, err := endpoint.target(e, lf)
			if err != nil {
				return err
			}
			if t.fresh {
				return withCode(exitError, fmt.Errorf("the embedded sandbox has no data file %s: it holds nothing to import", t.sandboxData))
			}
			if err := bind(e, lf, t); err != nil {
				return err
			}
			entry, err := reconcile.ImportEntry(d, lf.State(), addr, id)
			if err != nil {
				return withCode(exitError, err)
			}
			if err := lf.Record(entry); err != nil {
				return withCode(exitError, fmt.Errorf("import %s: %w", addr, err))
			}
			if err := lf.Close(); err != nil {
				return withCode(exitError, err)
			}
			fmt.Fprintf(e.stdout, "Imported %s with id %s.\nWithout a read API the id cannot be verified: if it is wrong, the first update of it will fail. Run plan to see what genuinctl would now change.\n", addr, id)
			return nil
		},
	}
	files.register(cmd)
	lock.register(cmd.Flags())
	lock.registerTimeout(cmd.Flags())
	endpoint.register(cmd.Flags())
	return cmd
}
