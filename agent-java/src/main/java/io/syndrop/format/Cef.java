package io.syndrop.format;

import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import java.util.Map;
import java.util.TreeMap;

/**
 * ArcSight Common Event Format: {@code CEF:0|syndrop|syndrop|VERSION|SIGNATURE|NAME|SEVERITY|EXT}.
 * Header fields escape backslash and pipe; extension values escape backslash, equals sign and line
 * breaks, as the CEF specification requires.
 */
public final class Cef {
    private Cef() {}

    /** CEF's device version: this build's, from the pom. */
    public static final String VERSION = io.syndrop.ProjectVersion.VALUE;

    static String header(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    static String value(String s) {
        return s.replace("\\", "\\\\").replace("=", "\\=").replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r");
    }

    /** CEF severity 0-10 for a record. */
    static int severity(WatchItem item) {
        if (item.hasEvent() || item.hasSummary()) {
            return 5;
        }
        return item.hasLoss() ? 7 : 1;
    }

    public static String format(WatchItem item) {
        StringBuilder sb = new StringBuilder("CEF:0|syndrop|syndrop|").append(header(VERSION)).append('|');
        Map<String, String> ext = new java.util.LinkedHashMap<>();
        if (item.hasEvent()) {
            DropEvent e = item.getEvent();
            sb.append(header(e.getReason().name())).append('|').append(header(text(e))).append('|').append(severity(item)).append('|');
            ext.put("rt", Long.toString(e.getTimeUnixNano() / 1_000_000L));
            ext.put("dvchost", e.getNode());
            ext.put("src", e.getSrcAddr());
            ext.put("spt", Integer.toString(e.getSrcPort()));
            ext.put("dst", e.getDstAddr());
            ext.put("dpt", Integer.toString(e.getDstPort()));
            ext.put("proto", "TCP");
            ext.put("act", "drop");
            ext.put("reason", e.getReason().name());
            ext.put("externalId", e.getAgentId() + ":" + Long.toUnsignedString(e.getAgentBoot()) + ":" + e.getSeq());
            if (!e.getKernelReason().isEmpty()) {
                ext.put("cs1Label", "kernelReason");
                ext.put("cs1", e.getKernelReason());
            }
            ext.put("cs2Label", "probe");
            ext.put("cs2", e.getProbe().name());
            ext.put("cn1Label", "tsval");
            ext.put("cn1", Integer.toUnsignedString(e.getTsval()));
            ext.put("cn2Label", "cachedTs");
            ext.put("cn2", Integer.toUnsignedString(e.getCachedTs()));
            ext.put("cn3Label", "netnsIno");
            ext.put("cn3", Long.toUnsignedString(e.getNetnsIno()));
            ext.put("flexString1Label", "queues");
            ext.put("flexString1", "syn " + e.getSynQueueLen() + "/" + e.getSynQueueMax() + " accept " + e.getAcceptQueueLen() + "/" + e.getAcceptQueueMax());
            workload(e, ext);
            proof(e, ext);
        } else if (item.hasLoss()) {
            LossRecord l = item.getLoss();
            sb.append("LOSS_").append(header(l.getStage().name())).append('|')
                    .append(header(l.getCount() + " events lost at " + l.getStage().name())).append('|').append(severity(item)).append('|');
            ext.put("rt", Long.toString(l.getTimeUnixNano() / 1_000_000L));
            ext.put("dvchost", l.getNode());
            ext.put("cnt", Long.toUnsignedString(l.getCount()));
            ext.put("externalId", l.getAgentId() + ":" + Long.toUnsignedString(l.getAgentBoot()) + ":" + l.getSeq());
            ext.put("msg", l.getDetail());
        } else if (item.hasSummary()) {
            summary(item.getSummary(), sb, ext);
        } else {
            CounterSample c = item.getCounters();
            sb.append("COUNTERS|kernel counter sample|").append(severity(item)).append('|');
            ext.put("rt", Long.toString(c.getTimeUnixNano() / 1_000_000L));
            ext.put("dvchost", c.getNode());
            ext.put("externalId", c.getAgentId() + ":" + Long.toUnsignedString(c.getAgentBoot()) + ":" + c.getSeq());
            ext.put("cn3Label", "netnsIno");
            ext.put("cn3", Long.toUnsignedString(c.getNetnsIno()));
            StringBuilder m = new StringBuilder();
            new TreeMap<>(c.getCountersMap()).forEach((k, v) -> m.append(m.length() == 0 ? "" : " ").append(k).append(':').append(v));
            ext.put("msg", m.toString());
        }
        boolean first = true;
        for (Map.Entry<String, String> kv : ext.entrySet()) {
            if (kv.getValue() == null || kv.getValue().isEmpty()) {
                continue;
            }
            if (!first) {
                sb.append(' ');
            }
            first = false;
            sb.append(kv.getKey()).append('=').append(value(kv.getValue()));
        }
        return sb.toString();
    }

    /**
     * A storm summary: signature SUMMARY_REASON (one per reason, apart from the events' REASON so a
     * SIEM rule on one never counts the other), cnt the exact number of drops of the key in the
     * window, start/end the window, cn1 and cn2 how many of them were and were not sent as events,
     * cn3 the listener's network namespace as in events, cs2 the source prefix (CEF's src holds
     * one address, not a prefix), cs3 "overflow"=true for the record of drops whose keys did not fit
     * the kernel's key map, deviceCustomDate1/2 the first and last drop.
     */
    private static void summary(DropSummary s, StringBuilder sb, Map<String, String> ext) {
        long notDetailed = JsonLines.notDetailed(s);
        String what = s.getReason() == io.syndrop.proto.v1.Reason.KERNEL_REASON && !s.getKernelReason().isEmpty()
                ? s.getKernelReason() : s.getReason().name();
        sb.append("SUMMARY_").append(header(s.getReason().name())).append('|')
                .append(header(Long.toUnsignedString(s.getCount()) + " SYNs dropped (" + what + ")"
                        + (s.getOverflow() ? " of keys that did not fit the kernel's key map" : "")
                        + (s.getSrcPrefix().isEmpty() ? "" : " from " + s.getSrcPrefix())
                        + (s.getDstPort() == 0 ? "" : " to port " + s.getDstPort())
                        + ", " + Long.toUnsignedString(notDetailed) + " not sent in detail"))
                .append('|').append(5).append('|');
        ext.put("rt", Long.toString(s.getTimeUnixNano() / 1_000_000L));
        ext.put("dvchost", s.getNode());
        ext.put("start", millis(s.getWindowStartUnixNano()));
        ext.put("end", millis(s.getWindowEndUnixNano()));
        ext.put("cnt", Long.toUnsignedString(s.getCount()));
        ext.put("dpt", s.getDstPort() == 0 ? "" : Integer.toString(s.getDstPort()));
        ext.put("proto", "TCP");
        ext.put("act", "drop");
        ext.put("reason", s.getReason().name());
        ext.put("externalId", s.getAgentId() + ":" + Long.toUnsignedString(s.getAgentBoot()) + ":" + s.getSeq());
        labelled(ext, "cs1", "kernelReason", s.getKernelReason());
        labelled(ext, "cs2", "srcPrefix", s.getSrcPrefix());
        labelled(ext, "cs3", "overflow", s.getOverflow() ? "true" : "");
        ext.put("cn1Label", "detailed");
        ext.put("cn1", Long.toUnsignedString(s.getDetailed()));
        ext.put("cn2Label", "notDetailed");
        ext.put("cn2", Long.toUnsignedString(notDetailed));
        ext.put("cn3Label", "netnsIno");
        ext.put("cn3", Long.toUnsignedString(s.getNetnsIno()));
        labelled(ext, "deviceCustomDate1", "firstSeen", millis(s.getFirstSeenUnixNano()));
        labelled(ext, "deviceCustomDate2", "lastSeen", millis(s.getLastSeenUnixNano()));
    }

    /** CEF timestamps: milliseconds since the epoch; "" (left out) when unknown. */
    private static String millis(long unixNano) {
        return unixNano == 0 ? "" : Long.toUnsignedString(Long.divideUnsigned(unixNano, 1_000_000L));
    }

    /**
     * Who dropped it, where known: the listener's process as CEF's destination process (dproc,
     * dpid), its container and pod in labelled custom strings, its systemd unit in flexString2.
     * A label goes out only with its value, so a SIEM never sees a label for an empty slot.
     */
    private static void workload(DropEvent e, Map<String, String> ext) {
        if (e.getProcessPid() != 0) {
            ext.put("dproc", e.getProcessComm());
            ext.put("dpid", Integer.toUnsignedString(e.getProcessPid()));
        }
        labelled(ext, "cs3", "containerId", e.getContainerId());
        labelled(ext, "cs4", "pod", e.getPodName().isEmpty() ? "" : e.getPodNamespace() + "/" + e.getPodName());
        labelled(ext, "cs5", "containerName", e.getContainerName());
        labelled(ext, "cs6", "containerImage", e.getContainerImage());
        labelled(ext, "flexString2", "systemdUnit", e.getProcessUnit());
    }

    /**
     * The kernel's proof: the receiving interface in CEF's own deviceInboundInterface, the segment's
     * TCP flags and the namespace's tcp_max_syn_backlog in labelled flexNumbers, and the rest as
     * text in msg (EventText.proof: "SYN seq 1 win 64240 mss 1460 wscale 7 sack ts syncookies 0
     * ..."), since CEF's labelled string slots (cs1-cs6) are taken by the reason and who dropped it.
     */
    private static void proof(DropEvent e, Map<String, String> ext) {
        String iface = !e.getIfname().isEmpty() ? e.getIfname() : e.getIfindex() != 0 ? "ifindex " + Integer.toUnsignedString(e.getIfindex()) : "";
        if (!iface.isEmpty()) {
            ext.put("deviceInboundInterface", iface);
        }
        ext.put("flexNumber1Label", "tcpFlags");
        ext.put("flexNumber1", Integer.toString(e.getTcpFlags()));
        if (e.getMaxSynBacklog() != 0) {
            ext.put("flexNumber2Label", "maxSynBacklog");
            ext.put("flexNumber2", Integer.toUnsignedString(e.getMaxSynBacklog()));
        }
        ext.put("msg", EventText.proof(e));
    }

    private static void labelled(Map<String, String> ext, String key, String label, String value) {
        if (!value.isEmpty()) {
            ext.put(key + "Label", label);
            ext.put(key, value);
        }
    }

    static String text(DropEvent e) {
        return switch (e.getReason()) {
            case PEER_UNPROVEN -> "SYN dropped: peer not proven (SYN backlog over 3/4, no syncookies)";
            case PAWS_PASSIVE_REJECTED -> "SYN dropped: TSval older than the cached peer timestamp (tcp_tw_recycle PAWS)";
            case SYN_QUEUE_FULL -> "SYN dropped: SYN queue full";
            case ACCEPT_QUEUE_FULL -> "SYN or final ACK dropped: accept queue full";
            case TIMEWAIT_PAWS -> "SYN dropped: PAWS reject by a TIME-WAIT socket";
            case CONN_REQUEST_OTHER -> "SYN dropped in tcp_conn_request";
            case KERNEL_REASON -> "SYN dropped: " + e.getKernelReason();
            default -> "SYN dropped";
        };
    }

}
