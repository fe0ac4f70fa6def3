package io.syndrop.event;

import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;

/**
 * The proto3 JSON mapping of syndrop's records (lowerCamelCase names in field-number order, enums
 * by name, 64-bit integers as quoted decimals), written by hand. protobuf's JsonFormat walks field
 * descriptors by reflection for every record and was half of the collector's CPU at high rates;
 * this writes the same JSON (RecordJsonTest holds it to JsonFormat's output) straight into bytes.
 *
 * <p>With {@code zeros} every field is written, zero values included (what {@code watch --json}
 * prints, so every line has the same names); without, zero values are left out (the sink's
 * documented form, which is JsonFormat's default).
 */
public final class RecordJson {
    private RecordJson() {}

    /** Writes the event as one JSON object; {@code type}, when not null, goes first as {@code "type":TYPE}. */
    public static void drop(JsonBytes o, DropEvent e, boolean zeros, String type) {
        Fields f = new Fields(o, zeros, type);
        f.u64("seq", e.getSeq());
        f.u64("timeUnixNano", e.getTimeUnixNano());
        f.str("node", e.getNode());
        f.reason(e.getReason(), e.getReasonValue());
        f.str("kernelReason", e.getKernelReason());
        f.str("srcAddr", e.getSrcAddr());
        f.u32("srcPort", e.getSrcPort());
        f.str("dstAddr", e.getDstAddr());
        f.u32("dstPort", e.getDstPort());
        f.u32("tsval", e.getTsval());
        f.u32("tsecr", e.getTsecr());
        f.u32("cachedTs", e.getCachedTs());
        f.u32("cachedTsAgeSec", e.getCachedTsAgeSec());
        f.u64("netnsIno", e.getNetnsIno());
        f.u32("synQueueLen", e.getSynQueueLen());
        f.u32("synQueueMax", e.getSynQueueMax());
        f.u32("acceptQueueLen", e.getAcceptQueueLen());
        f.u32("acceptQueueMax", e.getAcceptQueueMax());
        f.probe(e.getProbe(), e.getProbeValue());
        f.str("agentId", e.getAgentId());
        f.u64("agentBoot", e.getAgentBoot());
        f.end();
    }

    public static void loss(JsonBytes o, LossRecord l, boolean zeros, String type) {
        Fields f = new Fields(o, zeros, type);
        LossRecord.Stage st = l.getStage();
        if (st == LossRecord.Stage.UNRECOGNIZED) {
            f.rawNumber("stage", l.getStageValue());
        } else if (zeros || l.getStageValue() != 0) {
            f.name("stage").raw('"').raw(st.name()).raw('"');
        }
        f.u64("count", l.getCount());
        f.u64("timeUnixNano", l.getTimeUnixNano());
        f.str("agentId", l.getAgentId());
        f.u64("agentBoot", l.getAgentBoot());
        f.str("detail", l.getDetail());
        f.u64("seq", l.getSeq());
        f.str("node", l.getNode());
        f.end();
    }

    public static void counters(JsonBytes o, CounterSample c, boolean zeros, String type) {
        Fields f = new Fields(o, zeros, type);
        f.u64("timeUnixNano", c.getTimeUnixNano());
        f.str("node", c.getNode());
        f.u64("netnsIno", c.getNetnsIno());
        if (zeros || c.getCountersCount() > 0) {
            f.name("counters").longMap(c.getCountersMap(), true);
        }
        if (zeros || c.getSysctlsCount() > 0) {
            f.name("sysctls").stringMap(c.getSysctlsMap());
        }
        f.str("agentId", c.getAgentId());
        f.u64("agentBoot", c.getAgentBoot());
        f.u64("seq", c.getSeq());
        f.end();
    }

    /** One object being written: commas between fields, zero values skipped unless asked for. */
    private static final class Fields {
        private final JsonBytes o;
        private final boolean zeros;
        private boolean first = true;

        Fields(JsonBytes o, boolean zeros, String type) {
            this.o = o;
            this.zeros = zeros;
            o.raw('{');
            if (type != null) {
                name("type").raw('"').raw(type).raw('"');
            }
        }

        JsonBytes name(String n) {
            if (!first) {
                o.raw(',');
            }
            first = false;
            return o.name(n);
        }

        void u64(String n, long v) {
            if (zeros || v != 0) {
                name(n).quotedUnsigned(v);
            }
        }

        void u32(String n, int v) {
            if (zeros || v != 0) {
                name(n).unsigned(v & 0xffffffffL);
            }
        }

        void str(String n, String v) {
            if (zeros || !v.isEmpty()) {
                name(n).string(v);
            }
        }

        void rawNumber(String n, int v) {
            name(n).number(v);
        }

        void reason(Reason r, int value) {
            if (r == Reason.UNRECOGNIZED) {
                rawNumber("reason", value);
            } else if (zeros || value != 0) {
                name("reason").raw('"').raw(r.name()).raw('"');
            }
        }

        void probe(Probe p, int value) {
            if (p == Probe.UNRECOGNIZED) {
                rawNumber("probe", value);
            } else if (zeros || value != 0) {
                name("probe").raw('"').raw(p.name()).raw('"');
            }
        }

        void end() {
            o.raw('}');
        }
    }
}
