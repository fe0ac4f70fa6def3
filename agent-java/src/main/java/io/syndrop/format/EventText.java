package io.syndrop.format;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** The human table of `syndrop watch`: one line per drop, fixed columns, evidence last. */
public final class EventText {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private EventText() {}

    public static String header() {
        return String.format("%-12s %-21s %-47s %-10s %-10s %-12s %-15s %-24s %s",
                "TIME", "REASON", "SOURCE -> DESTINATION", "TSVAL", "CACHED_TS", "SYNQ/ACCQ", "NETNS", "WORKLOAD", "DETAIL");
    }

    public static String line(DropEvent e) {
        String src = hostPort(e.getSrcAddr(), e.getSrcPort());
        String dst = hostPort(e.getDstAddr(), e.getDstPort());
        String cached = e.getCachedTs() == 0 ? "-" : Integer.toUnsignedString(e.getCachedTs());
        String queues = e.getSynQueueMax() == 0 && e.getAcceptQueueMax() == 0 ? "-"
                : e.getSynQueueLen() + "/" + e.getSynQueueMax() + " " + e.getAcceptQueueLen() + "/" + e.getAcceptQueueMax();
        StringBuilder detail = new StringBuilder();
        if (!e.getKernelReason().isEmpty()) {
            detail.append(e.getKernelReason());
        }
        if (e.getCachedTs() != 0 && e.getTsval() != 0) {
            detail.append(detail.length() > 0 ? " " : "")
                    .append("tsval behind cached by ").append(Integer.toUnsignedLong(e.getCachedTs() - e.getTsval()))
                    .append(" ticks, cached ").append(e.getCachedTsAgeSec()).append("s ago");
        }
        String proof = proof(e);
        if (!proof.isEmpty()) {
            detail.append(detail.length() > 0 ? "; " : "").append(proof);
        }
        return String.format("%-12s %-21s %-47s %-10s %-10s %-12s %-15s %-24s %s",
                TIME.format(Instant.ofEpochSecond(0, e.getTimeUnixNano())), e.getReason().name(), src + " -> " + dst,
                e.getTsval() == 0 ? "-" : Integer.toUnsignedString(e.getTsval()), cached, queues,
                Long.toString(e.getNetnsIno()), workload(e), detail);
    }

    /**
     * Who dropped it, compactly: the pod (NAMESPACE/NAME), else the container's name, else the
     * systemd unit, then the process as comm[pid]; "-" when nothing is known (yet).
     * E.g. "ingress-nginx/controller-7d9 nginx[812]", "nginx.service nginx[812]", "java[4711]".
     */
    public static String workload(DropEvent e) {
        StringBuilder w = new StringBuilder();
        if (!e.getPodName().isEmpty()) {
            w.append(e.getPodNamespace()).append('/').append(e.getPodName());
        } else if (!e.getContainerName().isEmpty()) {
            w.append(e.getContainerName());
        } else if (!e.getContainerId().isEmpty()) {
            w.append(e.getContainerId(), 0, Math.min(12, e.getContainerId().length()));
        } else if (!e.getProcessUnit().isEmpty()) {
            w.append(e.getProcessUnit());
        }
        if (e.getProcessPid() != 0) {
            w.append(w.length() > 0 ? " " : "").append(e.getProcessComm()).append('[').append(e.getProcessPid()).append(']');
        }
        return w.length() == 0 ? "-" : w.toString();
    }

    /**
     * The kernel's proof in a few words: which segment (SYN or the final ACK, its flags), its
     * sequence number, window and SYN options, the namespace's syncookies and SYN backlog, the
     * interface, and this CPU's ListenDrops over tcp_conn_request. E.g.
     * "SYN seq 4026 win 64240 mss 1460 wscale 7 sack ts; syncookies 0 max_syn_backlog 128; eth0 (ifindex 11); ListenDrops 41->42".
     * Empty for an event without them (an older agent's).
     */
    public static String proof(DropEvent e) {
        StringBuilder p = new StringBuilder();
        if (e.getTcpFlags() != 0) {
            p.append(e.getFinalAck() ? "final ACK (" + tcpFlags(e.getTcpFlags()) + ")" : tcpFlags(e.getTcpFlags()))
                    .append(" seq ").append(Integer.toUnsignedString(e.getTcpSeq()));
            if (e.getTcpAck() != 0) {
                p.append(" ack ").append(Integer.toUnsignedString(e.getTcpAck()));
            }
            p.append(" win ").append(e.getTcpWindow());
            if (e.getMss() != 0) {
                p.append(" mss ").append(e.getMss());
            }
            if (e.hasWscale()) {
                p.append(" wscale ").append(e.getWscale());
            }
            if (e.getSackPermitted()) {
                p.append(" sack");
            }
            if (e.getHasTimestamps()) {
                p.append(" ts");
            }
        }
        StringBuilder ns = new StringBuilder();
        if (e.hasSyncookies()) {
            ns.append("syncookies ").append(e.getSyncookies());
        }
        if (e.getMaxSynBacklog() != 0) {
            ns.append(ns.length() > 0 ? " " : "").append("max_syn_backlog ").append(Integer.toUnsignedString(e.getMaxSynBacklog()));
        }
        append(p, ns.toString());
        if (!e.getIfname().isEmpty()) {
            append(p, e.getIfname() + " (ifindex " + Integer.toUnsignedString(e.getIfindex()) + ")");
        } else if (e.getIfindex() != 0) {
            append(p, "ifindex " + Integer.toUnsignedString(e.getIfindex()));
        }
        if (e.hasListenDropsBefore() && e.hasListenDropsAfter()) {
            append(p, "ListenDrops " + Long.toUnsignedString(e.getListenDropsBefore()) + "->"
                    + Long.toUnsignedString(e.getListenDropsAfter()));
        }
        return p.toString();
    }

    private static void append(StringBuilder p, String part) {
        if (!part.isEmpty()) {
            p.append(p.length() > 0 ? "; " : "").append(part);
        }
    }

    private static final String[] FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

    /** The TCP flags byte as names joined by '|', e.g. "SYN", "ACK", "SYN|ECE|CWR". */
    public static String tcpFlags(int flags) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < FLAG_NAMES.length; i++) {
            if ((flags & (1 << i)) != 0) {
                b.append(b.length() > 0 ? "|" : "").append(FLAG_NAMES[i]);
            }
        }
        return b.length() == 0 ? "none" : b.toString();
    }

    public static String loss(LossRecord l) {
        return "LOST " + l.getCount() + " event(s) at " + l.getStage().name() + ": " + l.getDetail();
    }

    static String hostPort(String addr, int port) {
        return addr.indexOf(':') >= 0 ? "[" + addr + "]:" + port : addr + ":" + port;
    }
}
