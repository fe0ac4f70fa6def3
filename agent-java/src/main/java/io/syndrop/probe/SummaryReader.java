package io.syndrop.probe;

import io.syndrop.event.Addresses;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads the kernel's storm map (bpf/syndrop_storm.h) every interval on its own thread, never on the
 * drain thread, and turns each key whose count changed into one {@link DropSummary} of the window
 * since the previous read (only when some of its drops were not sent in detail, unless
 * {@link StormSettings#everyWindow()}). The kernel's values are cumulative and never reset; the window's count and
 * detailed are the differences from the previous read, so no increment is lost however the reads and
 * the drops interleave. The summaries are handed on unnumbered: the drain thread numbers them in the
 * same sequence as events ({@link DrainLoop#offerSummaries}).
 */
public final class SummaryReader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SummaryReader.class.getName());

    private record Key(long netnsIno, long prefixHi, long prefixLo, int kernelReason, int dport, int reason, int flags) {}

    private final KernelProbe probe;
    private final long intervalNanos;
    private final StormSettings settings;
    private final String node;
    private final String agentId;
    private final long boot;
    private final IntFunction<String> kernelReasonNames;
    private final Consumer<List<DropSummary>> out;
    private final Map<Key, long[]> seen = new HashMap<>();
    private final Map<Integer, String> reasonNames = new HashMap<>();
    private final long monoToWallNanos;
    private ByteBuffer buf;
    private final long[] epoch = new long[1];
    private long windowStartMono;
    private final Thread thread;
    private final Object readLock = new Object();
    private volatile boolean stop;
    private boolean overflowWarned;

    public SummaryReader(KernelProbe probe, StormSettings settings, String node, String agentId, long boot,
                         IntFunction<String> kernelReasonNames, Consumer<List<DropSummary>> out) {
        this.probe = probe;
        this.settings = settings;
        this.intervalNanos = settings.interval().toNanos();
        this.node = node;
        this.agentId = agentId;
        this.boot = boot;
        this.kernelReasonNames = kernelReasonNames;
        this.out = out;
        // bpf_ktime_get_ns() and System.nanoTime() both read CLOCK_MONOTONIC on Linux.
        Instant now = Instant.now();
        long mono = System.nanoTime();
        this.monoToWallNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - mono;
        this.windowStartMono = mono;
        this.buf = ByteBuffer.allocateDirect((settings.keys() + 16) * StormEntries.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        this.thread = new Thread(this::run, "syndrop-summaries");
        this.thread.setDaemon(true);
    }

    public SummaryReader start() {
        thread.start();
        return this;
    }

    private void run() {
        long next = System.nanoTime() + intervalNanos;
        while (!stop) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                synchronized (this) {
                    try {
                        if (!stop) {
                            wait(Math.max(1, wait / 1_000_000), (int) (wait % 1_000_000));
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                continue;
            }
            next += intervalNanos;
            try {
                deliver(readOnce());
            } catch (RuntimeException e) {
                // A failed read loses nothing: the values stay cumulative in the kernel for the next one.
                LOG.log(Level.WARNING, "reading the storm map failed (retrying next interval): " + e, e);
            }
        }
    }

    private void deliver(List<DropSummary> s) {
        if (!s.isEmpty()) {
            out.accept(s);
        }
    }

    /** One read of the map: a summary per key whose count or detailed changed since the previous read. */
    public List<DropSummary> readOnce() {
        synchronized (readLock) {
            buf.clear();
            int n = probe.readStorm(buf, epoch);
            if (n < 0) {
                return List.of();
            }
            if (n * StormEntries.SIZE >= buf.capacity()) {
                // More keys than expected (a map resized elsewhere): grow and read again, nothing is lost.
                buf = ByteBuffer.allocateDirect(buf.capacity() * 2).order(ByteOrder.LITTLE_ENDIAN);
                return readOnce();
            }
            long windowEndMono = epoch[0];
            List<DropSummary> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int off = i * StormEntries.SIZE;
                Key k = new Key(buf.getLong(off + StormEntries.NETNS_INO), buf.getLong(off + StormEntries.PREFIX),
                        buf.getLong(off + StormEntries.PREFIX + 8), buf.getInt(off + StormEntries.KERNEL_REASON),
                        buf.getShort(off + StormEntries.DPORT) & 0xffff, buf.get(off + StormEntries.REASON) & 0xff,
                        buf.get(off + StormEntries.FLAGS) & 0xff);
                long count = buf.getLong(off + StormEntries.COUNT);
                long detailed = buf.getLong(off + StormEntries.DETAILED);
                long[] prev = seen.computeIfAbsent(k, x -> new long[2]);
                long dc = count - prev[0];
                long dd = detailed - prev[1];
                if (dc == 0 && dd == 0) {
                    continue;
                }
                prev[0] = count;
                prev[1] = detailed;
                if (dc == dd && !settings.everyWindow()) {
                    continue; // every drop of the window went out as an event: nothing to add
                }
                long first = Math.max(buf.getLong(off + StormEntries.FIRST_NS), windowStartMono);
                long last = Math.max(buf.getLong(off + StormEntries.LAST_NS), first);
                list.add(summary(k, buf, off, dc, dd, first, last, windowEndMono));
            }
            windowStartMono = windowEndMono;
            return list;
        }
    }

    private DropSummary summary(Key k, ByteBuffer b, int off, long count, long detailed, long first, long last,
                                long windowEndMono) {
        boolean overflow = (k.flags & StormEntries.F_OVERFLOW) != 0;
        Reason reason = Reason.forNumber(k.reason);
        DropSummary.Builder s = DropSummary.newBuilder()
                .setTimeUnixNano(windowEndMono + monoToWallNanos)
                .setNode(node)
                .setAgentId(agentId)
                .setAgentBoot(boot)
                .setWindowStartUnixNano(windowStartMono + monoToWallNanos)
                .setWindowEndUnixNano(windowEndMono + monoToWallNanos)
                .setReason(reason == null ? Reason.REASON_UNSPECIFIED : reason)
                .setNetnsIno(k.netnsIno)
                .setDstPort(k.dport)
                .setCount(count)
                .setDetailed(detailed)
                .setFirstSeenUnixNano(first + monoToWallNanos)
                .setLastSeenUnixNano(last + monoToWallNanos)
                .setOverflow(overflow);
        if (overflow) {
            if (!overflowWarned) {
                overflowWarned = true;
                LOG.warning("the kernel's storm map is full (" + settings.keys() + " keys): further keys are counted per "
                        + "reason only (overflow summaries; counts stay exact); raise --summary-keys or widen "
                        + "--summary-prefix4/6 to keep them apart");
            }
            return s.build();
        }
        if (k.kernelReason != 0) {
            String name = reasonNames.computeIfAbsent(k.kernelReason, v -> {
                String r = kernelReasonNames.apply(v);
                return r == null ? Integer.toString(v) : r;
            });
            s.setKernelReason(name);
        }
        boolean v6 = (k.flags & StormEntries.F_IPV6) != 0;
        s.setSrcPrefix(v6 ? Addresses.ipv6(b, off + StormEntries.PREFIX) + "/" + settings.prefix6()
                : Addresses.ipv4(b, off + StormEntries.PREFIX) + "/" + settings.prefix4());
        return s.build();
    }

    /** Stops the thread, then reads once more so that the last window (up to now) is delivered too. */
    @Override
    public void close() {
        stop = true;
        synchronized (this) {
            notifyAll();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            deliver(readOnce());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the last read of the storm map failed: " + e, e);
        }
    }
}
