package io.syndrop.event;

import com.google.protobuf.ByteString;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.function.IntFunction;

/**
 * Turns 256-byte kernel records (bpf/syndrop.h) into DropEvent messages. One decoder per drain
 * thread: it reuses its builder, and caches the kernel's drop-reason names.
 */
public final class EventDecoder {
    private final String node;
    private final String agentId;
    private final long agentBoot;
    private final IntFunction<String> kernelReasonNames;
    private final String[] reasonCache = new String[1024];
    private final long monoToWallNanos;
    private final DropEvent.Builder builder = DropEvent.newBuilder();
    private final EventEnricher enricher;
    /** syncookies byte when the BPF side could not read the namespace's setting. */
    static final int SYNCOOKIES_UNKNOWN = 0xff;

    public EventDecoder(String node, String agentId, long agentBoot, IntFunction<String> kernelReasonNames) {
        this(node, agentId, agentBoot, kernelReasonNames, EventEnricher.NONE);
    }

    public EventDecoder(String node, String agentId, long agentBoot, IntFunction<String> kernelReasonNames,
                        EventEnricher enricher) {
        this.enricher = enricher;
        this.node = node;
        this.agentId = agentId;
        this.agentBoot = agentBoot;
        this.kernelReasonNames = kernelReasonNames;
        // bpf_ktime_get_ns() and System.nanoTime() both read CLOCK_MONOTONIC on Linux.
        Instant now = Instant.now();
        long mono = System.nanoTime();
        this.monoToWallNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - mono;
    }

    String node() {
        return node;
    }

    String agentId() {
        return agentId;
    }

    long agentBoot() {
        return agentBoot;
    }

    IntFunction<String> kernelReasonNames() {
        return kernelReasonNames;
    }

    EventEnricher enricher() {
        return enricher;
    }

    long monoToWallNanos() {
        return monoToWallNanos;
    }

    /** True when {@link EventWireEncoder} can write what this decoder decodes (its enricher has wire variants). */
    public boolean encodesWire() {
        return enricher.enrichesWire();
    }

    /** Decodes the record at {@code off} (the buffer must be little-endian, as the kernel wrote it). */
    public DropEvent decode(ByteBuffer b, int off, long seq) {
        if (b.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("event buffers are little-endian");
        }
        DropEvent.Builder e = builder.clear();
        int flags = b.get(off + EventLayout.FLAGS) & 0xff;
        boolean v6 = (flags & EventLayout.F_IPV6) != 0;
        e.setSeq(seq)
                .setTimeUnixNano(b.getLong(off + EventLayout.KTIME_NS) + monoToWallNanos)
                .setNode(node)
                .setReason(reason(b.get(off + EventLayout.REASON) & 0xff))
                .setProbe(probe(b.get(off + EventLayout.PROBE) & 0xff))
                .setSrcAddr(v6 ? Addresses.ipv6(b, off + EventLayout.SADDR) : Addresses.ipv4(b, off + EventLayout.SADDR))
                .setDstAddr(v6 ? Addresses.ipv6(b, off + EventLayout.DADDR) : Addresses.ipv4(b, off + EventLayout.DADDR))
                .setSrcPort(b.getShort(off + EventLayout.SPORT) & 0xffff)
                .setDstPort(b.getShort(off + EventLayout.DPORT) & 0xffff)
                .setTsval(b.getInt(off + EventLayout.TSVAL))
                .setTsecr(b.getInt(off + EventLayout.TSECR))
                .setCachedTs(b.getInt(off + EventLayout.CACHED_TS))
                .setNetnsIno(b.getLong(off + EventLayout.NETNS_INO))
                .setListenerIno(b.getLong(off + EventLayout.LISTENER_INO))
                .setAgentId(agentId)
                .setAgentBoot(agentBoot);
        int stamp = b.getInt(off + EventLayout.CACHED_TS_STAMP);
        // Old kernels stamp with wall-clock seconds, which BPF cannot read: compare with the event's wall time.
        long nowSec = (flags & EventLayout.F_WALL_STAMP) != 0
                ? Math.floorDiv(e.getTimeUnixNano(), 1_000_000_000L)
                : b.getLong(off + EventLayout.KTIME_SEC_AT);
        if (stamp != 0 && nowSec >= stamp) {
            e.setCachedTsAgeSec((int) Math.min(Integer.MAX_VALUE, nowSec - stamp));
        }
        if ((flags & EventLayout.F_HAS_QUEUES) != 0) {
            e.setSynQueueLen(b.getInt(off + EventLayout.SYN_QLEN))
                    .setSynQueueMax(b.getInt(off + EventLayout.SYN_QMAX))
                    .setAcceptQueueLen(b.getInt(off + EventLayout.ACCEPT_QLEN))
                    .setAcceptQueueMax(b.getInt(off + EventLayout.ACCEPT_QMAX));
        }
        decodeProof(b, off, flags, e);
        int kr = b.getInt(off + EventLayout.KERNEL_REASON);
        if (kr != 0) {
            e.setKernelReason(kernelReasonName(kr));
        }
        enricher.enrich(e);
        return e.build();
    }

    /** Fields 34-49: the namespace's settings, the device, the segment's header fields and its bytes. */
    private static void decodeProof(ByteBuffer b, int off, int flags, DropEvent.Builder e) {
        int cookies = b.get(off + EventLayout.SYNCOOKIES) & 0xff;
        if (cookies != SYNCOOKIES_UNKNOWN) {
            e.setSyncookies(cookies);
        }
        int opts = b.get(off + EventLayout.SYN_OPTS) & 0xff;
        e.setMaxSynBacklog(b.getInt(off + EventLayout.MAX_SYN_BACKLOG))
                .setIfindex(b.getInt(off + EventLayout.IFINDEX))
                .setTcpFlags(b.get(off + EventLayout.TCP_FLAGS) & 0xff)
                .setFinalAck((flags & EventLayout.F_FINAL_ACK) != 0)
                .setTcpSeq(b.getInt(off + EventLayout.SEQ))
                .setTcpAck(b.getInt(off + EventLayout.ACK_SEQ))
                .setTcpWindow(b.getShort(off + EventLayout.WINDOW) & 0xffff)
                .setSackPermitted((opts & EventLayout.OPT_SACK_PERM) != 0)
                .setHasTimestamps((flags & EventLayout.F_HAS_TS) != 0);
        if ((opts & EventLayout.OPT_MSS) != 0) {
            e.setMss(b.getShort(off + EventLayout.MSS) & 0xffff);
        }
        if ((opts & EventLayout.OPT_WSCALE) != 0) {
            e.setWscale(b.get(off + EventLayout.WSCALE) & 0xff);
        }
        if ((flags & EventLayout.F_LISTEN_DROPS) != 0) {
            e.setListenDropsBefore(b.getLong(off + EventLayout.LISTEN_DROPS_BEFORE))
                    .setListenDropsAfter(b.getLong(off + EventLayout.LISTEN_DROPS_AFTER));
        }
        int pktLen = Math.min(b.get(off + EventLayout.PKT_LEN) & 0xff, EventLayout.PKT_MAX);
        if (pktLen > 0) {
            e.setPacketHeaders(ByteString.copyFrom(b.slice(off + EventLayout.PKT, pktLen)));
        }
    }

    private String kernelReasonName(int value) {
        if (value < 0 || value >= reasonCache.length) {
            String n = kernelReasonNames.apply(value);
            return n == null ? Integer.toString(value) : n;
        }
        String n = reasonCache[value];
        if (n == null) {
            n = kernelReasonNames.apply(value);
            reasonCache[value] = n == null ? Integer.toString(value) : n;
            n = reasonCache[value];
        }
        return n;
    }

    private static Reason reason(int v) {
        Reason r = Reason.forNumber(v);
        return r == null ? Reason.REASON_UNSPECIFIED : r;
    }

    private static Probe probe(int v) {
        Probe p = Probe.forNumber(v);
        return p == null ? Probe.PROBE_UNSPECIFIED : p;
    }
}
