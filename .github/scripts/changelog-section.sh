#!/usr/bin/env bash
# changelog-section.sh VERSION [CHANGELOG.md] — print the body of the `## [VERSION]` section of a
# Keep a Changelog file (without its heading), for the release notes. Fails when the section is
# missing or empty, so a release is never published without notes. VERSION may carry a leading v.
set -euo pipefail

version=${1:?usage: changelog-section.sh VERSION [CHANGELOG.md]}
version=${version#v}
file=${2:-CHANGELOG.md}

body=$(awk -v v="$version" '
  /^## / {
    if (found) exit
    heading = $0
    sub(/^## +/, "", heading)
    sub(/^\[/, "", heading)
    split(heading, words, /[] ]/)
    if (words[1] == v) { found = 1; next }
  }
  found { print }
' "$file")

# Trim blank lines at both ends.
body=$(printf '%s\n' "$body" | sed -e '/./,$!d')
body=$(printf '%s\n' "$body" | tac | sed -e '/./,$!d' | tac)
if [ -z "$body" ]; then
  echo "::error file=$file::no \"## [$version]\" section with content in $file" >&2
  exit 1
fi
printf '%s\n' "$body"
