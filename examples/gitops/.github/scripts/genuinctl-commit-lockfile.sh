#!/usr/bin/env bash
# genuinctl-commit-lockfile.sh LOCKFILE BRANCH: after an apply, commits
# LOCKFILE if it changed and pushes it to BRANCH, run by
# genuinctl-apply.yml. When BRANCH moved meanwhile (a merge, another
# apply's lockfile), it rebases on it and pushes again; genuin.lock merges
# with genuinctl's merge driver, configured here for this clone. A real
# conflict (see "genuinctl lockfile merge --help") stops it: the lockfile is
# then in the run's artifact.
set -euo pipefail

lockfile=${1:?usage: genuinctl-commit-lockfile.sh LOCKFILE BRANCH}
lockfile=${lockfile#./}
branch=${2:?usage: genuinctl-commit-lockfile.sh LOCKFILE BRANCH}
attempts=5

# The merge driver. git config is per clone; info/attributes names
# genuin.lock for it even in a repository whose .gitattributes does not.
git config merge.genuinctl-lockfile.name "genuinctl lockfile merge"
git config merge.genuinctl-lockfile.driver "genuinctl lockfile merge %O %A %B"
attributes=$(git rev-parse --git-path info/attributes)
mkdir -p "$(dirname "$attributes")"
if ! grep -qsxF 'genuin.lock merge=genuinctl-lockfile' "$attributes"; then
  echo 'genuin.lock merge=genuinctl-lockfile' >>"$attributes"
fi
git config user.name >/dev/null || git config user.name "github-actions[bot]"
git config user.email >/dev/null || git config user.email "41898282+github-actions[bot]@users.noreply.github.com"

if [ ! -e "$lockfile" ]; then
  echo "$lockfile does not exist: nothing to commit"
  exit 0
fi
git add -- "$lockfile"
if git diff --cached --quiet -- "$lockfile"; then
  echo "$lockfile is unchanged: nothing to commit"
  exit 0
fi
applied=$(git rev-parse --short HEAD)
git commit --quiet -m "Record the apply of $applied in $lockfile [skip ci]" -- "$lockfile"

for attempt in $(seq "$attempts"); do
  if git push --quiet origin "HEAD:refs/heads/$branch"; then
    echo "pushed $lockfile to $branch"
    exit 0
  fi
  echo "the push was refused: $branch moved; rebasing on it (attempt $attempt of $attempts)"
  if ! git pull --quiet --rebase --autostash origin "$branch"; then
    git rebase --abort || true
    echo "error: could not rebase $lockfile on $branch (git says why above): take it from this run's artifacts and merge it by hand" >&2
    exit 1
  fi
done
echo "error: could not push $lockfile to $branch after $attempts attempts" >&2
exit 1
