package io.syndrop.probe;

import java.util.Locale;

/** Turns an errno from opening or attaching a mode into advice a node operator can act on. */
final class ErrorAdvisor {
    private static final int EPERM = 1;
    private static final int ENOENT = 2;
    private static final int EINVAL = 22;
    private static final int ENOTSUPP = 524;
    private static final int EOPNOTSUPP = 95;
    private static final int EACCES = 13;

    private ErrorAdvisor() {}

    static String advise(AttachMode mode, int errno, String message, boolean root) {
        String msg = message.toLowerCase(Locale.ROOT);
        if (!root && (errno == EPERM || errno == EACCES)) {
            return "syndrop needs root, or CAP_BPF and CAP_PERFMON (docs/privileges.md): run it with sudo";
        }
        if (msg.contains("no btf")) {
            return "this kernel lacks BTF; use --backend bcc (needs linux-headers) or --backend counters";
        }
        switch (mode) {
            case FENTRY:
                if (errno == EPERM || errno == ENOTSUPP || errno == EOPNOTSUPP || errno == EINVAL) {
                    return "this kernel refuses BTF trampolines (lockdown, no CONFIG_FUNCTION_TRACER or "
                            + "a hypervisor without direct calls); syndrop falls back to kprobes";
                }
                break;
            case KPROBE:
                if (errno == ENOENT || msg.contains("kprobe")) {
                    return "this kernel has no kprobes for these functions (CONFIG_KPROBES unset or the "
                            + "function is inlined); syndrop falls back to tracepoints";
                }
                break;
            case TRACEPOINT:
                if (errno == EOPNOTSUPP) {
                    return "kfree_skb has no drop reasons before 5.17; use --backend bcc or counters";
                }
                break;
            default:
                break;
        }
        if (errno == EPERM) {
            return "the kernel refused the BPF program: check kernel.unprivileged_bpf_disabled, lockdown "
                    + "(cat /sys/kernel/security/lockdown) and seccomp/AppArmor of this container";
        }
        return "";
    }
}
