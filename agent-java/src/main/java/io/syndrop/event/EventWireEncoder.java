package io.syndrop.event;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Kernel record (bpf/syndrop.h) straight to the protobuf encoding of the {@link DropEvent} that
 * {@link EventDecoder#decode} builds from it, fields 2-49 in field-number order (what protobuf-java
 * writes), without the DropEvent builder, its Strings and its serialization. Field 1 (seq) is left
 * to the batcher (see {@link EncodedEvents}). {@code EventWireEncoderTest} holds the bytes to the
 * decoder's {@code toByteArray()} over random and edge-case records.
 *
 * <p>Why hand-written: bench/ pipeline_ceiling (2026-11-28, 2 CPUs): the decoder's builder, the
 * address Strings and the batcher's re-serialisation were ~1.0 us of the drain thread's and ~1.2 us
 * of the batcher's CPU per event, of 3.5 us in all; this encoder takes the drain's share to a few
 * hundred ns and the batcher's to a copy (numbers in bench/results, scenario pipeline_ceiling, peer
 * json-encoded next to json).
 *
 * <p>Enrichment: {@link EventEnricher#identityOf} gives the fields the enricher would set, as a
 * message; fields 23-33 (identity) are spliced in their place. An enricher that sets anything else
 * makes this record take the decoder's path (decode, enrich, serialise), so the result is the same.
 */
public final class EventWireEncoder {
    private static final int WT_VARINT = 0;
    private static final int WT_LEN = 2;

    private final EventDecoder decoder;
    private final EventEnricher enricher;
    private final long monoToWallNanos;
    private final byte[] nodeField;
    private final byte[] agentIdField;
    private final byte[] agentBootField;
    private final byte[][] kernelReasonFields = new byte[1024][];
    private final int[] reasonValue = new int[256];
    private final int[] probeValue = new int[256];

    EventWireEncoder(EventDecoder decoder, String node, String agentId, long agentBoot, long monoToWallNanos,
                     EventEnricher enricher) {
        this.decoder = decoder;
        this.enricher = enricher;
        this.monoToWallNanos = monoToWallNanos;
        this.nodeField = stringField(3, node);
        this.agentIdField = stringField(20, agentId);
        this.agentBootField = agentBoot == 0 ? new byte[0] : varintField(21, agentBoot);
        for (int v = 0; v < 256; v++) {
            Reason r = Reason.forNumber(v);
            reasonValue[v] = r == null ? 0 : v;
            Probe p = Probe.forNumber(v);
            probeValue[v] = p == null ? 0 : v;
        }
    }

    /** Appends the record at {@code off} (little-endian buffer, as the kernel wrote it) as one entry of {@code out}. */
    public void encode(ByteBuffer b, int off, EncodedEvents out) {
        if (b.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("event buffers are little-endian");
        }
        long listenerIno = b.getLong(off + EventLayout.LISTENER_INO);
        long netnsIno = b.getLong(off + EventLayout.NETNS_INO);
        DropEvent identity = enricher == EventEnricher.NONE ? null : enricher.identityOf(listenerIno, netnsIno);
        if (identity != null && !onlyIdentity(identity)) {
            slow(b, off, out);
            return;
        }
        out.begin();
        out.ensure(512 + nodeField.length + agentIdField.length
                + (identity == null ? 0 : identity.getSerializedSize()));
        byte[] a = out.buf;
        int p = out.len;
        int flags = b.get(off + EventLayout.FLAGS) & 0xff;
        boolean v6 = (flags & EventLayout.F_IPV6) != 0;
        long timeUnixNano = b.getLong(off + EventLayout.KTIME_NS) + monoToWallNanos;
        p = u64(a, p, 2, timeUnixNano);
        p = copy(a, p, nodeField);
        p = u32(a, p, 4, reasonValue[b.get(off + EventLayout.REASON) & 0xff]);
        int kr = b.getInt(off + EventLayout.KERNEL_REASON);
        if (kr != 0) {
            byte[] f = kernelReasonField(kr);
            out.len = p;
            out.ensure(f.length + 128);
            a = out.buf;
            p = copy(a, p, f);
        }
        p = v6 ? ipv6(a, p, 6, b, off + EventLayout.SADDR) : ipv4(a, p, 6, b, off + EventLayout.SADDR);
        p = u32(a, p, 7, b.getShort(off + EventLayout.SPORT) & 0xffff);
        p = v6 ? ipv6(a, p, 8, b, off + EventLayout.DADDR) : ipv4(a, p, 8, b, off + EventLayout.DADDR);
        p = u32(a, p, 9, b.getShort(off + EventLayout.DPORT) & 0xffff);
        p = u32(a, p, 10, b.getInt(off + EventLayout.TSVAL));
        p = u32(a, p, 11, b.getInt(off + EventLayout.TSECR));
        p = u32(a, p, 12, b.getInt(off + EventLayout.CACHED_TS));
        int stamp = b.getInt(off + EventLayout.CACHED_TS_STAMP);
        // As the decoder: old kernels stamp with wall-clock seconds, compared with the event's wall time.
        long nowSec = (flags & EventLayout.F_WALL_STAMP) != 0
                ? Math.floorDiv(timeUnixNano, 1_000_000_000L)
                : b.getLong(off + EventLayout.KTIME_SEC_AT);
        if (stamp != 0 && nowSec >= stamp) {
            p = u32(a, p, 13, (int) Math.min(Integer.MAX_VALUE, nowSec - stamp));
        }
        p = u64(a, p, 14, netnsIno);
        if ((flags & EventLayout.F_HAS_QUEUES) != 0) {
            p = u32(a, p, 15, b.getInt(off + EventLayout.SYN_QLEN));
            p = u32(a, p, 16, b.getInt(off + EventLayout.SYN_QMAX));
            p = u32(a, p, 17, b.getInt(off + EventLayout.ACCEPT_QLEN));
            p = u32(a, p, 18, b.getInt(off + EventLayout.ACCEPT_QMAX));
        }
        p = u32(a, p, 19, probeValue[b.get(off + EventLayout.PROBE) & 0xff]);
        p = copy(a, p, agentIdField);
        p = copy(a, p, agentBootField);
        p = u64(a, p, 22, listenerIno);
        if (identity != null) {
            // Fields 23-33 only (onlyIdentity), in order: protobuf-java writes them as they go here.
            byte[] id = identity.toByteArray();
            System.arraycopy(id, 0, a, p, id.length);
            p += id.length;
        }
        p = proof(a, p, b, off, flags);
        out.len = p;
        out.end();
    }

    /** Fields 34-49 (event layout 3), as {@link EventDecoder} sets them. */
    private int proof(byte[] a, int p, ByteBuffer b, int off, int flags) {
        int syncookies = b.get(off + EventLayout.SYNCOOKIES) & 0xff;
        if (syncookies != EventDecoder.SYNCOOKIES_UNKNOWN) {
            p = tag(a, p, 34, WT_VARINT);
            p = varint(a, p, syncookies);
        }
        p = u32(a, p, 35, b.getInt(off + EventLayout.MAX_SYN_BACKLOG));
        p = u32(a, p, 36, b.getInt(off + EventLayout.IFINDEX));
        p = u32(a, p, 38, b.get(off + EventLayout.TCP_FLAGS) & 0xff);
        p = u32(a, p, 39, (flags & EventLayout.F_FINAL_ACK) != 0 ? 1 : 0);
        p = u32(a, p, 40, b.getInt(off + EventLayout.SEQ));
        p = u32(a, p, 41, b.getInt(off + EventLayout.ACK_SEQ));
        p = u32(a, p, 42, b.getShort(off + EventLayout.WINDOW) & 0xffff);
        int opts = b.get(off + EventLayout.SYN_OPTS) & 0xff;
        if ((opts & EventLayout.OPT_MSS) != 0) {
            p = u32(a, p, 43, b.getShort(off + EventLayout.MSS) & 0xffff);
        }
        if ((opts & EventLayout.OPT_WSCALE) != 0) {
            p = tag(a, p, 44, WT_VARINT);
            p = varint(a, p, b.get(off + EventLayout.WSCALE) & 0xff);
        }
        p = u32(a, p, 45, (opts & EventLayout.OPT_SACK_PERM) != 0 ? 1 : 0);
        p = u32(a, p, 46, (opts & EventLayout.OPT_TS) != 0 ? 1 : 0);
        if ((flags & EventLayout.F_LISTEN_DROPS) != 0) {
            p = tag(a, p, 47, WT_VARINT);
            p = varint(a, p, b.getLong(off + EventLayout.LISTEN_DROPS_BEFORE));
            p = tag(a, p, 48, WT_VARINT);
            p = varint(a, p, b.getLong(off + EventLayout.LISTEN_DROPS_AFTER));
        }
        int pktLen = Math.min(b.get(off + EventLayout.PKT_LEN) & 0xff, EventLayout.PKT_MAX);
        if (pktLen > 0) {
            p = tag(a, p, 49, WT_LEN);
            p = varint(a, p, pktLen);
            b.get(off + EventLayout.PKT, a, p, pktLen);
            p += pktLen;
        }
        return p;
    }

    /** The decoder's way, for records whose enrichment this encoder cannot splice. */
    private void slow(ByteBuffer b, int off, EncodedEvents out) {
        // seq 0 is not written, so these bytes are the event without field 1.
        byte[] m = decoder.decode(b, off, 0).toByteArray();
        out.add(m, 0, m.length);
    }

    private static boolean onlyIdentity(DropEvent id) {
        return id.getListenerIno() == 0 && id.getNetnsIno() == 0 && id.getUnknownFields().asMap().isEmpty()
                && id.equals(identityPart(id));
    }

    /** The message with only fields 23-33 of {@code e}. */
    private static DropEvent identityPart(DropEvent e) {
        return DropEvent.newBuilder()
                .setProcessPid(e.getProcessPid()).setProcessComm(e.getProcessComm()).setProcessExe(e.getProcessExe())
                .setProcessUnit(e.getProcessUnit()).setContainerId(e.getContainerId()).setContainerName(e.getContainerName())
                .setContainerImage(e.getContainerImage()).setContainerRuntime(e.getContainerRuntime())
                .setPodUid(e.getPodUid()).setPodNamespace(e.getPodNamespace()).setPodName(e.getPodName()).build();
    }

    private byte[] kernelReasonField(int value) {
        if (value >= 0 && value < kernelReasonFields.length) {
            byte[] f = kernelReasonFields[value];
            if (f == null) {
                f = stringField(5, decoder.kernelReasonName(value));
                kernelReasonFields[value] = f;
            }
            return f;
        }
        return stringField(5, decoder.kernelReasonName(value));
    }

    private static int ipv4(byte[] a, int p, int field, ByteBuffer b, int off) {
        p = tag(a, p, field, WT_LEN);
        int lenAt = p++;
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                a[p++] = '.';
            }
            int v = b.get(off + i) & 0xff;
            if (v >= 100) {
                a[p++] = (byte) ('0' + v / 100);
                a[p++] = (byte) ('0' + v / 10 % 10);
            } else if (v >= 10) {
                a[p++] = (byte) ('0' + v / 10);
            }
            a[p++] = (byte) ('0' + v % 10);
        }
        a[lenAt] = (byte) (p - lenAt - 1); // at most 15: one byte of length
        return p;
    }

    private static int ipv6(byte[] a, int p, int field, ByteBuffer b, int off) {
        byte[] s = Addresses.ipv6(b, off).getBytes(StandardCharsets.US_ASCII); // at most 45 bytes
        p = tag(a, p, field, WT_LEN);
        a[p++] = (byte) s.length;
        System.arraycopy(s, 0, a, p, s.length);
        return p + s.length;
    }

    private static int copy(byte[] a, int p, byte[] f) {
        System.arraycopy(f, 0, a, p, f.length);
        return p + f.length;
    }

    /** uint32/enum/bool field, left out when zero (proto3). */
    private static int u32(byte[] a, int p, int field, int v) {
        if (v == 0) {
            return p;
        }
        p = tag(a, p, field, WT_VARINT);
        return varint(a, p, v & 0xffffffffL);
    }

    private static int u64(byte[] a, int p, int field, long v) {
        if (v == 0) {
            return p;
        }
        p = tag(a, p, field, WT_VARINT);
        return varint(a, p, v);
    }

    private static int tag(byte[] a, int p, int field, int wireType) {
        return varint(a, p, ((long) field << 3) | wireType);
    }

    static int varint(byte[] a, int p, long v) {
        while ((v & ~0x7fL) != 0) {
            a[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        a[p++] = (byte) v;
        return p;
    }

    private static byte[] stringField(int field, String s) {
        if (s == null || s.isEmpty()) {
            return new byte[0];
        }
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[10 + 5 + v.length];
        int p = tag(out, 0, field, WT_LEN);
        p = varint(out, p, v.length);
        System.arraycopy(v, 0, out, p, v.length);
        return java.util.Arrays.copyOf(out, p + v.length);
    }

    private static byte[] varintField(int field, long v) {
        byte[] out = new byte[20];
        int p = tag(out, 0, field, WT_VARINT);
        p = varint(out, p, v);
        return java.util.Arrays.copyOf(out, p);
    }
}
