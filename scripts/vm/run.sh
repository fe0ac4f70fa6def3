#!/usr/bin/env bash
# Boots Debian's stock kernel (test bed B, see docs/vm-harness.md) under QEMU/TCG with the host's
# root file system shared read-only, runs COMMAND there and exits with its exit code.
#
#   scripts/vm/run.sh [--timeout SECS] [--mem MB] [--cpus N] [--out-dir DIR] [--name NAME]
#                     [--env NAME=VALUE]... [--console] [--with-headers] [--kernel NAME] -- COMMAND...
#
# COMMAND's words are joined with spaces and run by `sh -c` in the guest (as ssh does), in the
# caller's working directory, as root, with PATH, JAVA_HOME, HOME and LANG set for the chroot and
# SYNDROP_IN_VM=1. The guest sees the host's files read-only; /tmp and /run are fresh tmpfs there,
# except that a working directory under them is shown read-only at its path (its top folder,
# /tmp/NAME, is shared on its own; /tmp itself cannot be). The guest's stdout/stderr are printed on ours
# after the VM has stopped; kernel and boot messages go to console.log (printed on a boot failure,
# or always with --console).
# Exit: the command's exit code; 124 when the timeout (default 600 s) hit, QEMU is killed;
#       125 when the VM did not run the command (boot failure; the console log is shown).
# --out-dir DIR keeps stdout, stderr, rc, kernel-release, uptime-start/-end, console.log and a
# status file (status=exited|timeout|boot-failed, exit=N, wall_ms=N) in DIR.
# --with-headers installs linux-headers-<guest release> on the host first (BCC in the guest).
# --kernel NAME boots a given kernel from the kernel cache instead of Debian's (scripts/vm/
# prepare-kernel.sh; e.g. linux-4.9.337, everything built in, its headers as /lib/modules/<rel>/build).
# --kernel NAME with a pin scripts/vm/kernels/NAME.pin boots that Debian kernel of another suite
# instead (prepare.sh --pin; debian-5.10 is bullseye's, debian-6.12 trixie's).
# Environment: SYNDROP_CACHE (cache root), SYNDROP_VM_MODULES (modules to load at boot, default
# the network test set), SYNDROP_VM_ROOT_CACHE (9p cache mode of the shared root, default loose),
# SYNDROP_VM_APPEND (kernel command line instead of "quiet loglevel=4"), SYNDROP_VM_CPU (QEMU's
# -cpu, default max), SYNDROP_VM_ACCEL (QEMU's -accel, default tcg,thread=multi).
# Braces: bash parses the whole script before running it, so editing it mid-run is safe.
{
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout=600 mem=1536 cpus=2 out_dir="" name="syndrop-vm-$$" show_console=0
extra_env=() prepare_args=() given_kernel=""
usage() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0" >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
    --mem) mem=${2:?--mem needs megabytes}; shift 2 ;;
    --cpus) cpus=${2:?--cpus needs a count}; shift 2 ;;
    --out-dir) out_dir=${2:?--out-dir needs a directory}; shift 2 ;;
    --name) name=${2:?--name needs a name}; shift 2 ;;
    --env) extra_env+=("${2:?--env needs NAME=VALUE}"); shift 2 ;;
    --console) show_console=1; shift ;;
    --with-headers) prepare_args+=(--with-headers); shift ;;
    --kernel) given_kernel=${2:?--kernel needs a name like linux-4.9.337}; shift 2 ;;
    --) shift; break ;;
    -h|--help) usage 0 ;;
    *) echo "run.sh: unknown option '$1' (the command goes after --)" >&2; usage ;;
  esac
done
[ $# -gt 0 ] || { echo "run.sh: no command given (scripts/vm/run.sh [options] -- COMMAND...)" >&2; exit 2; }
for n in "$timeout" "$mem" "$cpus"; do
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] || { echo "run.sh: '$n' is not a positive whole number" >&2; exit 2; }
done
for e in "${extra_env[@]}"; do
  [[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "run.sh: --env wants NAME=VALUE, got '$e'" >&2; exit 2; }
done

cwd=$(pwd -P)
# The guest's /tmp and /run are fresh tmpfs, so a checkout there (a clone under /tmp) would be
# hidden: the top folder holding the working directory (/tmp/NAME) goes to the guest as a share
# of its own, mounted read-only at the same path over that tmpfs.
cwd_share=""
case "$cwd" in
  /tmp|/run) echo "run.sh: the working directory $cwd itself cannot be shown in the guest (fresh tmpfs there); run from a folder inside it or elsewhere" >&2; exit 2 ;;
  /tmp/*|/run/*) cwd_share=$(printf '%s\n' "$cwd" | cut -d/ -f1-3) ;;
esac
cwd_share_args=()
[ -n "$cwd_share" ] && cwd_share_args=(-virtfs "local,path=$cwd_share,mount_tag=cwdshare,security_model=none,readonly=on,multidevs=remap")

command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 missing: apt-get install qemu-system-x86 (scripts/install-deps.sh --test)" >&2; exit 125; }
if [ -n "$given_kernel" ] && [ -f "$here/kernels/$given_kernel.pin" ]; then
  # A Debian kernel of another suite (kernels/NAME.pin): modules and the network test set as for 6.1.
  kdir=$("$here/prepare.sh" --pin "$given_kernel" "${prepare_args[@]}") || { echo "run.sh: preparing the kernel $given_kernel failed (see above)" >&2; exit 125; }
elif [ -n "$given_kernel" ]; then
  kdir=$("$here/prepare-kernel.sh" "$given_kernel") || { echo "run.sh: kernel $given_kernel is not available (see above)" >&2; exit 125; }
  # Everything is built in: there are no modules to load.
  : "${SYNDROP_VM_MODULES=}"
else
  kdir=$("$here/prepare.sh" "${prepare_args[@]}") || { echo "run.sh: preparing the kernel failed (see above)" >&2; exit 125; }
fi
release=$(cat "$kdir/release")

# State for the trap: what to kill and what to delete, whatever way we leave.
qpid="" spid="" io=""
cleanup() {
  { for p in $qpid $spid; do kill -KILL "$p"; wait "$p"; done; } 2>/dev/null || true
  if [ -n "$io" ] && [ -z "$out_dir" ]; then rm -rf "$io"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$out_dir" ]; then
  mkdir -p "$out_dir"; io=$(cd "$out_dir" && pwd -P)
  rm -f "$io"/{stdout,stderr,rc,kernel-release,uptime-start,uptime-end,console.log,qemu.log,status,boot-error,job.sh,boot.env}
else
  io=$(mktemp -d "${TMPDIR:-/tmp}/syndrop-vm.XXXXXX")
fi

# Single quotes survive anything but a single quote, which becomes '\''.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

java_home=${JAVA_HOME:-}
if [ -z "$java_home" ] && command -v java >/dev/null; then
  java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[ -n "$java_home" ] && path="$java_home/bin:$path"

{
  echo "SYNDROP_VM_MODTREE=$(q "$kdir/pkg/lib/modules")"
  echo "SYNDROP_VM_BOOTDIR=$(q "$kdir/pkg/boot")"
  echo "SYNDROP_VM_ROOT_CACHE=$(q "${SYNDROP_VM_ROOT_CACHE-loose}")"
  echo "SYNDROP_VM_CWD_SHARE=$(q "$cwd_share")"
  # Network test modules, loaded when the kernel has them as modules; a missing one is only logged.
  echo "SYNDROP_VM_MODULES=$(q "${SYNDROP_VM_MODULES-veth nf_conntrack nf_nat nf_tables nft_chain_nat nft_masq nft_nat nft_compat ip_tables iptable_filter iptable_nat xt_MASQUERADE xt_conntrack sch_netem}")"
} >"$io/boot.env"
{
  echo "export PATH=$(q "$path") HOME=$(q "${HOME:-/root}") LANG=C.UTF-8 TERM=dumb SYNDROP_IN_VM=1"
  [ -n "$java_home" ] && echo "export JAVA_HOME=$(q "$java_home")"
  for e in "${extra_env[@]}"; do echo "export ${e%%=*}=$(q "${e#*=}")"; done
  echo "cd $(q "$cwd") || { echo 'syndrop-vm: cannot cd to $cwd in the guest' >&2; exit 125; }"
  echo "exec sh -c $(q "$*")"
} >"$io/job.sh"

start=$(date +%s%N)
# pdeathsig: QEMU dies with us even when we are SIGKILLed and no trap can run.
setpriv --pdeathsig KILL -- qemu-system-x86_64 -name "$name" -nodefaults -no-user-config -display none -no-reboot \
  -accel "${SYNDROP_VM_ACCEL:-tcg,thread=multi}" -cpu "${SYNDROP_VM_CPU:-max}" -smp "$cpus" -m "$mem" -nic none \
  -kernel "$kdir/vmlinuz" -initrd "$kdir/initramfs.gz" \
  -append "console=ttyS0 ${SYNDROP_VM_APPEND:-quiet loglevel=4} panic=-1 oops=panic" \
  -serial "file:$io/console.log" -monitor none \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$io,mount_tag=vmio,security_model=none,multidevs=remap" \
  "${cwd_share_args[@]}" \
  </dev/null >"$io/qemu.log" 2>&1 &
qpid=$!
sleep "$timeout" &
spid=$!
wait -n "$qpid" "$spid" || true
wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))

status=exited
if kill -0 "$qpid" 2>/dev/null; then status=timeout; fi
# Braces: bash reports a killed background job on the shell's stderr while waiting for it.
{ kill -KILL "$qpid" "$spid"; wait "$qpid"; wait "$spid"; } 2>/dev/null || true
qpid="" spid=""

[ -f "$io/stdout" ] && cat "$io/stdout"
[ -f "$io/stderr" ] && cat "$io/stderr" >&2
if [ "$status" = timeout ]; then
  rc=124
  echo "syndrop-vm: TIMEOUT after ${timeout}s; QEMU killed (kernel $release)" >&2
elif [ -f "$io/rc" ]; then
  rc=$(cat "$io/rc")
else
  status=boot-failed rc=125
  echo "syndrop-vm: the VM stopped without running the command$( [ -f "$io/boot-error" ] && echo ": $(cat "$io/boot-error")")" >&2
fi
if [ "$status" = boot-failed ] || [ "$show_console" = 1 ]; then
  echo "---- syndrop-vm console ($release) ----" >&2
  tail -n 60 "$io/console.log" >&2 2>/dev/null || true
  [ -s "$io/qemu.log" ] && { echo "---- qemu ----" >&2; cat "$io/qemu.log" >&2; }
  echo "---- end of console ----" >&2
fi
printf 'status=%s\nexit=%s\nwall_ms=%s\nkernel=%s\n' "$status" "$rc" "$wall_ms" "$(cat "$io/kernel-release" 2>/dev/null || true)" >"$io/status"
exit "$rc"
exit
}
