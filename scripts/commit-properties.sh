#!/bin/sh
# Writes the commit this tree was built from as a properties file for `syndrop version` (run by
# agent-java/pom.xml). Asks git itself, because git worktrees and submodules keep .git as a file that
# Java git libraries misread. Outside a git checkout, or without git, the commit is "unknown".
set -eu
out=$1
dir=$(dirname "$0")/..
commit=$(git -C "$dir" rev-parse --verify -q HEAD 2>/dev/null) || commit=unknown
if [ "$commit" != unknown ] && ! git -C "$dir" diff --quiet HEAD -- 2>/dev/null; then
  commit="$commit-dirty"
fi
mkdir -p "$(dirname "$out")"
printf '# Written by scripts/commit-properties.sh at build time.\ncommit=%s\n' "$commit" > "$out"
