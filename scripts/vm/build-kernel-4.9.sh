#!/usr/bin/env bash
# Builds the 4.9.337 kernel of the tcp_tw_recycle tests from source, the way the prebuilt copy in
# CI (../shared/kernels/linux-4.9.337/, README there) was made, and puts it in the kernel cache
# that scripts/vm/run.sh --kernel linux-4.9.337 boots from:
#   ${SYNDROP_CACHE:-$HOME/.cache/syndrop}/kernels/linux-4.9.337/{bzImage,headers.tar.xz,config}
#
#   scripts/vm/build-kernel-4.9.sh SOURCE     SOURCE: linux-4.9.337.tar.xz (kernel.org) or an unpacked tree
#   JOBS=N (default: nproc)
# Needs gcc (Debian 12's 12.2 works; warnings only), make, bc, flex, bison, libelf-dev, libssl-dev.
# About 9 minutes with -j2. A rebuild is not bit-identical to the CI copy (build time stamps), so
# it is not checked against scripts/vm/kernels/linux-4.9.337.sha256.
# NOTE: written from the recipe in that README; not run in the syndrop repository's own CI.
set -euo pipefail
[ $# = 1 ] || { echo "usage: $0 linux-4.9.337.tar.xz|SOURCE_DIR" >&2; exit 2; }
src_arg=$1
name=linux-4.9.337 release=4.9.337
dest="${SYNDROP_CACHE:-${HOME:-/root}/.cache/syndrop}/kernels/$name"
for t in gcc make bc flex bison; do
  command -v "$t" >/dev/null || { echo "build-kernel-4.9.sh: $t missing (apt-get install build-essential bc flex bison libelf-dev libssl-dev)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/var/tmp}/syndrop-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -d "$src_arg" ]; then
  src=$(cd "$src_arg" && pwd)
else
  echo "unpacking $src_arg" >&2
  tar -xf "$src_arg" -C "$work"
  src=$(ls -d "$work"/linux-* | head -n1)
fi
[ -f "$src/Makefile" ] || { echo "build-kernel-4.9.sh: $src is not a kernel source tree" >&2; exit 1; }
v=$(make -s -C "$src" kernelversion)
[ "$v" = "$release" ] || { echo "build-kernel-4.9.sh: $src is $v, not $release" >&2; exit 1; }

out="$work/build"
mkdir -p "$out"
make -C "$src" O="$out" x86_64_defconfig >/dev/null
cfg="$src/scripts/config --file $out/.config"
# What BCC, the VM harness and the seed scenario need, all built in (KPROBES exists only with MODULES=y).
for o in MODULES BPF BPF_SYSCALL BPF_JIT BPF_EVENTS KPROBES KPROBE_EVENT UPROBES UPROBE_EVENT PERF_EVENTS \
         FTRACE FUNCTION_TRACER DYNAMIC_FTRACE KALLSYMS KALLSYMS_ALL IKCONFIG IKCONFIG_PROC DEBUG_FS \
         NAMESPACES NET_NS PID_NS UTS_NS IPC_NS VETH \
         NETFILTER NETFILTER_ADVANCED NF_CONNTRACK NF_CONNTRACK_PROCFS NF_NAT NF_NAT_IPV4 NF_NAT_MASQUERADE_IPV4 \
         IP_NF_IPTABLES IP_NF_FILTER IP_NF_NAT IP_NF_TARGET_MASQUERADE NETFILTER_XT_MATCH_CONNTRACK \
         NF_TABLES NF_TABLES_IPV4 NF_TABLES_INET NFT_NAT NFT_MASQ NFT_MASQ_IPV4 NFT_CHAIN_NAT_IPV4 NFT_META NFT_COMPAT \
         VIRTIO VIRTIO_PCI VIRTIO_NET NET_9P NET_9P_VIRTIO 9P_FS 9P_FS_POSIX_ACL TMPFS DEVTMPFS DEVTMPFS_MOUNT \
         SERIAL_8250 SERIAL_8250_CONSOLE; do
  $cfg --enable "$o"
done
$cfg --disable STACK_VALIDATION --disable DEBUG_INFO
make -C "$src" O="$out" olddefconfig >/dev/null
# Every module becomes built in: the VM boots without an initramfs module tree.
sed -i 's/=m$/=y/' "$out/.config"
make -C "$src" O="$out" olddefconfig >/dev/null
for o in KPROBES KPROBE_EVENT BPF_EVENTS NET_9P_VIRTIO 9P_FS VETH NFT_META; do
  grep -q "^CONFIG_$o=y" "$out/.config" || { echo "build-kernel-4.9.sh: CONFIG_$o did not end up =y" >&2; exit 1; }
done
echo "building $release (make -j${JOBS:-$(nproc)}; about 9 minutes on 2 cores)" >&2
make -C "$src" O="$out" -j"${JOBS:-$(nproc)}" bzImage >"$work/make.log" 2>&1 \
  || { tail -n 40 "$work/make.log" >&2; echo "build-kernel-4.9.sh: the build failed (log above)" >&2; exit 1; }

# The headers tree BCC compiles against, laid out like Debian's linux-headers: the source's
# include/ and arch/x86/include merged with the generated headers, .config and auto.conf.
h="$work/headers/$release"
mkdir -p "$h/arch/x86" "$h/include/config"
cp -a "$src/include/." "$h/include/"
cp -a "$src/arch/x86/include" "$h/arch/x86/"
cp -a "$out/include/generated" "$h/include/"
cp -a "$out/arch/x86/include/generated" "$h/arch/x86/include/"
cp "$out/include/config/auto.conf" "$out/include/config/kernel.release" "$h/include/config/"
cp "$out/.config" "$h/.config"

mkdir -p "$dest.tmp"
cp "$out/arch/x86/boot/bzImage" "$dest.tmp/bzImage"
cp "$out/.config" "$dest.tmp/config"
tar -C "$work/headers" -cJf "$dest.tmp/headers.tar.xz" "$release"
rm -rf "$dest"; mv "$dest.tmp" "$dest"
echo "$dest"
