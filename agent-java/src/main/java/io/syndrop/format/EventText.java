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

    public static String loss(LossRecord l) {
        return "LOST " + l.getCount() + " event(s) at " + l.getStage().name() + ": " + l.getDetail();
    }

    static String hostPort(String addr, int port) {
        return addr.indexOf(':') >= 0 ? "[" + addr + "]:" + port : addr + ":" + port;
    }
}
