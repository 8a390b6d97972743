package render

import (
	"encoding/json"
	"io"

	"github.com/genuin/genuinctl/reconcile"
)

// JSON writes the plan as indented JSON, as described by
// schema/plan.schema.json. Phone numbers are written in full: the JSON plan
// is for machines and is masked by no one.
func JSON(w io.Writer, p *reconcile.Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
