package io.syndrop.probe;

import io.syndrop.proto.v1.Reason;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What an attached probe can see on the running kernel, read from what the loader actually
 * attached (the programs and their load-time settings), not from a version number: the same mode
 * sees different drops on different kernels (5.10's kfree_skb tracepoint has no drop reason, so
 * nothing reports KERNEL_REASON there; only 6.16+ names TIME-WAIT PAWS rejects in kfree_skb).
 *
 * @param seen   the reasons this probe can report
 * @param blind  one sentence per kind of drop it cannot see, saying why; empty when none
 */
public record Visibility(AttachMode mode, Set<Reason> seen, List<String> blind) {

    /** The drops decided inside tcp_conn_request, which only its own hooks see. */
    public static final String CONN_REQUEST_BLIND = "tracepoint mode cannot see SYNs dropped inside tcp_conn_request "
            + "(SYN or accept queue full, unproven peer): the kernel consumes them without a tracepoint";
    public static final String NO_KFREE_REASON_BLIND = "this kernel's kfree_skb tracepoint carries no drop reason "
            + "(added in 5.17), so drops the kernel names itself (KERNEL_REASON, e.g. SYNs to a closed port: "
            + "NO_SOCKET) are not reported; Tcp:OutRsts still counts the closed-port ones";
    public static final String TIMEWAIT_BLIND = "TIME-WAIT PAWS rejects (TIMEWAIT_PAWS) are not seen: without the "
            + "tcp_timewait_state_process hook (fentry or kprobe mode) only kernels whose kfree_skb names "
            + "TCP_RFC7323_TW_PAWS (6.16+) report them; TcpExt:PAWSEstab (PAWSTimewait on 6.16+) still counts them";
    public static final String FINAL_ACK_BLIND = "accept-queue drops of the handshake's final ACK are not reported "
            + "one by one: without the tcp_v4/v6_syn_recv_sock hooks (fentry or kprobe mode) only kernels whose "
            + "kfree_skb names TCP_LISTEN_OVERFLOW report them";
    public static final String COUNTERS_BLIND = "counters mode sees counter changes only: no addresses, ports or "
            + "per-drop cause";

    public Visibility {
        seen = Set.copyOf(seen);
        blind = List.copyOf(blind);
    }

    /** What this attached probe sees. */
    public static Visibility of(KernelProbe probe) {
        if (probe instanceof ProbeSession s) {
            LoadedConfig cfg = s.loadedConfig();
            return fromPrograms(s.mode(), s.programs().stream().map(ProbeSession.ProgramStats::name).toList(),
                    cfg.kfreeReportsTwPaws != 0, cfg.kfreeReportsOverflow != 0);
        }
        return ofMode(probe.mode());
    }

    /**
     * For a mode without a CO-RE session (BCC compiles what this kernel's headers allow and sees
     * every reason its programs classify; counters see no drop at all).
     */
    public static Visibility ofMode(AttachMode mode) {
        if (mode == AttachMode.COUNTERS) {
            return new Visibility(mode, Set.of(), List.of(COUNTERS_BLIND));
        }
        return new Visibility(mode, EnumSet.of(Reason.PEER_UNPROVEN, Reason.PAWS_PASSIVE_REJECTED, Reason.SYN_QUEUE_FULL,
                Reason.ACCEPT_QUEUE_FULL, Reason.TIMEWAIT_PAWS, Reason.CONN_REQUEST_OTHER), List.of());
    }

    /**
     * From the names of the CO-RE programs the shim attached (bpf/syndrop.bpf.c; a fentry hook's
     * kprobe twin counts the same) and whether kfree_skb was set to report TIME-WAIT PAWS rejects
     * and final-ACK overflows itself (struct syndrop_config, as loaded).
     */
    static Visibility fromPrograms(AttachMode mode, List<String> attached, boolean kfreeTwPaws, boolean kfreeOverflow) {
        boolean kfree = attached.stream().anyMatch(n -> n.startsWith("tp_kfree_skb"));
        boolean connRequest = has(attached, "conn_request");
        boolean timewait = has(attached, "timewait");
        boolean synRecv = has(attached, "syn_recv_sock_v4");
        Set<Reason> seen = EnumSet.noneOf(Reason.class);
        List<String> blind = new ArrayList<>();
        if (connRequest) {
            seen.addAll(List.of(Reason.PEER_UNPROVEN, Reason.SYN_QUEUE_FULL, Reason.ACCEPT_QUEUE_FULL, Reason.CONN_REQUEST_OTHER));
        } else {
            blind.add(CONN_REQUEST_BLIND);
        }
        if (timewait || (kfree && kfreeTwPaws)) {
            seen.add(Reason.TIMEWAIT_PAWS);
        } else {
            blind.add(TIMEWAIT_BLIND);
        }
        if (synRecv || (kfree && kfreeOverflow)) {
            seen.add(Reason.ACCEPT_QUEUE_FULL);
        } else {
            blind.add(FINAL_ACK_BLIND);
        }
        if (kfree) {
            seen.add(Reason.KERNEL_REASON);
        } else {
            blind.add(NO_KFREE_REASON_BLIND);
        }
        return new Visibility(mode, seen, blind);
    }

    /** fe_NAME or kp_NAME, the fentry program or its kprobe twin. */
    private static boolean has(List<String> attached, String hook) {
        return attached.contains("fe_" + hook) || attached.contains("kp_" + hook);
    }
}
