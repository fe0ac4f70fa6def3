#!/usr/bin/env bash
# Builds a position-independent static libbpf from Debian's own source package, because Debian's
# libbpf.a is not PIC and cannot be linked into the shim's shared object (docs/build.md).
# Output: $SYNDROP_CACHE/libbpf-<ver>/{lib/libbpf.a,include/bpf/*.h}; prints that directory.
set -euo pipefail
cache=${SYNDROP_CACHE:-${HOME:-/root}/.cache/syndrop}
mkdir -p "$cache"
exec 9>"$cache/.libbpf.lock"
flock 9

ver=$(dpkg-query -W -f='${source:Upstream-Version}' libbpf-dev 2>/dev/null || true)
[ -n "$ver" ] || { echo "syndrop: libbpf-dev is not installed; run scripts/install-deps.sh" >&2; exit 1; }
out="$cache/libbpf-$ver"
if [ -f "$out/lib/libbpf.a" ] && [ -f "$out/include/bpf/bpf_helpers.h" ]; then echo "$out"; exit 0; fi

src="$cache/src"
mkdir -p "$src"
if ! ls "$src"/libbpf_*"$ver"*.dsc >/dev/null 2>&1; then
  if ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/ ; then
    # Same archive and suite as the binary packages, source side only.
    cat > /etc/apt/sources.list.d/syndrop-deb-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt-get update -q >/dev/null
  fi
  (cd "$src" && apt-get source --download-only -q libbpf >/dev/null 2>&1)
fi
rm -rf "$src/tree" && mkdir -p "$src/tree"
(cd "$src/tree" && dpkg-source --no-check -x "$(ls "$src"/libbpf_*.dsc | tail -n 1)" libbpf >/dev/null)
make -s -C "$src/tree/libbpf/src" BUILD_STATIC_ONLY=1 OBJDIR="$src/obj" EXTRA_CFLAGS='-fPIC -O2' \
     DESTDIR="$out" PREFIX= LIBDIR=/lib INCLUDEDIR=/include install >/dev/null
rm -rf "$src/tree" "$src/obj"
echo "$out"
