#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run) and as the README tells a developer to run it.
# Needs root: tests create network namespaces, load BPF programs and boot a VM.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
if [ "$(id -u)" != 0 ]; then
  echo "syndrop tests need root (network namespaces, BPF, the VM harness): run sudo $0" >&2
  exit 1
fi
scripts/install-deps.sh --test
scripts/install-node-deps.sh
# The 4.9 kernel of the tcp_tw_recycle tests (Kernel49VmTest): CI has a prebuilt copy beside the
# checkout; elsewhere fill the cache once with scripts/vm/build-kernel-4.9.sh (docs/vm-harness.md).
if [ -d ../shared/kernels/linux-4.9.337 ]; then
  scripts/vm/fill-kernel-cache.sh linux-4.9.337 ../shared/kernels/linux-4.9.337 >/dev/null
fi
exec mvn -B verify "$@"
