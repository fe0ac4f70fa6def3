package io.syndrop.format;

import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import java.time.Instant;

/**
 * One JSON object per record. Default: the proto3 JSON mapping of the record (lowerCamelCase
 * names, enums by name, zero values left out) with a leading {@code "type"} of drop, loss or
 * counters. With ECS: Elastic Common Schema names for what ECS has a name for, the rest under
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
            agent(o, e.getNode(), e.getAgentId(), e.getAgentBoot());
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
        } else if (item.hasLoss()) {
            LossRecord l = item.getLoss();
            o.name("@timestamp").string(isoTime(l.getTimeUnixNano()));
            o.raw(",\"event\":{\"kind\":\"metric\",\"module\":\"syndrop\",\"action\":\"events-lost\",\"reason\":").string(l.getStage().name())
                    .raw(",\"dataset\":\"syndrop.loss\",\"sequence\":").unsigned(l.getSeq()).raw('}');
            agent(o, l.getNode(), l.getAgentId(), l.getAgentBoot());
            o.raw(",\"syndrop\":{").name("lost").unsigned(l.getCount());
            if (!l.getDetail().isEmpty()) {
                o.raw(',').name("detail").string(l.getDetail());
            }
        } else {
            CounterSample c = item.getCounters();
            o.name("@timestamp").string(isoTime(c.getTimeUnixNano()));
            o.raw(",\"event\":{\"kind\":\"metric\",\"module\":\"syndrop\",\"action\":\"counter-sample\",\"dataset\":\"syndrop.counters\",\"sequence\":")
                    .unsigned(c.getSeq()).raw('}');
            agent(o, c.getNode(), c.getAgentId(), c.getAgentBoot());
            o.raw(",\"syndrop\":{").name("netns_ino").unsigned(c.getNetnsIno());
            o.raw(",\"counters\":").longMap(c.getCountersMap(), false);
            o.raw(",\"sysctls\":").stringMap(c.getSysctlsMap());
        }
        o.raw(",\"type\":\"").raw(type(item)).raw("\"}");
        o.raw(",\"ecs\":{\"version\":\"8.11.0\"}}");
    }

    private static void agent(JsonBytes o, String node, String agentId, long boot) {
        o.raw(",\"observer\":{").name("hostname").string(node).raw('}');
        o.raw(",\"agent\":{").name("id").string(agentId).raw(',').name("ephemeral_id").raw('"').unsigned(boot).raw("\",\"type\":\"syndrop\"}");
    }
}
