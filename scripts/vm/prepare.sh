#!/usr/bin/env bash
# Prepares "test bed B": Debian's stock kernel (the one linux-image-amd64 points at) plus a tiny
# busybox initramfs that mounts the host's root read-only over 9p. Cached between runs under
# ${SYNDROP_CACHE:-$HOME/.cache/syndrop}/vm/<kernel release>-<script hash>/; safe to run again
# and concurrently.
# Prints the cache directory of the prepared kernel on stdout (everything else goes to stderr).
#
#   scripts/vm/prepare.sh [--with-headers]
#     --with-headers  also install linux-headers-<release> on the host (BCC inside the VM compiles
#                     against them through the shared root; needs root)
#   scripts/vm/prepare.sh --pin NAME [--with-headers]
#     --pin NAME      a Debian kernel of another suite pinned in scripts/vm/kernels/NAME.pin (e.g.
#                     debian-5.10, debian-6.12), fetched by fetch-debian-kernel.sh with checked
#                     sha256 sums; its headers are unpacked into the cache (--with-headers is moot)
#   SYNDROP_VM_KERNEL_PKG=linux-image-6.1.0-NN-amd64 pins the package instead of asking apt.
# Braces: bash parses the whole script before running it, so editing it mid-run is safe.
{
set -euo pipefail

with_headers=0 pin_name=""
while [ $# -gt 0 ]; do
  case "$1" in
    --with-headers) with_headers=1; shift ;;
    --pin) pin_name=${2:?--pin needs a name like debian-5.10}; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "prepare.sh: unknown option '$1' (--with-headers, --pin NAME)" >&2; exit 2 ;;
  esac
done

say() { echo "syndrop-vm: $*" >&2; }
die() { say "$*"; exit 1; }

cache_root="${SYNDROP_CACHE:-${HOME:-/root}/.cache/syndrop}/vm"
mkdir -p "$cache_root"

# Modules the initramfs needs to reach the host root over virtio 9p. What they depend on differs
# per kernel (5.10: fscache, no netfs; 6.1: netfs and fscache; virtio_pci_*_dev from 5.14), so
# the load order comes from the package's own modules.dep (modprobe --show-depends), not a list.
BOOT_MODULES=(virtio_pci 9pnet_virtio 9p)
here=$(cd "$(dirname "$0")" && pwd)
pin=""
if [ -n "$pin_name" ]; then
  pin="$here/kernels/$pin_name.pin"
  [ -f "$pin" ] || die "no kernel pin $pin"
fi
pin_field() { awk -v k="$1" '$1 == k {print $2; exit}' "$pin"; }

# Which kernel package "linux-image-amd64" means today; apt lists may be missing on a fresh machine.
resolve_pkg() {
  if [ -n "${SYNDROP_VM_KERNEL_PKG:-}" ]; then echo "$SYNDROP_VM_KERNEL_PKG"; return; fi
  local p
  p=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1=="Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
  if [ -z "$p" ] && [ "$(id -u)" = 0 ]; then
    say "apt does not know linux-image-amd64 yet; running apt-get update"
    apt-get update -q >/dev/null 2>&1 || true
    p=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1=="Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
  fi
  echo "$p"
}

# A hash of the scripts that shape the cache names its directory: a changed init.sh gets a new
# one, and checkouts with different versions of these scripts never pull the files from under
# each other's running VMs (file times would not do either: every fresh clone has new ones).
recipe=$(cat "$0" "$(dirname "$0")/init.sh" ${pin:+"$pin"} | sha256sum | cut -c1-12)

if [ -n "$pin" ]; then
  pkg=$(pin_field package)
  [ "$(pin_field release)" = "${pkg#linux-image-}" ] || die "$pin: release does not match package $pkg"
else
  pkg=$(resolve_pkg)
fi
if [ -z "$pkg" ]; then
  # Offline or no apt lists: fall back to the Debian kernel of the host's apt prepared most
  # recently (not a pinned one of another suite, nor a given kernel like linux-4.9.337).
  last=$(for r in $(ls -1td "$cache_root"/*/.ready 2>/dev/null); do
           d=$(dirname "$r"); [ -f "$d/pin" ] && continue
           grep -q '^linux-image-' "$d/package" 2>/dev/null && echo "$r"
         done | head -n1 || true)
  [ -n "$last" ] || die "cannot find out which kernel linux-image-amd64 depends on (apt-cache depends linux-image-amd64 gave nothing) and nothing is cached; run 'apt-get update' as root, or set SYNDROP_VM_KERNEL_PKG=linux-image-6.1.0-NN-amd64"
  pkg=$(cat "$(dirname "$last")/package")
  say "apt cannot tell the current kernel; using the cached $pkg"
fi
release=${pkg#linux-image-}
dir="$cache_root/$release-$recipe"

install_headers() {
  local h="linux-headers-$release"
  [ -z "$pin" ] || return 0   # a pinned kernel's headers are unpacked in its cache
  if dpkg-query -W -f='${Status}' "$h" 2>/dev/null | grep -q 'install ok installed'; then return; fi
  [ "$(id -u)" = 0 ] || die "$h is not installed and installing it needs root: sudo apt-get install $h"
  say "installing $h on the host (BCC in the VM reads it through the shared root)"
  # apt's own lock serialises concurrent installers; ours keeps them from racing on the check.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$h" >/dev/null \
    || die "apt-get install $h failed; try 'apt-get update' first"
}

build() {
  local work="$dir.tmp.$$"
  rm -rf "$work"; mkdir -p "$work"
  trap 'rm -rf "$work"' RETURN

  local deb debs=()
  if [ -n "$pin" ]; then
    "$here/fetch-debian-kernel.sh" "$pin_name" >"$work/debs.list" || die "fetching the kernel pinned in $pin failed (see above)"
    mapfile -t debs <"$work/debs.list"
    [ "${#debs[@]}" -gt 0 ] || die "fetching the kernel pinned in $pin gave no file"
    dpkg-deb -x "${debs[0]}" "$work/pkg"
  else
    say "downloading $pkg"
    (cd "$work" && apt-get download -q "$pkg" >/dev/null 2>"$work/apt.err") \
      || { cat "$work/apt.err" >&2; die "apt-get download $pkg failed (is the package archive reachable? try apt-get update)"; }
    deb=$(ls "$work"/*.deb)
    dpkg-deb -x "$deb" "$work/pkg"
    rm -f "$deb" "$work/apt.err"
  fi

  local modroot; modroot=$(ls -d "$work"/pkg/lib/modules/* "$work"/pkg/usr/lib/modules/* 2>/dev/null | head -n1 || true)
  [ -n "$modroot" ] && [ "$(basename "$modroot")" = "$release" ] \
    || die "the package $pkg has no lib/modules/$release; cannot build the VM"
  local basedir=${modroot%/lib/modules/*}
  depmod -b "$basedir" "$release"
  # As linux-headers-<release> would on a real install; dangling until --with-headers installs them.
  ln -sfn "/usr/src/linux-headers-$release" "$modroot/build"
  ln -sfn "/usr/src/linux-headers-${release%-*}-common" "$modroot/source"
  # Keep the module tree at one fixed place whatever the package's usr-merge state is.
  if [ "$basedir" != "$work/pkg" ]; then mkdir -p "$work/pkg/lib/modules"; mv "$modroot" "$work/pkg/lib/modules/"; fi
  if [ -n "$pin" ]; then
    # The headers of another suite's kernel cannot be installed on this host (their compiler
    # dependencies are that suite's): unpacked next to the modules instead, the amd64 and common
    # trees side by side as in /usr/src, linked by the absolute host path the guest also sees.
    local h
    mkdir -p "$work/hdr" "$work/pkg/src"
    for h in "${debs[@]:1}"; do dpkg-deb -x "$h" "$work/hdr"; done
    [ -d "$work/hdr/usr/src/linux-headers-$release" ] || die "the headers pinned in $pin have no usr/src/linux-headers-$release"
    mv "$work/hdr/usr/src/"* "$work/pkg/src/"
    rm -rf "$work/hdr"
    ln -sfn "$dir/pkg/src/linux-headers-$release" "$work/pkg/lib/modules/$release/build"
    ln -sfn "$dir/pkg/src/linux-headers-${release%-amd64}-common" "$work/pkg/lib/modules/$release/source"
    cp "$pin" "$work/pin"
  fi
  cp "$work"/pkg/boot/vmlinuz-"$release" "$work/vmlinuz"

  # initramfs: static busybox, the boot modules (decompressed: busybox insmod reads plain .ko),
  # the /init script and a modprobe that forwards kernel module requests into the shared root.
  local ir="$work/initramfs"
  mkdir -p "$ir"/{bin,sbin,proc,sys,dev,newroot,vmio,lib/modules}
  cp /bin/busybox "$ir/bin/busybox"
  file_is_static=$(ldd /bin/busybox 2>&1 || true)
  case "$file_is_static" in *"not a dynamic"*|*"statically"*) ;; *) die "/bin/busybox is not static; install busybox-static" ;; esac
  ln -s busybox "$ir/bin/sh"
  local m f line
  local -A seen=()
  while read -r line; do
    case "$line" in
      "insmod "*) f=${line#insmod }; f=${f%% *} ;;
      builtin*) continue ;;
      *) die "modprobe --show-depends ${BOOT_MODULES[*]} said: $line" ;;
    esac
    m=$(basename "$f"); m=${m%%.ko*}
    [ -n "${seen[$m]:-}" ] && continue
    seen[$m]=1
    case "$f" in
      *.ko) cp "$f" "$ir/lib/modules/$m.ko" ;;
      *.ko.xz) xz -dc "$f" >"$ir/lib/modules/$m.ko" ;;
      *.ko.zst) zstd -qdc "$f" >"$ir/lib/modules/$m.ko" ;;
      *.ko.gz) gzip -dc "$f" >"$ir/lib/modules/$m.ko" ;;
      *) die "unknown module format: $f" ;;
    esac
    echo "$m" >>"$ir/lib/modules/order"
  done < <(modprobe -d "$work/pkg" -S "$release" -a --show-depends "${BOOT_MODULES[@]}" 2>&1 \
           || echo "failed: the package lacks one of ${BOOT_MODULES[*]} (not shipped, not built in)")
  : >>"$ir/lib/modules/order"
  cp "$(dirname "$0")/init.sh" "$ir/init"
  chmod 755 "$ir/init"
  printf '#!/bin/sh\n# Kernel module requests: run the host kmod on the guest kernel'"'"'s modules.\nexec /bin/busybox chroot /newroot /sbin/modprobe "$@"\n' >"$ir/sbin/modprobe"
  chmod 755 "$ir/sbin/modprobe"
  # busybox's cpio: the cpio package is not installed everywhere, busybox-static is a dependency anyway.
  (cd "$ir" && find . | sort | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$work/initramfs.gz"
  rm -rf "$ir"

  echo "$pkg" >"$work/package"
  echo "$release" >"$work/release"
  rm -rf "$dir"
  mv "$work" "$dir"
  touch "$dir/.ready"
  trap - RETURN
  prune_unused
}

# Caches of other kernels or script versions that nobody used for three days.
prune_unused() {
  local d
  for d in "$cache_root"/*/; do
    d=${d%/}
    [ "$d" = "$dir" ] && continue
    case "$d" in *.tmp.*) [ -n "$(find "$d" -maxdepth 0 -mmin +60)" ] && rm -rf "$d"; continue ;; esac
    if [ -z "$(find "$d/.ready" "$d/.last-used" -maxdepth 0 -mtime -3 2>/dev/null)" ]; then
      say "removing the unused cache $d"
      rm -rf "$d"
    fi
  done
}

stamp_ok() { [ -f "$dir/.ready" ]; }
if ! stamp_ok; then
  exec 9>"$cache_root/.lock"
  flock 9
  if ! stamp_ok; then build; fi
  flock -u 9
fi
touch "$dir/.last-used"
if [ "$with_headers" = 1 ]; then
  exec 8>"$cache_root/.headers.lock"; flock 8; install_headers; flock -u 8
fi
echo "$dir"
exit
}
