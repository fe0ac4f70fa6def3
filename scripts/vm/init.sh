#!/bin/sh
# /init of the syndrop VM's initramfs (runs under busybox as PID 1 inside the guest).
# Mounts the host root read-only over 9p at /newroot, gives it writable /tmp and /run, the kernel
# file systems BPF tooling expects, the guest kernel's own modules at /lib/modules/<release>, and
# runs the job that scripts/vm/run.sh left on the "vmio" share. The job's stdout, stderr and exit
# code go back through that share; this script's own messages go to the serial console only.
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "syndrop-vm-init: $*"; }
halt() { sync; poweroff -f; sleep 5; echo o >/proc/sysrq-trigger; }
fail() {
  say "FAILED: $*"
  [ -d /vmio/. ] && echo "$*" >/vmio/boot-error 2>/dev/null
  halt
}

while read -r m; do
  insmod "/lib/modules/$m.ko" || say "insmod $m failed"
done </lib/modules/order

mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmio /vmio || fail "cannot mount the vmio share"
[ -f /vmio/boot.env ] || fail "no boot.env on the vmio share"
. /vmio/boot.env
mount -t 9p -o "trans=virtio,version=9p2000.L,ro,msize=262144${SYNDROP_VM_ROOT_CACHE:+,cache=$SYNDROP_VM_ROOT_CACHE}" hostroot /newroot \
  || fail "cannot mount the host root share"
rel=$(uname -r)
echo "$rel" >/vmio/kernel-release

R=/newroot
mount -t tmpfs -o mode=1777 tmpfs $R/tmp || fail "tmpfs on /tmp"
mount -t tmpfs -o mode=755 tmpfs $R/run || fail "tmpfs on /run"
# A caller's working directory under /tmp or /run: its top folder, shared on its own (run.sh).
if [ -n "$SYNDROP_VM_CWD_SHARE" ]; then
  mkdir -p "$R$SYNDROP_VM_CWD_SHARE" && mount -t 9p -o "trans=virtio,version=9p2000.L,ro,msize=262144${SYNDROP_VM_ROOT_CACHE:+,cache=$SYNDROP_VM_ROOT_CACHE}" \
    cwdshare "$R$SYNDROP_VM_CWD_SHARE" || fail "cannot mount the working directory's share at $SYNDROP_VM_CWD_SHARE"
fi
mount -t proc proc $R/proc || fail "proc"
mount -t sysfs sysfs $R/sys || fail "sysfs"
mount -t devtmpfs devtmpfs $R/dev || fail "devtmpfs"
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t bpf bpf $R/sys/fs/bpf || fail "bpffs on /sys/fs/bpf"
mount -t tracefs tracefs $R/sys/kernel/tracing || say "tracefs not mounted"
mount -t debugfs debugfs $R/sys/kernel/debug || say "debugfs not mounted"
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup || say "cgroup2 not mounted"

# The host's /lib/modules belongs to the host kernel; show the guest kernel's tree there instead,
# so the host's modprobe (and the kernel's module autoloading, see /sbin/modprobe) find them.
src="$R$SYNDROP_VM_MODTREE/$rel"
[ -d "$src" ] || fail "guest modules not found at $SYNDROP_VM_MODTREE/$rel"
mount -t tmpfs -o mode=755 tmpfs $R/lib/modules || fail "tmpfs on /lib/modules"
mkdir -p "$R/lib/modules/$rel"
mount -o bind "$src" "$R/lib/modules/$rel" || fail "bind mount of the guest modules"

# bpftool and BCC read the kernel config from /boot/config-<release>: show the package's /boot.
mount -o bind "$R$SYNDROP_VM_BOOTDIR" $R/boot || say "kernel config not shown at /boot"

mkdir -p $R/run/syndrop-vm
mount -o move /vmio $R/run/syndrop-vm || fail "cannot move the vmio share into the new root"
IO=$R/run/syndrop-vm

hostname syndrop-vm
ip link set lo up || say "lo not up"
ulimit -l unlimited
# One modprobe for all: each run of it reads modules.dep over 9p, which is slow under TCG.
if [ -n "$SYNDROP_VM_MODULES" ]; then
  say "loading $SYNDROP_VM_MODULES at $(cut -d' ' -f1 /proc/uptime)"
  chroot $R /sbin/modprobe -a -q $SYNDROP_VM_MODULES 2>/dev/null || true
  for m in $SYNDROP_VM_MODULES; do
    [ -d /sys/module/$m ] || say "module $m not loaded (not shipped by this kernel or built in)"
  done
  say "modules done at $(cut -d' ' -f1 /proc/uptime)"
fi

cut -d' ' -f1 /proc/uptime >$IO/uptime-start
env -i /bin/busybox chroot $R /bin/sh /run/syndrop-vm/job.sh </dev/null >$IO/stdout 2>$IO/stderr
rc=$?
cut -d' ' -f1 /proc/uptime >$IO/uptime-end
echo "$rc" >$IO/rc.tmp && mv $IO/rc.tmp $IO/rc
say "job exited with $rc"
halt
