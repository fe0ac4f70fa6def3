#!/usr/bin/env bash
# Prepares a given kernel (not a Debian package) for scripts/vm/run.sh --kernel NAME: a bzImage
# with everything built in (no modules), its headers tree and its config, taken from the kernel
# cache ${SYNDROP_CACHE:-$HOME/.cache/syndrop}/kernels/NAME/ (bzImage, headers.tar.xz, config).
# Builds, next to the Debian kernels' caches, vm/NAME-<script hash>/ with vmlinuz, a busybox
# initramfs (no modules to load), the headers unpacked as pkg/lib/modules/<release>/build (what BCC
# compiles against in the guest) and pkg/boot/config-<release>. Prints that directory.
#
#   scripts/vm/prepare-kernel.sh NAME
# Fills nothing itself: the cache comes from scripts/vm/fill-kernel-cache.sh (CI, a prebuilt copy
# with pinned checksums) or scripts/vm/build-kernel-4.9.sh (from a source tarball).
# Braces: bash parses the whole script before running it, so editing it mid-run is safe.
{
set -euo pipefail
say() { echo "syndrop-vm: $*" >&2; }
die() { say "$*"; exit 1; }
[ $# = 1 ] || die "usage: $0 NAME (e.g. linux-4.9.337)"
name=$1
case "$name" in */*|.*|"") die "kernel name '$name' must be a plain folder name like linux-4.9.337" ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache="${SYNDROP_CACHE:-${HOME:-/root}/.cache/syndrop}"
src="$cache/kernels/$name"
for f in bzImage headers.tar.xz config; do
  [ -f "$src/$f" ] || die "kernel $name is not in the cache ($src/$f missing). Fill it: in this repository's CI
  scripts/vm/fill-kernel-cache.sh $name ../shared/kernels/$name
(checks the pinned sha256 sums), or build it from the 4.9.337 source tarball:
  scripts/vm/build-kernel-4.9.sh linux-4.9.337.tar.xz
(see docs/vm-harness.md, 'A given kernel')"
done

# The directory name follows the scripts and the kernel itself: a rebuilt kernel gets a new one.
recipe=$(cat "$0" "$here/init.sh" "$src/bzImage" | sha256sum | cut -c1-12)
dir="$cache/vm/$name-$recipe"
mkdir -p "$cache/vm"

build() {
  local work="$dir.tmp.$$"
  rm -rf "$work"; mkdir -p "$work/pkg/boot" "$work/pkg/lib/modules"
  trap 'rm -rf "$work"' EXIT
  local top release
  top=$(tar -tJf "$src/headers.tar.xz" | awk 'NR == 1')  # awk reads on: no SIGPIPE for tar
  release=${top%%/*}
  [ -n "$release" ] || die "$src/headers.tar.xz has no top folder named after the kernel release"
  tar -xJf "$src/headers.tar.xz" -C "$work/pkg/lib/modules"
  [ -f "$work/pkg/lib/modules/$release/.config" ] || die "$src/headers.tar.xz: $release/.config missing; not a headers tree"
  mv "$work/pkg/lib/modules/$release" "$work/pkg/headers"
  mkdir -p "$work/pkg/lib/modules/$release"
  # The absolute host path: the guest sees the host root, so the link resolves there too.
  ln -s "$dir/pkg/headers" "$work/pkg/lib/modules/$release/build"
  cp "$src/config" "$work/pkg/boot/config-$release"
  cp "$src/bzImage" "$work/vmlinuz"

  local ir="$work/initramfs"
  mkdir -p "$ir"/{bin,sbin,proc,sys,dev,newroot,vmio,lib/modules}
  case "$(ldd /bin/busybox 2>&1 || true)" in *"not a dynamic"*|*"statically"*) ;; *) die "/bin/busybox is not static; install busybox-static" ;; esac
  cp /bin/busybox "$ir/bin/busybox"
  ln -s busybox "$ir/bin/sh"
  : >"$ir/lib/modules/order"   # everything is built in
  cp "$here/init.sh" "$ir/init"
  chmod 755 "$ir/init"
  (cd "$ir" && find . | sort | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$work/initramfs.gz"
  rm -rf "$ir"
  echo "$name" >"$work/package"
  echo "$release" >"$work/release"
  rm -rf "$dir"
  mv "$work" "$dir"
  touch "$dir/.ready"
  trap - EXIT
}

if [ ! -f "$dir/.ready" ]; then
  exec 9>"$cache/vm/.lock"
  flock 9
  [ -f "$dir/.ready" ] || build
  flock -u 9
fi
touch "$dir/.last-used"
echo "$dir"
exit
}
