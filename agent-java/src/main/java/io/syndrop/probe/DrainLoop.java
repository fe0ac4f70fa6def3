package io.syndrop.probe;

import io.syndrop.event.EncodedEvents;
import io.syndrop.event.EventDecoder;
import io.syndrop.event.EventWireEncoder;
import io.syndrop.filter.EventFilter;
import io.syndrop.event.EventLayout;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import java.util.List;
import io.syndrop.proto.v1.LossRecord;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The drain thread: pulls batches of records from the shim into one reused direct buffer, decodes
 * them, applies the Java side of the filter, numbers them, and hands them on. Kernel-side losses
 * (ring buffer full) are polled and reported as loss records, per program slot.
 *
 * <p>Byte path: when the listener is an {@link EncodedDropListener}, the filter needs no identity
 * (no workload filter: the rest is applied to the raw records, {@link RecordFilter}) and the
 * decoder's enricher has wire variants, each drained batch is written as protobuf bytes
 * ({@link EventWireEncoder}) and handed on whole, without a DropEvent per record and without a
 * number from this thread (the pipeline's batcher numbers each event once). Any other listener or
 * filter gets today's objects.
 *
 * <p>An agent on every node is idle almost all the time, so the loop costs nearly nothing then: a
 * drain waits up to {@link #IDLE_WAIT_MS} for the kernel's wake-up, {@link #stop()} ends that wait
 * at once, and the loss counters (a syscall per slot) are read at most every {@link #LOSS_POLL_NANOS}.
 */
public final class DrainLoop implements Runnable {
    private static final int BATCH = 512;
    /** Longest wait of one drain; only a probe that cannot be woken (BCC) takes this long to stop. */
    static final int IDLE_WAIT_MS = 1000;
    /** Loss counters are read at most this often: losses only happen under a flood, and are counted in the kernel until read. */
    static final long LOSS_POLL_NANOS = 1_000_000_000L;
    /** Longest the last drain after stop() runs: far longer than emptying a full ring takes. */
    static final long FINAL_DRAIN_NANOS = 2_000_000_000L;

    private final KernelProbe session;
    private final EventDecoder decoder;
    private final EventFilter filter;
    private final DropListener listener;
    /** Null unless the byte path applies (see the class comment). */
    private final EventWireEncoder encoder;
    /** The filter on the raw records, on the byte path; null when it passes everything. */
    private final RecordFilter recordFilter;
    private final String agentId;
    private final long agentBoot;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(BATCH * EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final long[] lostSeen;
    private final AtomicLong seq;
    private volatile boolean stop;
    /** Records read from the kernel, before Java's filter: what the kernel-side filters let through. */
    private final AtomicLong drained = new AtomicLong();
    /** Summaries read by the {@link SummaryReader}'s thread, numbered and delivered by this one. */
    private final java.util.concurrent.ConcurrentLinkedQueue<List<DropSummary>> summaries =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    public DrainLoop(KernelProbe session, EventDecoder decoder, EventFilter filter, DropListener listener,
                     String agentId, long agentBoot, AtomicLong seq) {
        this.session = session;
        this.decoder = decoder;
        this.filter = filter;
        this.listener = listener;
        this.agentId = agentId;
        this.agentBoot = agentBoot;
        this.seq = seq;
        this.lostSeen = new long[session.lossPlaces().size()];
        RecordFilter onRecords = RecordFilter.of(filter);
        boolean bytes = listener instanceof EncodedDropListener && onRecords != null && decoder.encodesWire();
        this.encoder = bytes ? new EventWireEncoder(decoder) : null;
        this.recordFilter = bytes && !onRecords.passesAll() ? onRecords : null;
    }

    /** True when drained events go to the listener as bytes (tests, and what the agent logs). */
    public boolean encodes() {
        return encoder != null;
    }

    @Override
    public void run() {
        long lossPolled = System.nanoTime();
        while (!stop) {
            drainOnce(IDLE_WAIT_MS);
            deliverSummaries();
            long now = System.nanoTime();
            if (now - lossPolled >= LOSS_POLL_NANOS) {
                reportLosses();
                lossPolled = now;
            }
        }
        // Whatever is still in the ring when we are told to stop is delivered, not dropped. Bounded in
        // time: on a node whose drops keep coming faster than one drain empties the ring, the ring is
        // never empty, and detaching (LiveProbe waits for this thread) must not wait on that.
        long until = System.nanoTime() + FINAL_DRAIN_NANOS;
        while (drainOnce(0) > 0 && System.nanoTime() < until) {
            // keep draining
        }
        reportLosses();
        deliverSummaries();
    }

    /** Drains one batch; returns how many records it read. */
    public int drainOnce(int timeoutMs) {
        buf.clear();
        int n = session.drain(buf, timeoutMs);
        if (n > 0) {
            drained.addAndGet(n);
        }
        if (encoder != null) {
            if (n > 0) {
                EncodedEvents chunk = encoder.newChunk(n);
                for (int i = 0; i < n; i++) {
                    if (recordFilter == null || recordFilter.matches(buf, i * EventLayout.SIZE)) {
                        encoder.encode(buf, i * EventLayout.SIZE, chunk);
                    }
                }
                if (chunk.size() > 0) {
                    ((EncodedDropListener) listener).onEncoded(chunk);
                }
                listener.onBatchEnd();
            }
            return n;
        }
        for (int i = 0; i < n; i++) {
            // This thread alone numbers events: a number is used only by an event that passes.
            long next = seq.get() + 1;
            DropEvent e = decoder.decode(buf, i * EventLayout.SIZE, next);
            if (filter.matches(e)) {
                seq.set(next);
                listener.onEvent(e);
            }
        }
        if (n > 0) {
            listener.onBatchEnd();
        }
        return n;
    }

    /** Takes one map read's summaries from another thread (the summary reader) and wakes the drain to deliver them. */
    public void offerSummaries(List<DropSummary> read) {
        summaries.add(read);
        session.wake();
    }

    private void deliverSummaries() {
        List<DropSummary> read;
        while ((read = summaries.poll()) != null) {
            for (DropSummary s : read) {
                // One sequence with the events: this thread alone numbers.
                if (filter.matches(s)) {
                    listener.onSummary(s.toBuilder().setSeq(seq.incrementAndGet()).build());
                }
            }
            listener.onBatchEnd();
        }
    }

    void reportLosses() {
        long[] now = session.lost();
        for (int i = 0; i < now.length; i++) {
            long delta = now[i] - lostSeen[i];
            if (delta > 0) {
                lostSeen[i] = now[i];
                listener.onLoss(LossRecord.newBuilder()
                        .setStage(LossRecord.Stage.KERNEL_RINGBUF)
                        .setCount(delta)
                        .setTimeUnixNano(System.currentTimeMillis() * 1_000_000L)
                        .setAgentId(agentId)
                        .setAgentBoot(agentBoot)
                        .setDetail(session.lossPlaces().get(i))
                        .build());
            }
        }
    }


    /** Records read from the kernel so far, whether Java's filter passed them or not. */
    public long drained() {
        return drained.get();
    }

    /** Ends the loop: a drain that is waiting returns now; what is in the ring is still delivered. */
    public void stop() {
        stop = true;
        session.wake();
    }
}
