#!/usr/bin/env bash
# genuinctl-plan.sh OUTDIR: the pull request's checks, run by
# genuinctl-plan.yml. Validates the spec ($GENUINCTL_SPEC, default ".";
# errors are annotated on the pull request's files on GitHub Actions), then
# writes the plan to OUTDIR/plan.md (Markdown, for the comment) and
# OUTDIR/plan.json (schema/plan.schema.json), and appends plan.md to the
# job summary. Needs no token and no network.
set -euo pipefail

out=${1:?usage: genuinctl-plan.sh OUTDIR}
spec=${GENUINCTL_SPEC:-.}

genuinctl validate -f "$spec"
genuinctl plan -f "$spec" -o markdown --details-hint "the genuinctl-plan artifact of this run (plan.json) lists every change" >"$out/plan.md"
genuinctl plan -f "$spec" -o json >"$out/plan.json"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$out/plan.md" >>"$GITHUB_STEP_SUMMARY"
fi
