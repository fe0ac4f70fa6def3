package io.syndrop.format;

import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;

import static io.syndrop.format.RecordJson.*;

/**
 * Writes the JSON sink's line of a DropEvent ({@code "type":"drop"} and the proto3 JSON mapping,
 * zero values left out: what {@link JsonLines} writes for the parsed event) straight from the
 * event's protobuf bytes, without a DropEvent. WireJsonTest holds it to JsonLines byte for byte.
 *
 * <p>Why by hand: parsing each event into a message and formatting its getters was most of the
 * collector's CPU per event at the pipeline's ceiling. The fields are read in one pass into
 * primitives and (offset, length) ranges of the input (the last occurrence of a field wins, as in
 * protobuf; the agent appends each event's seq after its other fields), then written in field
 * order. The varint reader is a few lines over the array, where a CodedInputStream would be one
 * more object per event.
 *
 * <p>{@link #drop} returns false, having written nothing, for whatever it does not handle exactly
 * as the parser would: a field number this schema does not have (an unknown field, from a newer
 * agent), a known number with another wire type, truncated bytes, a string that is not valid
 * UTF-8. The caller then parses the event and formats the message (the fallback path), so the
 * line is the same either way. One instance per sink (it keeps state between calls).
 */
public final class WireJson {
    private static final int MAX_FIELD = DropEvent.PACKET_HEADERS_FIELD_NUMBER;
    /** Wire type each field number must come with; -1 for numbers the schema does not have. */
    private static final int[] WIRE_TYPE = new int[MAX_FIELD + 1];

    static {
        java.util.Arrays.fill(WIRE_TYPE, -1);
        for (com.google.protobuf.Descriptors.FieldDescriptor f : DropEvent.getDescriptor().getFields()) {
            WIRE_TYPE[f.getNumber()] = switch (f.getType()) {
                case STRING, BYTES -> WireFormat.WIRETYPE_LENGTH_DELIMITED;
                case UINT32, UINT64, BOOL, ENUM -> WireFormat.WIRETYPE_VARINT;
                default -> throw new ExceptionInInitializerError("DropEvent field " + f.getName() + " has type "
                        + f.getType() + ", which WireJson does not read; add it here");
            };
            if (f.isRepeated()) {
                throw new ExceptionInInitializerError("DropEvent field " + f.getName() + " is repeated, which WireJson does not read");
            }
        }
    }

    // One event's fields: varints by field number, presence for the optional ones, string/bytes ranges.
    private final long[] v = new long[MAX_FIELD + 1];
    private final boolean[] present = new boolean[MAX_FIELD + 1];
    private final int[] strOff = new int[MAX_FIELD + 1];
    private final int[] strLen = new int[MAX_FIELD + 1];
    private byte[] a;
    private int pos;
    private int end;

    /**
     * Appends the line of the event in {@code a[off, off+len)} (without the newline), with the
     * batch's agent id, boot and node where the event lacks them (as the collector fills parsed
     * events); false, with nothing written, when the event must go the parse path instead.
     */
    public boolean drop(JsonBytes o, byte[] a, int off, int len, String batchAgentId, long batchBoot, String batchNode) {
        if (!read(a, off, len)) {
            return false;
        }
        String agentId = null;
        String node = null;
        long boot = v[DropEvent.AGENT_BOOT_FIELD_NUMBER];
        boolean fill = strLen[DropEvent.AGENT_ID_FIELD_NUMBER] == 0 || boot == 0 || strLen[DropEvent.NODE_FIELD_NUMBER] == 0;
        if (fill) {
            // Batches.fill: agent id and boot both from the batch, the node only when it is missing.
            agentId = batchAgentId;
            boot = batchBoot;
            if (strLen[DropEvent.NODE_FIELD_NUMBER] == 0) {
                node = batchNode;
            }
        }
        o.raw("{\"type\":\"drop\"");
        u64(o, K_SEQ, DropEvent.SEQ_FIELD_NUMBER);
        u64(o, K_TIME_UNIX_NANO, DropEvent.TIME_UNIX_NANO_FIELD_NUMBER);
        str(o, K_NODE, DropEvent.NODE_FIELD_NUMBER, node);
        int reason = (int) v[DropEvent.REASON_FIELD_NUMBER];
        if (reason != 0) {
            Reason r = Reason.forNumber(reason);
            if (r == null) {
                o.key(K_REASON, false).number(reason);
            } else {
                o.key(K_REASON, false).bytes(REASONS[r.ordinal()]);
            }
        }
        str(o, K_KERNEL_REASON, DropEvent.KERNEL_REASON_FIELD_NUMBER, null);
        str(o, K_SRC_ADDR, DropEvent.SRC_ADDR_FIELD_NUMBER, null);
        u32(o, K_SRC_PORT, DropEvent.SRC_PORT_FIELD_NUMBER);
        str(o, K_DST_ADDR, DropEvent.DST_ADDR_FIELD_NUMBER, null);
        u32(o, K_DST_PORT, DropEvent.DST_PORT_FIELD_NUMBER);
        u32(o, K_TSVAL, DropEvent.TSVAL_FIELD_NUMBER);
        u32(o, K_TSECR, DropEvent.TSECR_FIELD_NUMBER);
        u32(o, K_CACHED_TS, DropEvent.CACHED_TS_FIELD_NUMBER);
        u32(o, K_CACHED_TS_AGE_SEC, DropEvent.CACHED_TS_AGE_SEC_FIELD_NUMBER);
        long netns = v[DropEvent.NETNS_INO_FIELD_NUMBER];
        if (netns != 0) {
            o.key(K_NETNS_INO, false).quotedUnsigned(netns, o.netnsCache);
        }
        u32(o, K_SYN_QUEUE_LEN, DropEvent.SYN_QUEUE_LEN_FIELD_NUMBER);
        u32(o, K_SYN_QUEUE_MAX, DropEvent.SYN_QUEUE_MAX_FIELD_NUMBER);
        u32(o, K_ACCEPT_QUEUE_LEN, DropEvent.ACCEPT_QUEUE_LEN_FIELD_NUMBER);
        u32(o, K_ACCEPT_QUEUE_MAX, DropEvent.ACCEPT_QUEUE_MAX_FIELD_NUMBER);
        int probe = (int) v[DropEvent.PROBE_FIELD_NUMBER];
        if (probe != 0) {
            Probe p = Probe.forNumber(probe);
            if (p == null) {
                o.key(K_PROBE, false).number(probe);
            } else {
                o.key(K_PROBE, false).bytes(PROBES[p.ordinal()]);
            }
        }
        str(o, K_AGENT_ID, DropEvent.AGENT_ID_FIELD_NUMBER, agentId);
        if (boot != 0) {
            o.key(K_AGENT_BOOT, false).quotedUnsigned(boot, o.bootCache);
        }
        u64(o, K_LISTENER_INO, DropEvent.LISTENER_INO_FIELD_NUMBER);
        u32(o, K_PROCESS_PID, DropEvent.PROCESS_PID_FIELD_NUMBER);
        str(o, K_PROCESS_COMM, DropEvent.PROCESS_COMM_FIELD_NUMBER, null);
        str(o, K_PROCESS_EXE, DropEvent.PROCESS_EXE_FIELD_NUMBER, null);
        str(o, K_PROCESS_UNIT, DropEvent.PROCESS_UNIT_FIELD_NUMBER, null);
        str(o, K_CONTAINER_ID, DropEvent.CONTAINER_ID_FIELD_NUMBER, null);
        str(o, K_CONTAINER_NAME, DropEvent.CONTAINER_NAME_FIELD_NUMBER, null);
        str(o, K_CONTAINER_IMAGE, DropEvent.CONTAINER_IMAGE_FIELD_NUMBER, null);
        str(o, K_CONTAINER_RUNTIME, DropEvent.CONTAINER_RUNTIME_FIELD_NUMBER, null);
        str(o, K_POD_UID, DropEvent.POD_UID_FIELD_NUMBER, null);
        str(o, K_POD_NAMESPACE, DropEvent.POD_NAMESPACE_FIELD_NUMBER, null);
        str(o, K_POD_NAME, DropEvent.POD_NAME_FIELD_NUMBER, null);
        optionalU32(o, K_SYNCOOKIES, DropEvent.SYNCOOKIES_FIELD_NUMBER);
        u32(o, K_MAX_SYN_BACKLOG, DropEvent.MAX_SYN_BACKLOG_FIELD_NUMBER);
        u32(o, K_IFINDEX, DropEvent.IFINDEX_FIELD_NUMBER);
        str(o, K_IFNAME, DropEvent.IFNAME_FIELD_NUMBER, null);
        u32(o, K_TCP_FLAGS, DropEvent.TCP_FLAGS_FIELD_NUMBER);
        bool(o, K_FINAL_ACK, DropEvent.FINAL_ACK_FIELD_NUMBER);
        u32(o, K_TCP_SEQ, DropEvent.TCP_SEQ_FIELD_NUMBER);
        u32(o, K_TCP_ACK, DropEvent.TCP_ACK_FIELD_NUMBER);
        u32(o, K_TCP_WINDOW, DropEvent.TCP_WINDOW_FIELD_NUMBER);
        u32(o, K_MSS, DropEvent.MSS_FIELD_NUMBER);
        optionalU32(o, K_WSCALE, DropEvent.WSCALE_FIELD_NUMBER);
        bool(o, K_SACK_PERMITTED, DropEvent.SACK_PERMITTED_FIELD_NUMBER);
        bool(o, K_HAS_TIMESTAMPS, DropEvent.HAS_TIMESTAMPS_FIELD_NUMBER);
        // optional: present whenever set, zero included, as JsonFormat prints fields with presence
        if (present[DropEvent.LISTEN_DROPS_BEFORE_FIELD_NUMBER]) {
            o.key(K_LISTEN_DROPS_BEFORE, false).quotedUnsigned(v[DropEvent.LISTEN_DROPS_BEFORE_FIELD_NUMBER]);
        }
        if (present[DropEvent.LISTEN_DROPS_AFTER_FIELD_NUMBER]) {
            o.key(K_LISTEN_DROPS_AFTER, false).quotedUnsigned(v[DropEvent.LISTEN_DROPS_AFTER_FIELD_NUMBER]);
        }
        int pkt = DropEvent.PACKET_HEADERS_FIELD_NUMBER;
        if (strLen[pkt] > 0) {
            o.key(K_PACKET_HEADERS, false).base64(a, strOff[pkt], strLen[pkt]);
        }
        o.raw('}');
        return true;
    }

    /** One pass over the event's fields into {@link #v}, {@link #present} and the string ranges; false when it must be parsed instead. */
    private boolean read(byte[] bytes, int off, int len) {
        java.util.Arrays.fill(v, 0);
        java.util.Arrays.fill(present, false);
        java.util.Arrays.fill(strLen, 0);
        a = bytes;
        pos = off;
        end = off + len;
        while (pos < end) {
            long tag = varint();
            if (tag < 0 || tag > Integer.MAX_VALUE) {
                return false;
            }
            int field = (int) tag >>> 3;
            int wt = (int) tag & 7;
            if (field == 0 || field > MAX_FIELD || WIRE_TYPE[field] != wt) {
                // Unknown to this schema (or not as this schema has it): the parse path keeps it as an
                // unknown field and the formatter ignores it; we do not guess, we hand it over.
                return false;
            }
            if (wt == WireFormat.WIRETYPE_VARINT) {
                long x = varint();
                if (pos < 0) {
                    return false;
                }
                v[field] = x;
                present[field] = true;
            } else {
                long n = varint();
                if (pos < 0 || n < 0 || n > end - pos) {
                    return false;
                }
                strOff[field] = pos;
                strLen[field] = (int) n;
                pos += (int) n;
            }
        }
        if (pos != end) {
            return false;
        }
        // Strings that are not plain ASCII must be valid UTF-8, as the parser insists (bytes need not be);
        // the wrap is a view, no copy, and only for the rare non-ASCII string.
        for (int f = 1; f < MAX_FIELD; f++) {
            if (strLen[f] > 0 && !ascii(bytes, strOff[f], strLen[f]) && !UnsafeByteOperations.unsafeWrap(bytes, strOff[f], strLen[f]).isValidUtf8()) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascii(byte[] b, int off, int n) {
        for (int i = off, e = off + n; i < e; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** A varint at {@link #pos}; on malformed or truncated input sets pos to -1. */
    private long varint() {
        long x = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                pos = -1;
                return 0;
            }
            byte b = a[pos++];
            x |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return x;
            }
        }
        pos = -1;
        return 0;
    }

    private void u64(JsonBytes o, JsonBytes.Key k, int field) {
        long x = v[field];
        if (x != 0) {
            o.key(k, false).quotedUnsigned(x);
        }
    }

    private void u32(JsonBytes o, JsonBytes.Key k, int field) {
        int x = (int) v[field]; // as protobuf's readUInt32: the low 32 bits of the varint
        if (x != 0) {
            o.key(k, false).unsigned(x & 0xffffffffL);
        }
    }

    private void optionalU32(JsonBytes o, JsonBytes.Key k, int field) {
        if (present[field]) {
            o.key(k, false).unsigned(v[field] & 0xffffffffL);
        }
    }

    private void bool(JsonBytes o, JsonBytes.Key k, int field) {
        if (v[field] != 0) {
            o.key(k, false).bool(true);
        }
    }

    /** A string field from the event, or {@code fill} (the batch's value) when given. */
    private void str(JsonBytes o, JsonBytes.Key k, int field, String fill) {
        if (fill != null) {
            if (!fill.isEmpty()) {
                o.key(k, false).string(fill);
            }
        } else if (strLen[field] > 0) {
            o.key(k, false).utf8String(a, strOff[field], strLen[field]);
        }
    }
}
