package render

import (
	"encoding/json"
	"io"

	"github.com/genuin/genuinctl/reconcile"
)

// JSON writes the plan as indented JSON, as described by
// schema/plan.schema.json. Phone numbers are written in full: the JSON plan
// is for machines and is masked by no one.
//
// The plan is written one change at a time, so that a plan of tens of
// thousands of changes is never held whole as JSON: the output is byte for
// byte that of json.MarshalIndent(p, "", "  ") and a newline (a test holds
// it to that), the fields of reconcile.Plan written in their order here.
func JSON(w io.Writer, p *reconcile.Plan) error {
	jw := &jsonWriter{w: w}
	if p == nil {
		jw.raw("null\n")
		return jw.err
	}
	jw.raw("{\n  \"format_version\": ")
	jw.value(p.FormatVersion, "  ")
	jw.raw(",\n  \"changes\": ")
	switch {
	case p.Changes == nil:
		jw.raw("null")
	case len(p.Changes) == 0:
		jw.raw("[]")
	default:
		jw.raw("[\n")
		for i, c := range p.Changes {
			if i > 0 {
				jw.raw(",\n")
			}
			jw.raw("    ")
			jw.value(c, "    ")
		}
		jw.raw("\n  ]")
	}
	jw.raw(",\n  \"summary\": ")
	jw.value(p.Summary, "  ")
	if p.Estimate != nil {
		jw.raw(",\n  \"estimate\": ")
		jw.value(p.Estimate, "  ")
	}
	jw.raw("\n}\n")
	return jw.err
}

// jsonWriter writes JSON in pieces to w, keeping the first error.
type jsonWriter struct {
	w   io.Writer
	err error
}

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = io.WriteString(j.w, s)
	}
}

// value writes v indented by two spaces a level, its lines after the
// first prefixed with prefix: the indentation of the line it starts on.
func (j *jsonWriter) value(v any, prefix string) {
	if j.err != nil {
		return
	}
	data, err := json.MarshalIndent(v, prefix, "  ")
	if err != nil {
		j.err = err
		return
	}
	_, j.err = j.w.Write(data)
}
