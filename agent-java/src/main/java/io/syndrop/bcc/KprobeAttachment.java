package io.syndrop.bcc;

import com.sun.jna.Native;

/** One kprobe or kretprobe attached through libbcc; closing detaches it. */
public final class KprobeAttachment implements AutoCloseable {
    private final LibBcc lib;
    private final String eventName;
    private final String function;
    private final boolean isReturn;
    private int perfFd;

    private KprobeAttachment(LibBcc lib, String eventName, String function, boolean isReturn, int perfFd) {
        this.lib = lib;
        this.eventName = eventName;
        this.function = function;
        this.isReturn = isReturn;
        this.perfFd = perfFd;
    }

    /** Attaches progFd at the entry (or, with isReturn, the return) of kernel function fn. */
    public static KprobeAttachment attach(LibBcc lib, int progFd, String fn, boolean isReturn) throws BccException {
        // Unique per process, so two agents (or a crashed one's leftovers) do not collide in kprobe_events.
        String ev = "syndrop_" + (isReturn ? "r_" : "p_") + fn + "_" + ProcessHandle.current().pid();
        int[] errno = new int[1];
        NativeOutputCapture.Result<Integer> r = NativeOutputCapture.run(() -> {
            int fd = lib.bpf_attach_kprobe(progFd, isReturn ? LibBcc.BPF_PROBE_RETURN : LibBcc.BPF_PROBE_ENTRY,
                    ev, fn, 0L, 0);
            errno[0] = Native.getLastError();
            return fd;
        });
        if (r.value() < 0) {
            throw new BccException("the kernel refused a " + (isReturn ? "kretprobe" : "kprobe") + " on " + fn
                    + " (" + Errno.describe(errno[0]) + ")", r.output(),
                    "kprobes need CONFIG_KPROBES and CONFIG_KPROBE_EVENTS, root, and no lockdown=confidentiality; "
                            + "check that " + fn + " is in /proc/kallsyms and not blacklisted "
                            + "(/sys/kernel/debug/kprobes/blacklist); on kernels with BTF use the CO-RE backend");
        }
        return new KprobeAttachment(lib, ev, fn, isReturn, r.value());
    }

    public String function() {
        return function;
    }

    public boolean isReturn() {
        return isReturn;
    }

    @Override
    public void close() {
        if (perfFd >= 0) {
            lib.bpf_close_perf_event_fd(perfFd);
            // Removes the kprobe_events entry when BCC had to create one (kernels without the kprobe PMU).
            NativeOutputCapture.run(() -> lib.bpf_detach_kprobe(eventName));
            perfFd = -1;
        }
    }

    @Override
    public String toString() {
        return (isReturn ? "kretprobe:" : "kprobe:") + function;
    }
}
