package io.syndrop.format;

import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import java.time.Instant;

/**
 * One JSON object per record. Default: the proto3 JSON mapping of the record (lowerCamelCase
 * names, enums by name, zero values left out) with a leading {@code "type"} of drop, loss,
 * counters or summary. With ECS: Elastic Common Schema names for what ECS has a name for, the rest under
 * {@code syndrop.*}. Both are written straight into a {@link JsonBytes}: this is the collector's
 * per-record hot path.
 */
public final class JsonLines {
    private final boolean ecs;

    public JsonLines(boolean ecs) {
        this.ecs = ecs;
    }

    /** Appends the record as one line, newline included. */
    public void append(JsonBytes o, WatchItem item) {
        if (ecs) {
            ecs(o, item);
        } else if (item.hasEvent()) {
            RecordJson.drop(o, item.getEvent(), false, "drop");
        } else if (item.hasLoss()) {
            RecordJson.loss(o, item.getLoss(), false, "loss");
        } else if (item.hasSummary()) {
            RecordJson.summary(o, item.getSummary(), false, "summary");
        } else {
            RecordJson.counters(o, item.getCounters(), false, "counters");
        }
        o.raw('\n');
    }

    /** The record as one line of text, without the newline. */
    public String format(WatchItem item) {
        JsonBytes o = new JsonBytes(512);
        append(o, item);
        String s = o.toString();
        return s.substring(0, s.length() - 1);
    }

    static String type(WatchItem item) {
        if (item.hasEvent()) {
            return "drop";
        }
        if (item.hasSummary()) {
            return "summary";
        }
        return item.hasLoss() ? "loss" : "counters";
    }

    public static String isoTime(long unixNano) {
        return Instant.ofEpochSecond(Long.divideUnsigned(unixNano, 1_000_000_000L), Long.remainderUnsigned(unixNano, 1_000_000_000L)).toString();
    }

    private static void ecs(JsonBytes o, WatchItem item) {
        o.raw('{');
        if (item.hasEvent()) {
            DropEvent e = item.getEvent();
            o.name("@timestamp").string(isoTime(e.getTimeUnixNano()));
            o.raw(",\"source\":{\"ip\":").string(e.getSrcAddr()).raw(",\"port\":").unsigned(e.getSrcPort() & 0xffffffffL).raw('}');
            o.raw(",\"destination\":{\"ip\":").string(e.getDstAddr()).raw(",\"port\":").unsigned(e.getDstPort() & 0xffffffffL).raw('}');
            o.raw(",\"network\":{\"transport\":\"tcp\",\"type\":").raw(e.getSrcAddr().indexOf(':') >= 0 ? "\"ipv6\"" : "\"ipv4\"").raw('}');
            o.raw(",\"event\":{\"kind\":\"event\",\"module\":\"syndrop\",\"category\":[\"network\"],\"type\":[\"denied\",\"connection\"]")
                    .raw(",\"action\":\"tcp-syn-dropped\",\"outcome\":\"failure\",\"reason\":").string(e.getReason().name())
                    .raw(",\"dataset\":\"syndrop.drop\",\"sequence\":").unsigned(e.getSeq()).raw('}');
            agent(o, e.getNode(), e.getAgentId(), e.getAgentBoot(), e);
            workload(o, e);
            o.raw(",\"syndrop\":{");
            if (!e.getKernelReason().isEmpty()) {
                o.name("kernel_reason").string(e.getKernelReason()).raw(',');
            }
            o.name("tsval").unsigned(e.getTsval() & 0xffffffffL);
            o.raw(',').name("tsecr").unsigned(e.getTsecr() & 0xffffffffL);
            o.raw(',').name("cached_ts").unsigned(e.getCachedTs() & 0xffffffffL);
            o.raw(',').name("cached_ts_age_sec").unsigned(e.getCachedTsAgeSec() & 0xffffffffL);
            o.raw(',').name("netns_ino").unsigned(e.getNetnsIno());
            o.raw(',').name("syn_queue_len").unsigned(e.getSynQueueLen() & 0xffffffffL);
            o.raw(',').name("syn_queue_max").unsigned(e.getSynQueueMax() & 0xffffffffL);
            o.raw(',').name("accept_queue_len").unsigned(e.getAcceptQueueLen() & 0xffffffffL);
            o.raw(',').name("accept_queue_max").unsigned(e.getAcceptQueueMax() & 0xffffffffL);
            o.raw(',').name("probe").string(e.getProbe().name());
            if (e.getListenerIno() != 0) {
                o.raw(',').name("listener_ino").unsigned(e.getListenerIno());
            }
            if (!e.getProcessUnit().isEmpty()) {
                o.raw(',').name("systemd_unit").string(e.getProcessUnit());
            }
            proof(o, e);
        } else if (item.hasLoss()) {
            LossRecord l = item.getLoss();
            o.name("@timestamp").string(isoTime(l.getTimeUnixNano()));
            o.raw(",\"event\":{\"kind\":\"metric\",\"module\":\"syndrop\",\"action\":\"events-lost\",\"reason\":").string(l.getStage().name())
                    .raw(",\"dataset\":\"syndrop.loss\",\"sequence\":").unsigned(l.getSeq()).raw('}');
            agent(o, l.getNode(), l.getAgentId(), l.getAgentBoot(), null);
            o.raw(",\"syndrop\":{").name("lost").unsigned(l.getCount());
            if (!l.getDetail().isEmpty()) {
                o.raw(',').name("detail").string(l.getDetail());
            }
        } else if (item.hasSummary()) {
            summary(o, item.getSummary());
        } else {
            CounterSample c = item.getCounters();
            o.name("@timestamp").string(isoTime(c.getTimeUnixNano()));
            o.raw(",\"event\":{\"kind\":\"metric\",\"module\":\"syndrop\",\"action\":\"counter-sample\",\"dataset\":\"syndrop.counters\",\"sequence\":")
                    .unsigned(c.getSeq()).raw('}');
            agent(o, c.getNode(), c.getAgentId(), c.getAgentBoot(), null);
            o.raw(",\"syndrop\":{").name("netns_ino").unsigned(c.getNetnsIno());
            o.raw(",\"counters\":").longMap(c.getCountersMap(), false);
            o.raw(",\"sysctls\":").stringMap(c.getSysctlsMap());
        }
        o.raw(",\"type\":\"").raw(type(item)).raw("\"}");
        o.raw(",\"ecs\":{\"version\":\"8.11.0\"}}");
    }

    /**
     * A storm summary as an ECS event of kind metric: a count over a window (event.start, event.end,
     * event.duration in ns). ECS has no count field and source.ip cannot hold a prefix, so the key's
     * source prefix and the counts go under syndrop.summary.*; the listener's port is
     * destination.port. The syndrop object is left open for the caller's "type".
     */
    private static void summary(JsonBytes o, DropSummary s) {
        o.name("@timestamp").string(isoTime(s.getTimeUnixNano()));
        if (s.getDstPort() != 0) {
            o.raw(",\"destination\":{\"port\":").unsigned(s.getDstPort() & 0xffffffffL).raw('}');
        }
        o.raw(",\"network\":{\"transport\":\"tcp\"");
        if (!s.getSrcPrefix().isEmpty()) {
            o.raw(",\"type\":").raw(s.getSrcPrefix().indexOf(':') >= 0 ? "\"ipv6\"" : "\"ipv4\"");
        }
        o.raw('}');
        o.raw(",\"event\":{\"kind\":\"metric\",\"module\":\"syndrop\",\"category\":[\"network\"],\"type\":[\"denied\",\"connection\"]")
                .raw(",\"action\":\"tcp-syn-drops-summarised\",\"outcome\":\"failure\",\"reason\":").string(s.getReason().name())
                .raw(",\"dataset\":\"syndrop.summary\",\"sequence\":").unsigned(s.getSeq());
        if (s.getWindowStartUnixNano() != 0 && s.getWindowEndUnixNano() != 0) {
            o.raw(",\"start\":").string(isoTime(s.getWindowStartUnixNano()))
                    .raw(",\"end\":").string(isoTime(s.getWindowEndUnixNano()));
            if (Long.compareUnsigned(s.getWindowEndUnixNano(), s.getWindowStartUnixNano()) >= 0) {
                o.raw(",\"duration\":").unsigned(s.getWindowEndUnixNano() - s.getWindowStartUnixNano());
            }
        }
        o.raw('}');
        agent(o, s.getNode(), s.getAgentId(), s.getAgentBoot(), null);
        o.raw(",\"syndrop\":{\"summary\":{").name("count").unsigned(s.getCount());
        o.raw(',').name("detailed").unsigned(s.getDetailed());
        o.raw(',').name("not_detailed").unsigned(notDetailed(s));
        optional(o, "src_prefix", s.getSrcPrefix());
        if (s.getFirstSeenUnixNano() != 0) {
            o.raw(',').name("first_seen").string(isoTime(s.getFirstSeenUnixNano()));
        }
        if (s.getLastSeenUnixNano() != 0) {
            o.raw(',').name("last_seen").string(isoTime(s.getLastSeenUnixNano()));
        }
        if (s.getOverflow()) {
            o.raw(",\"overflow\":true");
        }
        o.raw('}');
        o.raw(',').name("netns_ino").unsigned(s.getNetnsIno());
        optional(o, "kernel_reason", s.getKernelReason());
    }

    /** Drops of the summary's key that were counted but not sent as events (0 if a sender claimed more detail than count). */
    public static long notDetailed(DropSummary s) {
        return Long.compareUnsigned(s.getCount(), s.getDetailed()) > 0 ? s.getCount() - s.getDetailed() : 0;
    }

    /**
     * The listener's process (ECS process.*: the event is about the process that dropped the SYN),
     * its container and its pod (orchestrator.resource of type pod), each only when known.
     */
    private static void workload(JsonBytes o, DropEvent e) {
        if (e.getProcessPid() != 0) {
            o.raw(",\"process\":{").name("pid").unsigned(e.getProcessPid() & 0xffffffffL);
            optional(o, "name", e.getProcessComm());
            optional(o, "executable", e.getProcessExe());
            o.raw('}');
        }
        if (!e.getContainerId().isEmpty()) {
            o.raw(",\"container\":{").name("id").string(e.getContainerId());
            optional(o, "name", e.getContainerName());
            optional(o, "runtime", e.getContainerRuntime());
            if (!e.getContainerImage().isEmpty()) {
                o.raw(",\"image\":{").name("name").string(e.getContainerImage()).raw('}');
            }
            o.raw('}');
        }
        if (!e.getPodName().isEmpty() || !e.getPodUid().isEmpty()) {
            o.raw(",\"orchestrator\":{\"type\":\"kubernetes\"");
            optional(o, "namespace", e.getPodNamespace());
            o.raw(",\"resource\":{\"type\":\"pod\"");
            optional(o, "name", e.getPodName());
            optional(o, "id", e.getPodUid());
            o.raw("}}");
        }
    }

    private static void optional(JsonBytes o, String name, String value) {
        if (!value.isEmpty()) {
            o.raw(',').name(name).string(value);
        }
    }

    /**
     * The kernel's proof that ECS has no names for, under syndrop.*: the namespace's settings, the
     * segment's TCP fields and SYN options, ListenDrops before/after, the headers (base64).
     */
    private static void proof(JsonBytes o, DropEvent e) {
        if (e.hasSyncookies()) {
            o.raw(',').name("syncookies").unsigned(e.getSyncookies() & 0xffffffffL);
        }
        if (e.getMaxSynBacklog() != 0) {
            o.raw(',').name("max_syn_backlog").unsigned(e.getMaxSynBacklog() & 0xffffffffL);
        }
        o.raw(',').name("tcp_flags").unsigned(e.getTcpFlags() & 0xffffffffL);
        o.raw(',').name("final_ack").bool(e.getFinalAck());
        o.raw(',').name("tcp_seq").unsigned(e.getTcpSeq() & 0xffffffffL);
        o.raw(',').name("tcp_ack").unsigned(e.getTcpAck() & 0xffffffffL);
        o.raw(',').name("tcp_window").unsigned(e.getTcpWindow() & 0xffffffffL);
        if (e.getMss() != 0) {
            o.raw(',').name("mss").unsigned(e.getMss() & 0xffffffffL);
        }
        if (e.hasWscale()) {
            o.raw(',').name("wscale").unsigned(e.getWscale() & 0xffffffffL);
        }
        o.raw(',').name("sack_permitted").bool(e.getSackPermitted());
        o.raw(',').name("has_timestamps").bool(e.getHasTimestamps());
        if (e.hasListenDropsBefore()) {
            o.raw(',').name("listen_drops_before").unsigned(e.getListenDropsBefore());
        }
        if (e.hasListenDropsAfter()) {
            o.raw(',').name("listen_drops_after").unsigned(e.getListenDropsAfter());
        }
        if (!e.getPacketHeaders().isEmpty()) {
            o.raw(',').name("packet_headers").base64(e.getPacketHeaders());
        }
    }

    /** observer: the node, and for a drop the interface the segment came in on (ECS observer.ingress.interface). */
    private static void agent(JsonBytes o, String node, String agentId, long boot, DropEvent e) {
        o.raw(",\"observer\":{").name("hostname").string(node);
        if (e != null && (e.getIfindex() != 0 || !e.getIfname().isEmpty())) {
            o.raw(",\"ingress\":{\"interface\":{");
            boolean first = true;
            if (e.getIfindex() != 0) {
                o.name("id").raw('"').unsigned(e.getIfindex() & 0xffffffffL).raw('"');
                first = false;
            }
            if (!e.getIfname().isEmpty()) {
                if (!first) {
                    o.raw(',');
                }
                o.name("name").string(e.getIfname());
            }
            o.raw("}}");
        }
        o.raw('}');
        o.raw(",\"agent\":{").name("id").string(agentId).raw(',').name("ephemeral_id").raw('"').unsigned(boot).raw("\",\"type\":\"syndrop\"}");
    }
}
