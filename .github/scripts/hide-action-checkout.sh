#!/usr/bin/env bash
# hide-action-checkout.sh DIR — run by each job of the reusable workflow (.github/workflows/multiarch.yml)
# after it has checked the action out into DIR (.multiarch-action) inside the caller's checkout.
#
# actions/checkout and `uses: ./DIR` both need DIR under the workspace, so when the build context
# (CONTEXT, default .) contains it, it would reach BuildKit, `COPY . .` and the planner's context
# walk. This adds DIR to the ignore file BuildKit reads for that build (FILE.dockerignore beside the
# Dockerfile when there is one, else CONTEXT/.dockerignore) and keeps `git status` as it was, so
# the build's git-derived provenance does not turn dirty: DIR and a new ignore file go to
# .git/info/exclude, a tracked one is marked skip-worktree. Only this runner's copy is changed.
set -euo pipefail

dir=${1:?usage: hide-action-checkout.sh DIR}
context=${CONTEXT:-.}
[ -n "$context" ] || context=.
file=${FILE:-}

exclude() {
  if git rev-parse --git-dir >/dev/null 2>&1; then
    local info
    info="$(git rev-parse --git-dir)/info"
    mkdir -p "$info"
    printf '%s\n' "$1" >>"$info/exclude"
  fi
}

exclude "/$(realpath -m --relative-to=. "$dir")/"

case "$context" in
  *://* | git@* | '{{defaultContext}}'*)
    echo "context $context is not a local path: nothing to hide"
    exit 0
    ;;
esac

ctx=$(realpath -m -- "$context")
action=$(realpath -m -- "$dir")
case "$action/" in
  "$ctx"/*) ;;
  *)
    echo "$dir is outside the build context $context: nothing to hide"
    exit 0
    ;;
esac

dockerfile=${file:-$context/Dockerfile}
if [ -f "$dockerfile.dockerignore" ]; then
  ignore=$dockerfile.dockerignore
else
  ignore=$context/.dockerignore
fi
pattern=$(realpath -m --relative-to="$ctx" -- "$action")
tracked=false
if git ls-files --error-unmatch -- "$ignore" >/dev/null 2>&1; then tracked=true; fi
# A newline first, for a file that does not end with one; last, so no earlier `!` rule re-includes it.
printf '\n%s\n' "$pattern" >>"$ignore"
if [ "$tracked" = true ]; then
  git update-index --skip-worktree -- "$ignore"
else
  exclude "/$(realpath -m --relative-to=. -- "$ignore")"
fi
echo "$dir is left out of the build context by $ignore"
