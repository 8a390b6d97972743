#!/usr/bin/env bash
# genuinctl-comment.sh PR PLAN_MD: shows the plan on pull request PR as one
# sticky comment, run by genuinctl-plan.yml. The comment starts with a
# hidden marker; the workflow's earlier comment carrying it is updated, or
# a new one is made. Needs gh and jq (both on GitHub's runners), GH_TOKEN
# (pull-requests: write) and GITHUB_REPOSITORY.
set -euo pipefail

pr=${1:?usage: genuinctl-comment.sh PR PLAN_MD}
plan=${2:?usage: genuinctl-comment.sh PR PLAN_MD}
repo=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}
marker='<!-- genuinctl-plan -->'
# Comments made with the workflow's token are this user's. (With another
# token, put its user here.)
author='github-actions[bot]'
# GitHub refuses a comment longer than this many characters.
max=65536

body=$(mktemp)
trap 'rm -f "$body"' EXIT
{ printf '%s\n' "$marker"; cat "$plan"; } >"$body"
if [ "$(jq -Rs length <"$body")" -gt "$max" ]; then # characters, not bytes
  run="${GITHUB_SERVER_URL:-https://github.com}/$repo/actions/runs/${GITHUB_RUN_ID:-}"
  printf '%s\nThe plan is too long for a comment: it is in the job summary and the genuinctl-plan artifact of [this run](%s).\n' "$marker" "$run" >"$body"
fi

ids=$(gh api --paginate "repos/$repo/issues/$pr/comments" \
  --jq ".[] | select(.user.login == \"$author\" and (.body | startswith(\"$marker\"))) | .id")
id=${ids%%$'\n'*}
if [ -n "$id" ]; then
  jq -n --rawfile body "$body" '{body: $body}' |
    gh api --method PATCH "repos/$repo/issues/comments/$id" --input - --jq '"updated the plan comment: " + .html_url'
else
  jq -n --rawfile body "$body" '{body: $body}' |
    gh api --method POST "repos/$repo/issues/$pr/comments" --input - --jq '"commented the plan: " + .html_url'
fi
