#!/usr/bin/env bash
# Copies a prebuilt kernel (bzImage, headers.tar.xz, config) into the kernel cache that
# scripts/vm/run.sh --kernel NAME boots from, after checking it against the checksums pinned in
# scripts/vm/kernels/NAME.sha256. CI fills linux-4.9.337 from ../shared/kernels/linux-4.9.337/
# (scripts/test.sh); elsewhere build it with scripts/vm/build-kernel-4.9.sh.
#
#   scripts/vm/fill-kernel-cache.sh NAME SOURCE_DIR
#   The cache is ${SYNDROP_CACHE:-$HOME/.cache/syndrop}/kernels/NAME/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# = 2 ] || { echo "usage: $0 NAME SOURCE_DIR   (e.g. linux-4.9.337 ../shared/kernels/linux-4.9.337)" >&2; exit 2; }
name=$1 src=$2
sums="$here/kernels/$name.sha256"
[ -f "$sums" ] || { echo "fill-kernel-cache.sh: no pinned checksums for '$name' ($sums)" >&2; exit 2; }
[ -d "$src" ] || { echo "fill-kernel-cache.sh: $src is not a directory" >&2; exit 1; }
dest="${SYNDROP_CACHE:-${HOME:-/root}/.cache/syndrop}/kernels/$name"
# Already there and intact: nothing to do (sha256sum of 11 MB takes well under a second).
if [ -f "$dest/.verified" ] && (cd "$dest" && sha256sum --quiet -c "$sums" >/dev/null 2>&1); then
  echo "$dest"; exit 0
fi
(cd "$src" && sha256sum --quiet -c "$sums") \
  || { echo "fill-kernel-cache.sh: the files in $src do not match $sums; not using them" >&2; exit 1; }
mkdir -p "$(dirname "$dest")"
tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
for f in bzImage headers.tar.xz config; do cp "$src/$f" "$tmp/$f"; done
(cd "$tmp" && sha256sum --quiet -c "$sums") || { echo "fill-kernel-cache.sh: copy corrupted" >&2; exit 1; }
touch "$tmp/.verified"
rm -rf "$dest"; mv "$tmp" "$dest"
trap - EXIT
echo "$dest"
