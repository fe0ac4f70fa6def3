package io.syndrop.format;

import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
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

    static final JsonBytes.Key K_ACCEPT_QUEUE_LEN = JsonBytes.key("acceptQueueLen");
    static final JsonBytes.Key K_ACCEPT_QUEUE_MAX = JsonBytes.key("acceptQueueMax");
    static final JsonBytes.Key K_AGENT_BOOT = JsonBytes.key("agentBoot");
    static final JsonBytes.Key K_AGENT_ID = JsonBytes.key("agentId");
    static final JsonBytes.Key K_CACHED_TS = JsonBytes.key("cachedTs");
    static final JsonBytes.Key K_CACHED_TS_AGE_SEC = JsonBytes.key("cachedTsAgeSec");
    static final JsonBytes.Key K_COUNT = JsonBytes.key("count");
    static final JsonBytes.Key K_COUNTERS = JsonBytes.key("counters");
    static final JsonBytes.Key K_DETAIL = JsonBytes.key("detail");
    static final JsonBytes.Key K_DST_ADDR = JsonBytes.key("dstAddr");
    static final JsonBytes.Key K_DST_PORT = JsonBytes.key("dstPort");
    static final JsonBytes.Key K_KERNEL_REASON = JsonBytes.key("kernelReason");
    static final JsonBytes.Key K_NETNS_INO = JsonBytes.key("netnsIno");
    static final JsonBytes.Key K_NODE = JsonBytes.key("node");
    static final JsonBytes.Key K_PROBE = JsonBytes.key("probe");
    static final JsonBytes.Key K_REASON = JsonBytes.key("reason");
    static final JsonBytes.Key K_SEQ = JsonBytes.key("seq");
    static final JsonBytes.Key K_SRC_ADDR = JsonBytes.key("srcAddr");
    static final JsonBytes.Key K_SRC_PORT = JsonBytes.key("srcPort");
    static final JsonBytes.Key K_STAGE = JsonBytes.key("stage");
    static final JsonBytes.Key K_SYN_QUEUE_LEN = JsonBytes.key("synQueueLen");
    static final JsonBytes.Key K_SYN_QUEUE_MAX = JsonBytes.key("synQueueMax");
    static final JsonBytes.Key K_SYSCTLS = JsonBytes.key("sysctls");
    static final JsonBytes.Key K_TIME_UNIX_NANO = JsonBytes.key("timeUnixNano");
    static final JsonBytes.Key K_TSECR = JsonBytes.key("tsecr");
    static final JsonBytes.Key K_TSVAL = JsonBytes.key("tsval");
    static final JsonBytes.Key K_TYPE = JsonBytes.key("type");
    static final JsonBytes.Key K_LISTENER_INO = JsonBytes.key("listenerIno");
    static final JsonBytes.Key K_PROCESS_PID = JsonBytes.key("processPid");
    static final JsonBytes.Key K_PROCESS_COMM = JsonBytes.key("processComm");
    static final JsonBytes.Key K_PROCESS_EXE = JsonBytes.key("processExe");
    static final JsonBytes.Key K_PROCESS_UNIT = JsonBytes.key("processUnit");
    static final JsonBytes.Key K_CONTAINER_ID = JsonBytes.key("containerId");
    static final JsonBytes.Key K_CONTAINER_NAME = JsonBytes.key("containerName");
    static final JsonBytes.Key K_CONTAINER_IMAGE = JsonBytes.key("containerImage");
    static final JsonBytes.Key K_CONTAINER_RUNTIME = JsonBytes.key("containerRuntime");
    static final JsonBytes.Key K_POD_UID = JsonBytes.key("podUid");
    static final JsonBytes.Key K_POD_NAMESPACE = JsonBytes.key("podNamespace");
    static final JsonBytes.Key K_POD_NAME = JsonBytes.key("podName");
    static final JsonBytes.Key K_SYNCOOKIES = JsonBytes.key("syncookies");
    static final JsonBytes.Key K_MAX_SYN_BACKLOG = JsonBytes.key("maxSynBacklog");
    static final JsonBytes.Key K_IFINDEX = JsonBytes.key("ifindex");
    static final JsonBytes.Key K_IFNAME = JsonBytes.key("ifname");
    static final JsonBytes.Key K_TCP_FLAGS = JsonBytes.key("tcpFlags");
    static final JsonBytes.Key K_FINAL_ACK = JsonBytes.key("finalAck");
    static final JsonBytes.Key K_TCP_SEQ = JsonBytes.key("tcpSeq");
    static final JsonBytes.Key K_TCP_ACK = JsonBytes.key("tcpAck");
    static final JsonBytes.Key K_TCP_WINDOW = JsonBytes.key("tcpWindow");
    static final JsonBytes.Key K_MSS = JsonBytes.key("mss");
    static final JsonBytes.Key K_WSCALE = JsonBytes.key("wscale");
    static final JsonBytes.Key K_SACK_PERMITTED = JsonBytes.key("sackPermitted");
    static final JsonBytes.Key K_HAS_TIMESTAMPS = JsonBytes.key("hasTimestamps");
    static final JsonBytes.Key K_LISTEN_DROPS_BEFORE = JsonBytes.key("listenDropsBefore");
    static final JsonBytes.Key K_LISTEN_DROPS_AFTER = JsonBytes.key("listenDropsAfter");
    static final JsonBytes.Key K_PACKET_HEADERS = JsonBytes.key("packetHeaders");
    static final byte[][] REASONS = JsonBytes.quotedNames(Reason.values());
    static final byte[][] PROBES = JsonBytes.quotedNames(Probe.values());
    private static final byte[][] STAGES = JsonBytes.quotedNames(LossRecord.Stage.values());

    /** Writes the event as one JSON object; {@code type}, when not null, goes first as {@code "type":TYPE}. */
    public static void drop(JsonBytes o, DropEvent e, boolean zeros, String type) {
        Fields f = new Fields(o, zeros, type);
        f.u64(K_SEQ, e.getSeq());
        f.u64(K_TIME_UNIX_NANO, e.getTimeUnixNano());
        f.str(K_NODE, e.getNode());
        f.reason(e.getReason(), e.getReasonValue());
        f.str(K_KERNEL_REASON, e.getKernelReason());
        f.str(K_SRC_ADDR, e.getSrcAddr());
        f.u32(K_SRC_PORT, e.getSrcPort());
        f.str(K_DST_ADDR, e.getDstAddr());
        f.u32(K_DST_PORT, e.getDstPort());
        f.u32(K_TSVAL, e.getTsval());
        f.u32(K_TSECR, e.getTsecr());
        f.u32(K_CACHED_TS, e.getCachedTs());
        f.u32(K_CACHED_TS_AGE_SEC, e.getCachedTsAgeSec());
        f.u64(K_NETNS_INO, e.getNetnsIno(), o.netnsCache);
        f.u32(K_SYN_QUEUE_LEN, e.getSynQueueLen());
        f.u32(K_SYN_QUEUE_MAX, e.getSynQueueMax());
        f.u32(K_ACCEPT_QUEUE_LEN, e.getAcceptQueueLen());
        f.u32(K_ACCEPT_QUEUE_MAX, e.getAcceptQueueMax());
        f.probe(e.getProbe(), e.getProbeValue());
        f.str(K_AGENT_ID, e.getAgentId());
        f.u64(K_AGENT_BOOT, e.getAgentBoot(), o.bootCache);
        f.u64(K_LISTENER_INO, e.getListenerIno());
        f.u32(K_PROCESS_PID, e.getProcessPid());
        f.str(K_PROCESS_COMM, e.getProcessComm());
        f.str(K_PROCESS_EXE, e.getProcessExe());
        f.str(K_PROCESS_UNIT, e.getProcessUnit());
        f.str(K_CONTAINER_ID, e.getContainerId());
        f.str(K_CONTAINER_NAME, e.getContainerName());
        f.str(K_CONTAINER_IMAGE, e.getContainerImage());
        f.str(K_CONTAINER_RUNTIME, e.getContainerRuntime());
        f.str(K_POD_UID, e.getPodUid());
        f.str(K_POD_NAMESPACE, e.getPodNamespace());
        f.str(K_POD_NAME, e.getPodName());
        if (e.hasSyncookies()) {
            f.name(K_SYNCOOKIES).unsigned(e.getSyncookies() & 0xffffffffL);
        }
        f.u32(K_MAX_SYN_BACKLOG, e.getMaxSynBacklog());
        f.u32(K_IFINDEX, e.getIfindex());
        f.str(K_IFNAME, e.getIfname());
        f.u32(K_TCP_FLAGS, e.getTcpFlags());
        f.bool(K_FINAL_ACK, e.getFinalAck());
        f.u32(K_TCP_SEQ, e.getTcpSeq());
        f.u32(K_TCP_ACK, e.getTcpAck());
        f.u32(K_TCP_WINDOW, e.getTcpWindow());
        f.u32(K_MSS, e.getMss());
        if (e.hasWscale()) {
            f.name(K_WSCALE).unsigned(e.getWscale() & 0xffffffffL);
        }
        f.bool(K_SACK_PERMITTED, e.getSackPermitted());
        f.bool(K_HAS_TIMESTAMPS, e.getHasTimestamps());
        // optional: present whenever set, zero included, as JsonFormat prints fields with presence
        if (e.hasListenDropsBefore()) {
            f.name(K_LISTEN_DROPS_BEFORE).quotedUnsigned(e.getListenDropsBefore());
        }
        if (e.hasListenDropsAfter()) {
            f.name(K_LISTEN_DROPS_AFTER).quotedUnsigned(e.getListenDropsAfter());
        }
        if (zeros || !e.getPacketHeaders().isEmpty()) {
            f.name(K_PACKET_HEADERS).base64(e.getPacketHeaders());
        }
        f.end();
    }

    public static void loss(JsonBytes o, LossRecord l, boolean zeros, String type) {
        Fields f = new Fields(o, zeros, type);
        LossRecord.Stage st = l.getStage();
        if (st == LossRecord.Stage.UNRECOGNIZED) {
            f.rawNumber(K_STAGE, l.getStageValue());
        } else if (zeros || l.getStageValue() != 0) {
            f.name(K_STAGE).bytes(STAGES[st.ordinal()]);
        }
        f.u64(K_COUNT, l.getCount());
        f.u64(K_TIME_UNIX_NANO, l.getTimeUnixNano());
        f.str(K_AGENT_ID, l.getAgentId());
        f.u64(K_AGENT_BOOT, l.getAgentBoot());
        f.str(K_DETAIL, l.getDetail());
        f.u64(K_SEQ, l.getSeq());
        f.str(K_NODE, l.getNode());
        f.end();
    }

    public static void counters(JsonBytes o, CounterSample c, boolean zeros, String type) {
        Fields f = new Fields(o, zeros, type);
        f.u64(K_TIME_UNIX_NANO, c.getTimeUnixNano());
        f.str(K_NODE, c.getNode());
        f.u64(K_NETNS_INO, c.getNetnsIno());
        if (zeros || c.getCountersCount() > 0) {
            f.name(K_COUNTERS).longMap(c.getCountersMap(), true);
        }
        if (zeros || c.getSysctlsCount() > 0) {
            f.name(K_SYSCTLS).stringMap(c.getSysctlsMap());
        }
        f.str(K_AGENT_ID, c.getAgentId());
        f.u64(K_AGENT_BOOT, c.getAgentBoot());
        f.u64(K_SEQ, c.getSeq());
        f.end();
    }

    // DropSummary's own names (the others it shares with the records above).
    static final JsonBytes.Key K_WINDOW_START = JsonBytes.key("windowStartUnixNano");
    static final JsonBytes.Key K_WINDOW_END = JsonBytes.key("windowEndUnixNano");
    static final JsonBytes.Key K_SRC_PREFIX = JsonBytes.key("srcPrefix");
    static final JsonBytes.Key K_DETAILED = JsonBytes.key("detailed");
    static final JsonBytes.Key K_FIRST_SEEN = JsonBytes.key("firstSeenUnixNano");
    static final JsonBytes.Key K_LAST_SEEN = JsonBytes.key("lastSeenUnixNano");
    static final JsonBytes.Key K_OVERFLOW = JsonBytes.key("overflow");

    /** A storm summary, in the same form as the records above. */
    public static void summary(JsonBytes o, DropSummary s, boolean zeros, String type) {
        Fields f = new Fields(o, zeros, type);
        f.u64(K_SEQ, s.getSeq());
        f.u64(K_TIME_UNIX_NANO, s.getTimeUnixNano());
        f.str(K_NODE, s.getNode());
        f.str(K_AGENT_ID, s.getAgentId());
        f.u64(K_AGENT_BOOT, s.getAgentBoot());
        f.u64(K_WINDOW_START, s.getWindowStartUnixNano());
        f.u64(K_WINDOW_END, s.getWindowEndUnixNano());
        f.reason(s.getReason(), s.getReasonValue());
        f.str(K_KERNEL_REASON, s.getKernelReason());
        f.u64(K_NETNS_INO, s.getNetnsIno());
        f.u32(K_DST_PORT, s.getDstPort());
        f.str(K_SRC_PREFIX, s.getSrcPrefix());
        f.u64(K_COUNT, s.getCount());
        f.u64(K_DETAILED, s.getDetailed());
        f.u64(K_FIRST_SEEN, s.getFirstSeenUnixNano());
        f.u64(K_LAST_SEEN, s.getLastSeenUnixNano());
        if (zeros || s.getOverflow()) {
            f.name(K_OVERFLOW).raw(s.getOverflow() ? "true" : "false");
        }
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
                name(K_TYPE).raw('"').raw(type).raw('"');
            }
        }

        JsonBytes name(JsonBytes.Key k) {
            o.key(k, first);
            first = false;
            return o;
        }

        void u64(JsonBytes.Key k, long v) {
            if (zeros || v != 0) {
                name(k).quotedUnsigned(v);
            }
        }

        void u64(JsonBytes.Key k, long v, JsonBytes.LastNumber cache) {
            if (zeros || v != 0) {
                name(k).quotedUnsigned(v, cache);
            }
        }

        void u32(JsonBytes.Key k, int v) {
            if (zeros || v != 0) {
                name(k).unsigned(v & 0xffffffffL);
            }
        }

        void str(JsonBytes.Key k, String v) {
            if (zeros || !v.isEmpty()) {
                name(k).string(v);
            }
        }

        void bool(JsonBytes.Key k, boolean v) {
            if (zeros || v) {
                name(k).bool(v);
            }
        }

        void rawNumber(JsonBytes.Key k, int v) {
            name(k).number(v);
        }

        void reason(Reason r, int value) {
            if (r == Reason.UNRECOGNIZED) {
                rawNumber(K_REASON, value);
            } else if (zeros || value != 0) {
                name(K_REASON).bytes(REASONS[r.ordinal()]);
            }
        }

        void probe(Probe p, int value) {
            if (p == Probe.UNRECOGNIZED) {
                rawNumber(K_PROBE, value);
            } else if (zeros || value != 0) {
                name(K_PROBE).bytes(PROBES[p.ordinal()]);
            }
        }

        void end() {
            o.raw('}');
        }
    }
}
