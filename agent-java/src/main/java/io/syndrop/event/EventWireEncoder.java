package io.syndrop.event;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * Writes 256-byte kernel records (bpf/syndrop.h) straight as {@code syndrop.v1.DropEvent}
 * protobuf bytes, without building a DropEvent: the same bytes {@link EventDecoder}'s event would
 * serialize to (EventWireEncoderTest holds them equal, byte for byte), minus the seq, which the
 * batcher writes once when it numbers the event.
 *
 * <p>Why by hand: building the message, then copying it in the batcher, was most of the agent's
 * CPU per event at the pipeline's ceiling (bench/ pipeline: ~3 us per event over agent and
 * collector, most of it in DropEvent objects). Fields go in field-number order and zero values are
 * left out, as the generated serializer does; identity fields come from the enricher as cached,
 * pre-encoded bytes. One encoder per drain thread.
 */
public final class EventWireEncoder {
    /** Every fixed-size field at its largest varint, plus tags: a bound on an event without its strings. */
    private static final int FIXED_BOUND = 50 * 12;

    private final String node;
    private final String agentId;
    private final long agentBoot;
    private final byte[] nodeBytes;
    private final byte[] agentIdBytes;
    private final IntFunction<String> kernelReasonNames;
    private final byte[][] reasonCache = new byte[1024][];
    private final long monoToWallNanos;
    private final EventEnricher enricher;
    private final byte[] addr = new byte[15];
    private final byte[] pkt = new byte[EventLayout.PKT_MAX];

    /**
     * An encoder writing what {@code decoder} would decode: its node, agent id and boot, kernel
     * reason names, enricher and wall-clock offset. The enricher must {@link EventEnricher#enrichesWire}.
     */
    public EventWireEncoder(EventDecoder decoder) {
        if (!decoder.enricher().enrichesWire()) {
            throw new IllegalArgumentException("this enricher cannot add its fields as bytes; decode events instead");
        }
        this.node = decoder.node();
        this.agentId = decoder.agentId();
        this.agentBoot = decoder.agentBoot();
        this.nodeBytes = node.getBytes(StandardCharsets.UTF_8);
        this.agentIdBytes = agentId.getBytes(StandardCharsets.UTF_8);
        this.kernelReasonNames = decoder.kernelReasonNames();
        this.enricher = decoder.enricher();
        this.monoToWallNanos = decoder.monoToWallNanos();
    }

    /** A chunk for about {@code events} events, marked with this encoder's node, agent id and boot. */
    public EncodedEvents newChunk(int events) {
        return new EncodedEvents(events, node, agentId, agentBoot);
    }

    /** Appends the record at {@code off} (a little-endian buffer, as the kernel wrote it) to {@code into}. */
    public void encode(ByteBuffer b, int off, EncodedEvents into) {
        if (b.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("event buffers are little-endian");
        }
        try {
            write(b, off, into);
        } catch (IOException e) {
            // The bound below is checked before writing: an overflow here is a bug, not an I/O error.
            throw new UncheckedIOException(e);
        }
    }

    private void write(ByteBuffer b, int off, EncodedEvents into) throws IOException {
        int flags = b.get(off + EventLayout.FLAGS) & 0xff;
        boolean v6 = (flags & EventLayout.F_IPV6) != 0;
        long netns = b.getLong(off + EventLayout.NETNS_INO);
        long listener = b.getLong(off + EventLayout.LISTENER_INO);
        int ifindex = b.getInt(off + EventLayout.IFINDEX);
        // The enricher is asked in the decoder's order (its enrich() names the device, then the listener).
        byte[] ifname = enricher.ifnameWire(netns, ifindex);
        byte[] identity = enricher.identityWire(listener, netns);
        int kr = b.getInt(off + EventLayout.KERNEL_REASON);
        byte[] krName = kr == 0 ? EventEnricher.NO_FIELDS : kernelReasonName(kr);
        String src6 = v6 ? Addresses.ipv6(b, off + EventLayout.SADDR) : null;
        String dst6 = v6 ? Addresses.ipv6(b, off + EventLayout.DADDR) : null;
        int bound = FIXED_BOUND + nodeBytes.length + agentIdBytes.length + krName.length + identity.length + ifname.length
                + 2 * 40 * 3 + EventLayout.PKT_MAX;
        CodedOutputStream o = into.beginEvent(bound);

        long time = b.getLong(off + EventLayout.KTIME_NS) + monoToWallNanos;
        u64(o, DropEvent.TIME_UNIX_NANO_FIELD_NUMBER, time);
        bytes(o, DropEvent.NODE_FIELD_NUMBER, nodeBytes);
        int reason = b.get(off + EventLayout.REASON) & 0xff;
        u32(o, DropEvent.REASON_FIELD_NUMBER, Reason.forNumber(reason) == null ? 0 : reason);
        bytes(o, DropEvent.KERNEL_REASON_FIELD_NUMBER, krName);
        if (v6) {
            o.writeString(DropEvent.SRC_ADDR_FIELD_NUMBER, src6);
        } else {
            ipv4(o, DropEvent.SRC_ADDR_FIELD_NUMBER, b, off + EventLayout.SADDR);
        }
        u32(o, DropEvent.SRC_PORT_FIELD_NUMBER, b.getShort(off + EventLayout.SPORT) & 0xffff);
        if (v6) {
            o.writeString(DropEvent.DST_ADDR_FIELD_NUMBER, dst6);
        } else {
            ipv4(o, DropEvent.DST_ADDR_FIELD_NUMBER, b, off + EventLayout.DADDR);
        }
        u32(o, DropEvent.DST_PORT_FIELD_NUMBER, b.getShort(off + EventLayout.DPORT) & 0xffff);
        u32(o, DropEvent.TSVAL_FIELD_NUMBER, b.getInt(off + EventLayout.TSVAL));
        u32(o, DropEvent.TSECR_FIELD_NUMBER, b.getInt(off + EventLayout.TSECR));
        u32(o, DropEvent.CACHED_TS_FIELD_NUMBER, b.getInt(off + EventLayout.CACHED_TS));
        int stamp = b.getInt(off + EventLayout.CACHED_TS_STAMP);
        // Old kernels stamp with wall-clock seconds, which BPF cannot read: compare with the event's wall time.
        long nowSec = (flags & EventLayout.F_WALL_STAMP) != 0
                ? Math.floorDiv(time, 1_000_000_000L)
                : b.getLong(off + EventLayout.KTIME_SEC_AT);
        if (stamp != 0 && nowSec >= stamp) {
            u32(o, DropEvent.CACHED_TS_AGE_SEC_FIELD_NUMBER, (int) Math.min(Integer.MAX_VALUE, nowSec - stamp));
        }
        u64(o, DropEvent.NETNS_INO_FIELD_NUMBER, netns);
        if ((flags & EventLayout.F_HAS_QUEUES) != 0) {
            u32(o, DropEvent.SYN_QUEUE_LEN_FIELD_NUMBER, b.getInt(off + EventLayout.SYN_QLEN));
            u32(o, DropEvent.SYN_QUEUE_MAX_FIELD_NUMBER, b.getInt(off + EventLayout.SYN_QMAX));
            u32(o, DropEvent.ACCEPT_QUEUE_LEN_FIELD_NUMBER, b.getInt(off + EventLayout.ACCEPT_QLEN));
            u32(o, DropEvent.ACCEPT_QUEUE_MAX_FIELD_NUMBER, b.getInt(off + EventLayout.ACCEPT_QMAX));
        }
        int probe = b.get(off + EventLayout.PROBE) & 0xff;
        u32(o, DropEvent.PROBE_FIELD_NUMBER, Probe.forNumber(probe) == null ? 0 : probe);
        bytes(o, DropEvent.AGENT_ID_FIELD_NUMBER, agentIdBytes);
        u64(o, DropEvent.AGENT_BOOT_FIELD_NUMBER, agentBoot);
        u64(o, DropEvent.LISTENER_INO_FIELD_NUMBER, listener);
        o.writeRawBytes(identity); // 23-33, already tagged
        int cookies = b.get(off + EventLayout.SYNCOOKIES) & 0xff;
        if (cookies != EventDecoder.SYNCOOKIES_UNKNOWN) {
            o.writeUInt32(DropEvent.SYNCOOKIES_FIELD_NUMBER, cookies); // optional: written even when 0
        }
        u32(o, DropEvent.MAX_SYN_BACKLOG_FIELD_NUMBER, b.getInt(off + EventLayout.MAX_SYN_BACKLOG));
        u32(o, DropEvent.IFINDEX_FIELD_NUMBER, ifindex);
        o.writeRawBytes(ifname); // 37, already tagged
        int opts = b.get(off + EventLayout.SYN_OPTS) & 0xff;
        u32(o, DropEvent.TCP_FLAGS_FIELD_NUMBER, b.get(off + EventLayout.TCP_FLAGS) & 0xff);
        bool(o, DropEvent.FINAL_ACK_FIELD_NUMBER, (flags & EventLayout.F_FINAL_ACK) != 0);
        u32(o, DropEvent.TCP_SEQ_FIELD_NUMBER, b.getInt(off + EventLayout.SEQ));
        u32(o, DropEvent.TCP_ACK_FIELD_NUMBER, b.getInt(off + EventLayout.ACK_SEQ));
        u32(o, DropEvent.TCP_WINDOW_FIELD_NUMBER, b.getShort(off + EventLayout.WINDOW) & 0xffff);
        if ((opts & EventLayout.OPT_MSS) != 0) {
            u32(o, DropEvent.MSS_FIELD_NUMBER, b.getShort(off + EventLayout.MSS) & 0xffff);
        }
        if ((opts & EventLayout.OPT_WSCALE) != 0) {
            o.writeUInt32(DropEvent.WSCALE_FIELD_NUMBER, b.get(off + EventLayout.WSCALE) & 0xff);
        }
        bool(o, DropEvent.SACK_PERMITTED_FIELD_NUMBER, (opts & EventLayout.OPT_SACK_PERM) != 0);
        bool(o, DropEvent.HAS_TIMESTAMPS_FIELD_NUMBER, (flags & EventLayout.F_HAS_TS) != 0);
        if ((flags & EventLayout.F_LISTEN_DROPS) != 0) {
            o.writeUInt64(DropEvent.LISTEN_DROPS_BEFORE_FIELD_NUMBER, b.getLong(off + EventLayout.LISTEN_DROPS_BEFORE));
            o.writeUInt64(DropEvent.LISTEN_DROPS_AFTER_FIELD_NUMBER, b.getLong(off + EventLayout.LISTEN_DROPS_AFTER));
        }
        int pktLen = Math.min(b.get(off + EventLayout.PKT_LEN) & 0xff, EventLayout.PKT_MAX);
        if (pktLen > 0) {
            o.writeTag(DropEvent.PACKET_HEADERS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(pktLen);
            b.get(off + EventLayout.PKT, pkt, 0, pktLen);
            o.writeRawBytes(pkt, 0, pktLen);
        }
        into.endEvent();
    }

    /** Dotted IPv4 text written as the string field's bytes, without a String. */
    private void ipv4(CodedOutputStream o, int field, ByteBuffer b, int at) throws IOException {
        int n = 0;
        for (int k = 0; k < 4; k++) {
            if (k > 0) {
                addr[n++] = '.';
            }
            int v = b.get(at + k) & 0xff;
            if (v >= 100) {
                addr[n++] = (byte) ('0' + v / 100);
                addr[n++] = (byte) ('0' + v / 10 % 10);
            } else if (v >= 10) {
                addr[n++] = (byte) ('0' + v / 10);
            }
            addr[n++] = (byte) ('0' + v % 10);
        }
        o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        o.writeUInt32NoTag(n);
        o.writeRawBytes(addr, 0, n);
    }

    private static void u32(CodedOutputStream o, int field, int v) throws IOException {
        if (v != 0) {
            o.writeUInt32(field, v);
        }
    }

    private static void u64(CodedOutputStream o, int field, long v) throws IOException {
        if (v != 0) {
            o.writeUInt64(field, v);
        }
    }

    private static void bool(CodedOutputStream o, int field, boolean v) throws IOException {
        if (v) {
            o.writeBool(field, true);
        }
    }

    /** A string field from its UTF-8 bytes; empty is left out, as proto3 does. */
    private static void bytes(CodedOutputStream o, int field, byte[] utf8) throws IOException {
        if (utf8.length > 0) {
            o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(utf8.length);
            o.writeRawBytes(utf8);
        }
    }

    /** As EventDecoder: the kernel's name for the reason, else its number; cached as UTF-8 bytes. */
    private byte[] kernelReasonName(int value) {
        if (value >= 0 && value < reasonCache.length && reasonCache[value] != null) {
            return reasonCache[value];
        }
        String n = kernelReasonNames.apply(value);
        byte[] bytes = (n == null ? Integer.toString(value) : n).getBytes(StandardCharsets.UTF_8);
        if (value >= 0 && value < reasonCache.length) {
            reasonCache[value] = bytes;
        }
        return bytes;
    }
}
