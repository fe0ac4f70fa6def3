#!/usr/bin/env bash
# Installs the Debian packages syndrop's build and tests need, only those missing.
# Called by ./syndrop (build step) and by scripts/test.sh; safe to run again.
set -euo pipefail

BUILD_PKGS=(clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool make gcc pkg-config dpkg-dev)
TEST_PKGS=(iproute2 iptables kmod busybox-static qemu-system-x86 rsyslog tcpdump bpftrace
           libbpfcc libbpfcc-dev linux-headers-amd64 linux-perf procps nodejs rsyslog-gnutls openssl)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "syndrop: missing Debian packages: ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "syndrop: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
