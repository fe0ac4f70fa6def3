#!/usr/bin/env bash
# Fetches the .deb files a kernel pin names (scripts/vm/kernels/NAME.pin: a Debian kernel from a
# suite the host's apt does not use, e.g. bullseye's 5.10 or trixie's 6.12), checks each against
# the pinned sha256 and prints their paths, the kernel image first. The host's apt configuration
# is neither read for the suite nor changed: each file is fetched by its path in the archive with
# apt's own downloader (apt-helper, the host's proxy settings apply), and a file whose sum differs
# from the pin is refused, so no signature chain is needed. Kept in
# ${SYNDROP_CACHE:-$HOME/.cache/syndrop}/debs/ and checked again on every use.
#
#   scripts/vm/fetch-debian-kernel.sh NAME            (e.g. debian-5.10)
#   SYNDROP_DEBIAN_MIRROR  the archive (default http://deb.debian.org/debian)
# Braces: bash parses the whole script before running it, so editing it mid-run is safe.
{
set -euo pipefail
say() { echo "syndrop-vm: $*" >&2; }
die() { say "$*"; exit 1; }
[ $# = 1 ] || die "usage: $0 NAME (a pin under scripts/vm/kernels/, e.g. debian-5.10)"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pin="$here/kernels/$1.pin"
[ -f "$pin" ] || die "no kernel pin $pin (the pins: $(cd "$here/kernels" && ls *.pin 2>/dev/null | sed 's/\.pin$//' | tr '\n' ' '))"
mirror=${SYNDROP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
store="${SYNDROP_CACHE:-${HOME:-/root}/.cache/syndrop}/debs"
mkdir -p "$store"

exec 9>"$store/.lock"
flock 9
n=0
while read -r key sum path; do
  [ "$key" = deb ] || continue
  n=$((n + 1))
  f="$store/$(basename "$path")"
  if [ ! -f "$f" ] || [ "$(sha256sum <"$f" | cut -d' ' -f1)" != "$sum" ]; then
    rm -f "$f" "$f.part"
    say "downloading $mirror/$path"
    # apt-helper checks the sum itself; the file only gets its name once it matched.
    /usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "$mirror/$path" "$f.part" "SHA256:$sum" >/dev/null 2>"$f.err" || {
      cat "$f.err" >&2; rm -f "$f.part" "$f.err"
      die "cannot fetch $path with sha256 $sum from $mirror (pinned in $pin). If Debian removed that
  version (a point release replaced it), pin the current one: scripts/vm/pin-debian-kernel.sh SUITE PACKAGE"
    }
    rm -f "$f.err"
    [ "$(sha256sum <"$f.part" | cut -d' ' -f1)" = "$sum" ] || { rm -f "$f.part"; die "$path: sha256 differs from the pin $pin"; }
    mv "$f.part" "$f"
  fi
  echo "$f"
done <"$pin"
[ "$n" -gt 0 ] || die "$pin names no deb"
exit
}
