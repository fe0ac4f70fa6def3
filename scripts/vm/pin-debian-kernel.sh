#!/usr/bin/env bash
# Prints a kernel pin (the format of scripts/vm/kernels/*.pin) for a Debian kernel image package
# and its headers, as the suite's Packages index lists them today. Reads that index through a
# private apt state under a temporary directory (the host's sources and lists stay untouched);
# the suite's Release file is checked with Debian's keyring like any apt update.
#
#   scripts/vm/pin-debian-kernel.sh SUITE PACKAGE >scripts/vm/kernels/NAME.pin
#   e.g. scripts/vm/pin-debian-kernel.sh bullseye linux-image-5.10.0-32-amd64
#   SYNDROP_DEBIAN_MIRROR  the archive (default http://deb.debian.org/debian)
# Braces: bash parses the whole script before running it, so editing it mid-run is safe.
{
set -euo pipefail
die() { echo "pin-debian-kernel: $*" >&2; exit 1; }
[ $# = 2 ] || die "usage: $0 SUITE linux-image-RELEASE (SUITE: bullseye, bookworm-backports, trixie, ...)"
suite=$1 pkg=$2
case "$pkg" in linux-image-*) ;; *) die "'$pkg' is not a linux-image-RELEASE package" ;; esac
release=${pkg#linux-image-}
mirror=${SYNDROP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring missing: apt-get install debian-archive-keyring"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$tmp/sources.list"
o=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$tmp/lists"
   -o "Dir::Cache=$tmp/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt-get "${o[@]}" update -q >"$tmp/update.log" 2>&1 || { cat "$tmp/update.log" >&2; die "apt-get update of $suite failed"; }
field() { apt-cache "${o[@]}" show "$1" 2>/dev/null | awk -v f="$2:" '$1 == f {print $2; exit}'; }
version=$(field "$pkg" Version)
[ -n "$version" ] || die "$suite has no $pkg (apt-cache ${o[*]} search linux-image lists what it has)"
echo "# $pkg $version from $suite, pinned $(date -u +%F) by scripts/vm/pin-debian-kernel.sh"
echo "suite $suite"
echo "package $pkg"
echo "release $release"
for p in "$pkg" "linux-headers-$release" "linux-headers-${release%-amd64}-common"; do
  [ -n "$(field "$p=$version" Filename)" ] || die "$suite has no $p=$version"
  echo "deb $(field "$p=$version" SHA256) $(field "$p=$version" Filename)"
done
exit
}
