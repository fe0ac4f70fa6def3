#!/usr/bin/env bash
# Installs the Debian packages syndrop's build and tests need, only those missing.
# Called by ./syndrop (build step) and by scripts/test.sh; safe to run again.
# Tested on Debian 12 (bookworm); README (its first section) says what other distributions would need.
set -euo pipefail

BUILD_PKGS=(clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool make gcc pkg-config dpkg-dev)
TEST_PKGS=(iproute2 iptables kmod busybox-static qemu-system-x86 rsyslog tcpdump bpftrace
           libbpfcc libbpfcc-dev linux-headers-amd64 linux-perf procps rsyslog-gnutls openssl
           systemd util-linux lintian
           containerd runc docker.io umoci libcap2-bin python3  # containers: the image, identity tests
           tshark)  # reads back the pcapng files watch/agent --pcap and the pcapng sink write

# The JDK, Maven and Node are often installed some other way (a vendor JDK, SDKMAN, NodeSource,
# a tarball): judge them by the command on PATH, and add Debian's package only when it is absent.
# Debian's nodejs has no npm; its npm package does (NodeSource's nodejs ships npm and conflicts
# with Debian's npm package, so npm is only added when no npm command exists).
java_major() {
  command -v java >/dev/null || return 0
  java -XshowSettings:properties -version 2>&1 | awk -F'= *' '/java.specification.version/ {print $2; exit}'
}
jdk_ok() {
  local v; v=$(java_major)
  command -v javac >/dev/null && [ -n "$v" ] && [ "${v%%.*}" -ge 17 ] 2>/dev/null
}

want=("${BUILD_PKGS[@]}")
jdk_ok || want+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || want+=(maven)
if [ "${1:-}" = "--test" ]; then
  want+=("${TEST_PKGS[@]}")
  command -v node >/dev/null || want+=(nodejs)
  command -v npm >/dev/null || want+=(npm)
fi

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
  # wireshark-common asks whether non-root users may capture (a setuid dumpcap): they may not.
  if printf '%s\n' "${missing[@]}" | grep -qx tshark; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  fi
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# An older java ahead on PATH (or chosen by update-alternatives) would still win over the new one.
if ! jdk_ok; then
  echo "syndrop: needs a JDK 17 or newer as java/javac on PATH; found $(command -v java || echo 'no java')" \
       "(Java $(java_major)). Put a JDK 17+ first on PATH (Debian: apt-get install openjdk-17-jdk-headless;" \
       "update-alternatives --config java)" >&2
  exit 1
fi
