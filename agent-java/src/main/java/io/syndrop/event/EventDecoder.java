package io.syndrop.event;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.function.IntFunction;

/**
 * Turns 128-byte kernel records (bpf/syndrop.h) into DropEvent messages. One decoder per drain
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
        int kr = b.getInt(off + EventLayout.KERNEL_REASON);
        if (kr != 0) {
            e.setKernelReason(kernelReasonName(kr));
        }
        enricher.enrich(e);
        return e.build();
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
