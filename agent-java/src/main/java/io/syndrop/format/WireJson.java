package io.syndrop.format;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;

/**
 * The JSON sink's line for a {@code syndrop.v1.DropEvent} written straight from its protobuf bytes,
 * without parsing a DropEvent: the collector's fast path. The same text as {@link RecordJson#drop}
 * (zero values left out, proto3 JSON names and forms) for bytes that {@link #scan} accepts: fields in
 * increasing number order, each once, with the right wire type, valid UTF-8 - which is what
 * protobuf-java and syndrop's agent write. Anything else is for the caller to parse (the slow path).
 * {@code WireJsonTest} holds the output to RecordJson and to protobuf's JsonFormat.
 *
 * <p>Why hand-written: bench/ pipeline_ceiling, 2026-11-28 (2 CPUs): parsing each Batch into
 * DropEvents (gRPC executor) took ~0.6 us per event and RecordJson from the parsed messages most of
 * the committer's 1.3 us; scanning the bytes once and writing JSON from them replaces both (numbers
 * in bench/results, scenario pipeline_ceiling, peer json-encoded next to json).
 *
 * <p>Field names and kinds come from DropEvent's descriptor, so a field added to the .proto gets its
 * JSON name here without an edit; a field this table does not know makes {@link #scan} refuse the
 * bytes, so a newer agent's fields go the slow path rather than being dropped silently.
 */
public final class WireJson {
    private WireJson() {}

    private static final int MAX_FIELD = 64;
    private static final int K_NONE = 0, K_U64 = 1, K_U32 = 2, K_STR = 3, K_ENUM = 4, K_BOOL = 5, K_BYTES = 6;
    private static final int[] KIND = new int[MAX_FIELD];
    private static final boolean[] PRESENCE = new boolean[MAX_FIELD];
    private static final JsonBytes.Key[] KEYS = new JsonBytes.Key[MAX_FIELD];
    private static final JsonBytes.Key K_TYPE = JsonBytes.key("type");
    private static final byte[][] REASONS = JsonBytes.quotedNames(Reason.values());
    private static final byte[][] PROBES = JsonBytes.quotedNames(Probe.values());
    private static final byte[] B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final int F_SEQ = DropEvent.SEQ_FIELD_NUMBER;
    static final int F_NODE = DropEvent.NODE_FIELD_NUMBER;
    static final int F_AGENT_ID = DropEvent.AGENT_ID_FIELD_NUMBER;
    static final int F_AGENT_BOOT = DropEvent.AGENT_BOOT_FIELD_NUMBER;
    static final int F_REASON = DropEvent.REASON_FIELD_NUMBER;
    static final int F_PROBE = DropEvent.PROBE_FIELD_NUMBER;

    static {
        for (FieldDescriptor f : DropEvent.getDescriptor().getFields()) {
            int n = f.getNumber();
            if (n >= MAX_FIELD || f.isRepeated() || f.isMapField()) {
                throw new ExceptionInInitializerError("WireJson: DropEvent field " + f.getName() + " needs handling");
            }
            KIND[n] = switch (f.getType()) {
                case UINT64 -> K_U64;
                case UINT32 -> K_U32;
                case STRING -> K_STR;
                case ENUM -> K_ENUM;
                case BOOL -> K_BOOL;
                case BYTES -> K_BYTES;
                default -> throw new ExceptionInInitializerError("WireJson: DropEvent field " + f.getName() + " has type " + f.getType());
            };
            PRESENCE[n] = f.hasPresence();
            KEYS[n] = JsonBytes.key(f.getJsonName());
        }
        if (KIND[F_REASON] != K_ENUM || KIND[F_PROBE] != K_ENUM) {
            throw new ExceptionInInitializerError("WireJson: reason/probe are not the enums it knows");
        }
    }

    /** What {@link #scan} learned of an event. */
    public static final class Scan {
        /** Field 1, 0 when absent. */
        public long seq;
        /** True when the event lacks one of agent id, boot or node: the collector fills them from its batch. */
        public boolean needsFill;
        boolean hasNode;
    }

    /**
     * Checks that the bytes are a DropEvent this writer can render exactly (see the class comment)
     * and reads its seq; false: parse it instead.
     */
    public static boolean scan(byte[] b, int off, int len, Scan out) {
        int p = off;
        int end = off + len;
        int last = 0;
        out.seq = 0;
        boolean agentId = false, boot = false, node = false;
        while (p < end) {
            long tag = 0;
            int shift = 0;
            while (true) {
                if (p >= end || shift > 28) {
                    return false;
                }
                byte x = b[p++];
                tag |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    break;
                }
                shift += 7;
            }
            int field = (int) (tag >>> 3);
            int wt = (int) (tag & 7);
            if (field <= last || field >= MAX_FIELD || KIND[field] == K_NONE) {
                return false;
            }
            last = field;
            int kind = KIND[field];
            if (kind == K_STR || kind == K_BYTES) {
                if (wt != 2) {
                    return false;
                }
                long l = 0;
                shift = 0;
                while (true) {
                    if (p >= end || shift > 28) {
                        return false;
                    }
                    byte x = b[p++];
                    l |= (long) (x & 0x7f) << shift;
                    if (x >= 0) {
                        break;
                    }
                    shift += 7;
                }
                if (l > end - p) {
                    return false;
                }
                if (kind == K_STR && !validUtf8(b, p, p + (int) l)) {
                    return false;
                }
                if (field == F_NODE) {
                    node = l > 0;
                } else if (field == F_AGENT_ID) {
                    agentId = l > 0;
                }
                p += (int) l;
            } else {
                if (wt != 0) {
                    return false;
                }
                long v = 0;
                shift = 0;
                while (true) {
                    if (p >= end || shift > 63) {
                        return false;
                    }
                    byte x = b[p++];
                    v |= (long) (x & 0x7f) << shift;
                    if (x >= 0) {
                        break;
                    }
                    shift += 7;
                }
                if (field == F_SEQ) {
                    out.seq = v;
                } else if (field == F_AGENT_BOOT) {
                    boot = v != 0;
                }
            }
        }
        out.hasNode = node;
        out.needsFill = !(agentId && boot && node);
        return true;
    }

    /**
     * Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF): what protobuf-java
     * requires of a proto3 string when it parses one, so bytes it would refuse never take this path.
     */
    public static boolean validUtf8(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xff;
            if (c < 0xc2) {
                return false;
            }
            if (c < 0xe0) {
                if (i + 1 >= to || (b[i + 1] & 0xc0) != 0x80) {
                    return false;
                }
                i += 2;
            } else if (c < 0xf0) {
                if (i + 2 >= to || (b[i + 1] & 0xc0) != 0x80 || (b[i + 2] & 0xc0) != 0x80) {
                    return false;
                }
                int b1 = b[i + 1] & 0xff;
                if (c == 0xe0 && b1 < 0xa0 || c == 0xed && b1 >= 0xa0) {
                    return false; // overlong, or a surrogate
                }
                i += 3;
            } else if (c < 0xf5) {
                if (i + 3 >= to || (b[i + 1] & 0xc0) != 0x80 || (b[i + 2] & 0xc0) != 0x80 || (b[i + 3] & 0xc0) != 0x80) {
                    return false;
                }
                int b1 = b[i + 1] & 0xff;
                if (c == 0xf0 && b1 < 0x90 || c == 0xf4 && b1 >= 0x90) {
                    return false; // overlong, or above U+10FFFF
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes the event (bytes {@link #scan} accepted) as {@link RecordJson#drop} writes the parsed
     * message (zeros left out). With {@code fill}, agent id and boot are the batch's, and the node too
     * when the event has none: what the collector's Batches.fill does to a parsed event.
     */
    public static void drop(JsonBytes o, byte[] b, int off, int len, String type, boolean fill,
                            String batchAgentId, long batchBoot, String batchNode) {
        o.raw('{');
        boolean first = true;
        if (type != null) {
            o.key(K_TYPE, true).raw('"').raw(type).raw('"');
            first = false;
        }
        int p = off;
        int end = off + len;
        // The fill fields in their places: node (3) when the event has none, agent id (20), boot (21).
        int nextFill = fill ? F_NODE : Integer.MAX_VALUE;
        boolean sawNode = false;
        while (p < end) {
            int tag = 0;
            int shift = 0;
            byte x;
            do {
                x = b[p++];
                tag |= (x & 0x7f) << shift;
                shift += 7;
            } while (x < 0);
            int field = tag >>> 3;
            while (nextFill < field) {
                first = fillField(o, first, nextFill, sawNode, batchAgentId, batchBoot, batchNode);
                nextFill = nextFill == F_NODE ? F_AGENT_ID : nextFill == F_AGENT_ID ? F_AGENT_BOOT : Integer.MAX_VALUE;
            }
            int kind = KIND[field];
            if (kind == K_STR || kind == K_BYTES) {
                int l = 0;
                shift = 0;
                do {
                    x = b[p++];
                    l |= (x & 0x7f) << shift;
                    shift += 7;
                } while (x < 0);
                if (field == F_NODE) {
                    sawNode = l > 0;
                }
                boolean replaced = fill && (field == F_AGENT_ID);
                if (l > 0 && !replaced) {
                    o.key(KEYS[field], first);
                    first = false;
                    if (kind == K_STR) {
                        o.utf8String(b, p, l);
                    } else {
                        base64(o, b, p, l);
                    }
                }
                p += l;
                if (field == nextFill && field != F_AGENT_BOOT) {
                    // Node: the event's own when it has one; agent id: the batch's (written in fillField).
                    if (field == F_AGENT_ID || l == 0) {
                        first = fillField(o, first, field, sawNode, batchAgentId, batchBoot, batchNode);
                    }
                    nextFill = field == F_NODE ? F_AGENT_ID : F_AGENT_BOOT;
                }
                continue;
            }
            long v = 0;
            shift = 0;
            do {
                x = b[p++];
                v |= (long) (x & 0x7f) << shift;
                shift += 7;
            } while (x < 0);
            if (field == nextFill) {
                // Only the boot is a varint among the fill fields: the batch's replaces the event's.
                first = fillField(o, first, field, sawNode, batchAgentId, batchBoot, batchNode);
                nextFill = Integer.MAX_VALUE;
                continue;
            }
            switch (kind) {
                case K_U64 -> {
                    if (v != 0 || PRESENCE[field]) {
                        o.key(KEYS[field], first);
                        first = false;
                        o.quotedUnsigned(v);
                    }
                }
                case K_U32 -> {
                    int u = (int) v;
                    if (u != 0 || PRESENCE[field]) {
                        o.key(KEYS[field], first);
                        first = false;
                        o.unsigned(u & 0xffffffffL);
                    }
                }
                case K_BOOL -> {
                    if (v != 0 || PRESENCE[field]) {
                        o.key(KEYS[field], first);
                        first = false;
                        o.raw(v != 0 ? "true" : "false");
                    }
                }
                default -> { // K_ENUM
                    int e = (int) v;
                    if (e != 0) {
                        o.key(KEYS[field], first);
                        first = false;
                        Enum<?> known = field == F_REASON ? Reason.forNumber(e) : Probe.forNumber(e);
                        if (known != null) {
                            o.bytes((field == F_REASON ? REASONS : PROBES)[known.ordinal()]);
                        } else {
                            o.number(e);
                        }
                    }
                }
            }
        }
        while (nextFill != Integer.MAX_VALUE) {
            first = fillField(o, first, nextFill, sawNode, batchAgentId, batchBoot, batchNode);
            nextFill = nextFill == F_NODE ? F_AGENT_ID : nextFill == F_AGENT_ID ? F_AGENT_BOOT : Integer.MAX_VALUE;
        }
        o.raw('}');
    }

    private static boolean fillField(JsonBytes o, boolean first, int field, boolean eventHasNode,
                                     String agentId, long boot, String node) {
        if (field == F_NODE) {
            if (!eventHasNode && !node.isEmpty()) {
                o.key(KEYS[F_NODE], first).string(node);
                return false;
            }
            return first;
        }
        if (field == F_AGENT_ID) {
            if (!agentId.isEmpty()) {
                o.key(KEYS[F_AGENT_ID], first).string(agentId);
                return false;
            }
            return first;
        }
        if (boot != 0) {
            o.key(KEYS[F_AGENT_BOOT], first).quotedUnsigned(boot, o.bootCache);
            return false;
        }
        return first;
    }

    private static void base64(JsonBytes o, byte[] b, int p, int l) {
        o.raw('"');
        int i = p;
        int end = p + l;
        for (; i + 3 <= end; i += 3) {
            int v = (b[i] & 0xff) << 16 | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff);
            o.raw((char) B64[v >>> 18]).raw((char) B64[(v >>> 12) & 63]).raw((char) B64[(v >>> 6) & 63]).raw((char) B64[v & 63]);
        }
        if (end - i == 1) {
            int v = (b[i] & 0xff) << 16;
            o.raw((char) B64[v >>> 18]).raw((char) B64[(v >>> 12) & 63]).raw("==");
        } else if (end - i == 2) {
            int v = (b[i] & 0xff) << 16 | (b[i + 1] & 0xff) << 8;
            o.raw((char) B64[v >>> 18]).raw((char) B64[(v >>> 12) & 63]).raw((char) B64[(v >>> 6) & 63]).raw('=');
        }
        o.raw('"');
    }
}
