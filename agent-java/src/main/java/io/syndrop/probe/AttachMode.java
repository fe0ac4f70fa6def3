package io.syndrop.probe;

import io.syndrop.proto.v1.Probe;

/** Ways to see drops, best first. The numbers are the shim's SYNDROP_MODE_* values. */
public enum AttachMode {
    FENTRY(1, Probe.FENTRY, "fentry/fexit (BTF trampolines): every drop a listener suffers, with its cause"),
    KPROBE(2, Probe.KPROBE, "kprobe/kretprobe: the same drops where trampolines are refused"),
    TRACEPOINT(3, Probe.TRACEPOINT, "tracepoints only (tp_btf kfree_skb): drops the kernel frees with a reason"),
    BCC(0, Probe.BCC, "BCC: kprobes compiled on the node against its headers (kernels without BTF)"),
    COUNTERS(0, Probe.COUNTERS, "counters only: /proc/net/netstat deltas, no per-drop detail");

    final int shimMode;
    public final Probe probe;
    public final String description;

    AttachMode(int shimMode, Probe probe, String description) {
        this.shimMode = shimMode;
        this.probe = probe;
        this.description = description;
    }

    public boolean usesShim() {
        return shimMode != 0;
    }

    public static AttachMode parse(String s) {
        for (AttachMode m : values()) {
            if (m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + s
                + "'; choose auto, fentry, kprobe, tracepoint, bcc or counters");
    }
}
