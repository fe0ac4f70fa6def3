package io.syndrop.agent;

import io.syndrop.event.EncodedEvents;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import io.syndrop.wire.LiveFanout;
import io.syndrop.os.NodeIdentity;

/**
 * The agent-side entry for events: the kernel drain (or any {@link EventSource}) hands events in
 * with {@link #offer}, which never blocks; one batcher thread numbers them, groups them into
 * {@link Batch}es by size and time and appends those to the {@link Spool}, from which the
 * {@link Publisher} sends them.
 *
 * <p>Sequence numbers: one sequence per (agent id, boot) over every record (events, loss records,
 * counter samples), starting at 1, assigned by the batcher only to records that reach the spool,
 * so there are no gaps. A record dropped because the in-memory queue or the spool was full is
 * counted and reported as a {@link LossRecord} instead.
 */
public final class EventPipeline implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EventPipeline.class.getName());
    /** Keeps every batch far below the collector's default 4 MiB message limit, whatever --batch-max says. */
    static final int BATCH_MAX_BYTES = 1 << 20;

    private final String agentId;
    private final String node;
    private final long boot;
    private final Spool spool;
    private final ArrayBlockingQueue<Item> queue;
    private final int capacity;
    private final int batchMax;
    private final long lingerNanos;
    private final LiveFanout live;
    private final Thread batcher;
    private volatile boolean stopping;
    private volatile Consumer<DropEvent> spooledTap;
    private long nextSeq = 1;
    // Records accepted by offer*() and not yet spooled or counted lost.
    private final java.util.concurrent.atomic.AtomicLong inPipeline = new java.util.concurrent.atomic.AtomicLong();

    // Losses that happened before they could be numbered; the batcher turns them into LossRecords.
    private final LongAdder queueOverflow = new LongAdder();
    private final Object pendingLock = new Object();
    private final Map<LossRecord.Stage, Long> pendingLoss = new EnumMap<>(LossRecord.Stage.class);
    private final Map<LossRecord.Stage, String> pendingDetail = new EnumMap<>(LossRecord.Stage.class);

    private final LongAdder drained;
    private final LongAdder queued;
    private final LongAdder queueLost;
    private final LongAdder kernelLost;
    private final LongAdder spooled;
    private final LongAdder spoolLost;
    private final LongAdder lossRecords;
    private final LongAdder syncErrors;
    private final LongAdder spoolSkippedRecords;
    private final LongAdder spoolSkippedBytes;
    private final LongAdder summariesQueued;

    /**
     * A queued record, or records {@code from..to} of an {@link EncodedEvents} chunk (a drain's
     * events as bytes: one item for the lot, split across batches when it does not fit one).
     */
    private record Item(Object msg, long sourcePosition, int from, int to) {
        Item(Object msg, long sourcePosition) {
            this(msg, sourcePosition, 0, msg instanceof EncodedEvents c ? c.size() : 1);
        }

        int records() {
            return to - from;
        }
    }

    /** Put in the queue by close() so the batcher notices at once; carries nothing. */
    private static final Item WAKE = new Item(null, -1, 0, 0);
    /** Events waiting in the queue inside chunks (each chunk is one queue slot): the queue's bound counts them. */
    private final java.util.concurrent.atomic.AtomicInteger queuedInChunks = new java.util.concurrent.atomic.AtomicInteger();
    /** The rest of a chunk that did not fit the last batch; the batcher's own. */
    private Item carry;

    private final NumberedRecords records = new NumberedRecords();
    private final BatchEncoder encoder;

    public EventPipeline(String agentId, String node, Spool spool, int queueMax, int batchMax, Duration linger,
                         Metrics metrics, LiveFanout live) throws IOException {
        this.agentId = agentId;
        this.node = node;
        this.spool = spool;
        // A fresh boot value on every start, larger than any this agent used before (the spool remembers).
        this.boot = Math.max(NodeIdentity.newBoot(), spool.maxBoot() + 1);
        spool.recordBoot(boot);
        this.encoder = new BatchEncoder(agentId, node, boot);
        this.queue = new ArrayBlockingQueue<>(Math.max(1, queueMax));
        this.capacity = Math.max(1, queueMax);
        this.batchMax = Math.max(1, batchMax);
        this.lingerNanos = Math.max(0, linger.toNanos());
        this.live = live;
        drained = metrics.counter("syndrop_agent_drained_total", "Events handed to the pipeline by the event source (kernel drain).");
        queued = metrics.counter("syndrop_agent_queued_total", "Events accepted into the in-memory queue.");
        queueLost = metrics.counter("syndrop_agent_queue_lost_total", "Events dropped because the in-memory queue was full.");
        kernelLost = metrics.counter("syndrop_agent_kernel_lost_total", "Events the kernel reported lost (ring buffer full).");
        spooled = metrics.counter("syndrop_agent_spooled_total", "Records (events, losses, counters) written to the spool.");
        spoolLost = metrics.counter("syndrop_agent_spool_lost_total", "Records dropped because the spool was full.");
        lossRecords = metrics.counter("syndrop_agent_loss_records_total", "Loss records emitted.");
        syncErrors = metrics.counter("syndrop_agent_spool_sync_errors_total", "Spool appends written but not synced (fsync failed).");
        spoolSkippedRecords = metrics.counter("syndrop_agent_spool_skipped_records_total",
                "Records lost to unreadable (corrupt) spool records, where the sequence numbers tell how many.");
        spoolSkippedBytes = metrics.counter("syndrop_agent_spool_skipped_bytes_total", "Unreadable spool bytes skipped (corrupt records, torn tails).");
        summariesQueued = metrics.counter("syndrop_agent_summaries_total", "Storm summaries (per-key drop counts of a window) accepted into the queue.");
        metrics.gauge("syndrop_agent_queue_depth", "", "Records waiting in the in-memory queue.",
                () -> queue.size() + queuedInChunks.get());
        metrics.gauge("syndrop_agent_spool_bytes", "", "Bytes held in the spool.", spool::bytes);
        // A label, not a sample: as a float the boot value (about 1.8e18) would lose its low digits.
        metrics.info("syndrop_agent_boot", "This agent's id and boot value (new on every start), as labels.",
                Map.of("agent_id", agentId, "boot", Long.toString(boot)));
        batcher = new Thread(this::runBatcher, "syndrop-batcher");
        batcher.setDaemon(true);
    }

    public EventPipeline start() {
        batcher.start();
        return this;
    }

    public String agentId() {
        return agentId;
    }

    public long boot() {
        return boot;
    }

    /** Where a replayable source should resume: the position after the last one that reached the spool. */
    public long resumePosition() {
        return spool.lastSourcePosition() + 1;
    }

    /** Takes an event; never blocks. False when the queue was full (the loss is counted and reported). */
    public boolean offer(DropEvent e) {
        return offer(e, -1);
    }

    /** As {@link #offer(DropEvent)}, with the event's position in a replayable source (see {@link #resumePosition()}). */
    public boolean offer(DropEvent e, long sourcePosition) {
        drained.increment();
        inPipeline.incrementAndGet();
        if (queue.offer(new Item(e, sourcePosition))) {
            queued.increment();
            return true;
        }
        inPipeline.decrementAndGet();
        queueLost.increment();
        queueOverflow.increment();
        return false;
    }

    /**
     * Takes a drain's events as bytes (the byte path: DrainLoop with an {@link io.syndrop.probe.EncodedDropListener});
     * never blocks. The chunk is this pipeline's from here. All or none: when the queue cannot hold
     * every event of it, they are all counted and reported as queue losses, like refused events.
     */
    public boolean offerEncoded(EncodedEvents chunk) {
        int n = chunk.size();
        if (n == 0) {
            return true;
        }
        drained.add(n);
        inPipeline.addAndGet(n);
        // One slot for the chunk, bounded by the events in it: the queue holds at most queue-max records either way.
        if (queue.size() + queuedInChunks.get() + n <= capacity) {
            queuedInChunks.addAndGet(n);
            if (queue.offer(new Item(chunk, -1))) {
                queued.add(n);
                return true;
            }
            queuedInChunks.addAndGet(-n);
        }
        inPipeline.addAndGet(-n);
        queueLost.add(n);
        queueOverflow.add(n);
        return false;
    }

    /** True when everything offered so far has reached the spool or was counted lost. */
    public boolean idle() {
        return inPipeline.get() == 0;
    }

    public boolean offer(DropEvent.Builder e) {
        return offer(e.build(), -1);
    }

    /** Reports events lost before the pipeline (e.g. the kernel ring buffer); never blocks, never lost itself (merged). */
    public void offerLoss(LossRecord r) {
        if (r.getStage() == LossRecord.Stage.KERNEL_RINGBUF) {
            kernelLost.add(r.getCount());
        }
        inPipeline.incrementAndGet();
        if (!queue.offer(new Item(r, -1))) {
            inPipeline.decrementAndGet();
            addPending(r.getStage(), r.getCount(), r.getDetail());
        }
    }

    /** A procfs counter sample; dropped (and counted as a queue loss) when the queue is full. */
    public boolean offerCounters(CounterSample s) {
        inPipeline.incrementAndGet();
        if (queue.offer(new Item(s, -1))) {
            return true;
        }
        inPipeline.decrementAndGet();
        queueLost.increment();
        queueOverflow.increment();
        return false;
    }

    /**
     * A storm summary (probe/SummaryReader): numbered in this agent's sequence like events, spooled
     * in {@code Batch.summaries}. Never blocks; when the queue is full it is counted as a queue loss,
     * like an event (the loss record then covers its drops: the summary's count - detailed is lost).
     */
    public boolean offerSummary(DropSummary s) {
        inPipeline.incrementAndGet();
        if (queue.offer(new Item(s, -1))) {
            summariesQueued.increment();
            return true;
        }
        inPipeline.decrementAndGet();
        queueLost.increment();
        queueOverflow.increment();
        return false;
    }

    private void addPending(LossRecord.Stage stage, long count, String detail) {
        synchronized (pendingLock) {
            pendingLoss.merge(stage, count, Long::sum);
            if (detail != null && !detail.isEmpty()) {
                pendingDetail.put(stage, detail);
            }
        }
    }

    private void runBatcher() {
        List<Item> items = new ArrayList<>(batchMax);
        while (true) {
            try {
                items.clear();
                Item first = carry;
                carry = null;
                if (first == null) {
                    // Idle, this wakes once a second (to report queue losses); close() wakes it at once.
                    first = taken(stopping ? queue.poll() : queue.poll(1, TimeUnit.SECONDS));
                }
                if (first == WAKE) {
                    first = null;
                }
                if (first != null) {
                    first = fit(first, 0);
                    items.add(first);
                    int count = first.records();
                    long bytes = size(first);
                    long deadline = System.nanoTime() + lingerNanos;
                    while (carry == null && count < batchMax && bytes < BATCH_MAX_BYTES) {
                        long left = deadline - System.nanoTime();
                        Item it = taken(left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll());
                        if (it == null || it == WAKE) {
                            break;
                        }
                        it = fit(it, count);
                        items.add(it);
                        count += it.records();
                        bytes += size(it);
                    }
                }
                reportSkipped();
                long overflow = queueOverflow.sumThenReset();
                if (overflow > 0) {
                    addPending(LossRecord.Stage.AGENT_QUEUE, overflow, "in-memory queue full");
                }
                List<LossRecord> losses = takePending();
                if (!items.isEmpty() || !losses.isEmpty()) {
                    try {
                        spoolBatch(items, losses);
                    } finally {
                        inPipeline.addAndGet(-records(items));
                    }
                } else if (stopping && queue.isEmpty()) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A bug must not kill the drain; what was in hand is lost and counted.
                int lostRecords = records(items);
                LOG.log(Level.SEVERE, "batcher failed; " + lostRecords + " records lost: " + e, e);
                spoolLost.add(lostRecords);
                addPending(LossRecord.Stage.AGENT_SPOOL, lostRecords, "batcher failed: " + e);
                sleepQuietly(500);
            }
        }
    }

    private static long size(Item it) {
        if (it.msg instanceof EncodedEvents c) {
            int last = it.to - 1;
            return c.start(last) + c.length(last) - c.start(it.from) + 16L * it.records();
        }
        return ((com.google.protobuf.MessageLite) it.msg).getSerializedSize() + 16;
    }

    /** An item just taken from the queue: its chunk's events no longer count as queued. */
    private Item taken(Item it) {
        if (it != null && it.msg instanceof EncodedEvents c) {
            queuedInChunks.addAndGet(-c.size());
        }
        return it;
    }

    /** The part of {@code it} that fits a batch already holding {@code count} records; the rest is {@link #carry}. */
    private Item fit(Item it, int count) {
        int room = Math.max(1, batchMax - count);
        if (it.records() <= room) {
            return it;
        }
        carry = new Item(it.msg, it.sourcePosition, it.from + room, it.to);
        return new Item(it.msg, it.sourcePosition, it.from, it.from + room);
    }

    private static int records(List<Item> items) {
        int n = 0;
        for (Item it : items) {
            n += it.records();
        }
        return n;
    }

    private List<LossRecord> takePending() {
        synchronized (pendingLock) {
            if (pendingLoss.isEmpty()) {
                return List.of();
            }
            List<LossRecord> out = new ArrayList<>();
            long now = now();
            pendingLoss.forEach((stage, count) -> out.add(LossRecord.newBuilder().setStage(stage).setCount(count)
                    .setTimeUnixNano(now).setDetail(pendingDetail.getOrDefault(stage, "")).build()));
            pendingLoss.clear();
            pendingDetail.clear();
            return out;
        }
    }

    private void spoolBatch(List<Item> items, List<LossRecord> losses) {
        long firstSeq = nextSeq;
        long seq = firstSeq;
        long pos = -1;
        records.clear();
        int eventCount = 0;
        int lossCount = 0;
        for (Item it : items) {
            pos = Math.max(pos, it.sourcePosition);
            if (it.msg instanceof EncodedEvents c) {
                // Numbered here and only here: the drain wrote no seq into these bytes.
                for (int k = it.from; k < it.to; k++) {
                    records.addEncoded(c, k, seq++);
                }
                eventCount += it.records();
            } else if (it.msg instanceof DropEvent e) {
                records.add(e, seq++);
                eventCount++;
            } else if (it.msg instanceof LossRecord l) {
                records.add(stamp(l.toBuilder(), seq), seq++);
                lossCount++;
            } else if (it.msg instanceof CounterSample c) {
                CounterSample.Builder cb = c.toBuilder().setSeq(seq).setAgentId(agentId).setAgentBoot(boot);
                if (cb.getNode().isEmpty()) {
                    cb.setNode(node);
                }
                records.add(cb.build(), seq++);
            } else if (it.msg instanceof DropSummary d) {
                DropSummary.Builder db = d.toBuilder().setSeq(seq).setAgentId(agentId).setAgentBoot(boot);
                if (db.getNode().isEmpty()) {
                    db.setNode(node);
                }
                records.add(db.build(), seq++);
            }
        }
        for (LossRecord l : losses) {
            records.add(stamp(l.toBuilder(), seq), seq++);
            lossCount++;
        }
        boolean appended;
        try {
            appended = spool.append(encoder.encode(records, firstSeq, seq - 1), pos);
        } catch (Spool.NotSyncedException e) {
            // Written, so it will be sent and its numbers are taken; only a power loss could still lose it.
            LOG.severe(e.getMessage());
            syncErrors.increment();
            appended = true;
        } catch (IOException e) {
            // Typically a full disk: the message names it, a stack trace every half second would not help.
            int dropped = dropBatch(items, losses, "spool write failed: " + e.getMessage());
            LOG.severe("spool write failed; " + dropped + " records lost (reported as a loss record once the spool takes writes again): "
                    + e + "; free space in the spool directory or lower --spool-max-bytes below what the disk holds");
            sleepQuietly(500);
            return;
        }
        if (appended) {
            nextSeq = seq;
            spooled.add(seq - firstSeq);
            lossRecords.add(lossCount);
            if (live != null && live.viewers() > 0) {
                publishLive();
            }
            Consumer<DropEvent> t = spooledTap;
            if (t != null) {
                handSpooled(t);
            }
            return;
        }
        int dropped = dropBatch(items, losses, "spool full (" + spool.bytes() + " bytes)");
        if (eventCount > 0 || dropped > 0) {
            LOG.warning("spool full: dropped " + dropped + " records; they are reported as a loss record");
        }
        // Do not spin while the spool stays full.
        sleepQuietly(50);
    }

    /**
     * A batch that did not reach the spool: its numbers go back unused (no gap); its records become
     * one AGENT_SPOOL loss, and loss records that were in it stay pending so they are reported once
     * the spool takes writes again. Returns how many records were dropped.
     */
    private int dropBatch(List<Item> items, List<LossRecord> losses, String why) {
        int dropped = records(items);
        for (Item it : items) {
            if (it.msg instanceof LossRecord l) {
                addPending(l.getStage(), l.getCount(), l.getDetail());
                dropped--;
            }
        }
        for (LossRecord l : losses) {
            addPending(l.getStage(), l.getCount(), l.getDetail());
        }
        if (dropped > 0) {
            spoolLost.add(dropped);
            addPending(LossRecord.Stage.AGENT_SPOOL, dropped, why);
        }
        return dropped;
    }

    /** Turns what the spool skipped as unreadable into metrics and, where the count is known, a loss record. */
    private void reportSkipped() {
        for (Spool.Skipped sk : spool.takeSkipped()) {
            spoolSkippedBytes.add(sk.bytes());
            if (sk.records() > 0) {
                spoolSkippedRecords.add(sk.records());
                addPending(LossRecord.Stage.AGENT_SPOOL, sk.records(), sk.detail());
            }
        }
    }

    /**
     * Also hands every event that reached the spool, with its sequence number, agent id and node,
     * to {@code tap} (on the batcher thread: the tap must not block; {@code agent --pcap} queues it).
     */
    public void tapSpooled(Consumer<DropEvent> tap) {
        this.spooledTap = tap;
    }

    private void handSpooled(Consumer<DropEvent> t) {
        for (int i = 0; i < records.size(); i++) {
            if (records.eventAt(i) instanceof DropEvent e) {
                DropEvent.Builder eb = e.toBuilder().setSeq(records.seqOf(i)).setAgentId(agentId).setAgentBoot(boot);
                if (eb.getNode().isEmpty()) {
                    eb.setNode(node);
                }
                t.accept(eb.build());
            }
        }
    }

    private void publishLive() {
        for (int i = 0; i < records.size(); i++) {
            com.google.protobuf.MessageLite m = records.eventAt(i);
            if (m instanceof DropEvent e) {
                DropEvent.Builder eb = e.toBuilder().setSeq(records.seqOf(i)).setAgentId(agentId).setAgentBoot(boot);
                if (eb.getNode().isEmpty()) {
                    eb.setNode(node);
                }
                live.publish(WatchItem.newBuilder().setEvent(eb).build());
            } else if (m instanceof LossRecord l) {
                live.publish(WatchItem.newBuilder().setLoss(l).build());
            } else if (m instanceof CounterSample c) {
                live.publish(WatchItem.newBuilder().setCounters(c).build());
            } else if (m instanceof DropSummary d) {
                live.publish(WatchItem.newBuilder().setSummary(d).build());
            }
        }
    }

    /** One batch's records and their numbers, reused from batch to batch. */
    private static final class NumberedRecords implements BatchEncoder.Records {
        private com.google.protobuf.MessageLite[] msgs = new com.google.protobuf.MessageLite[256];
        private EncodedEvents[] chunks = new EncodedEvents[256];
        private int[] chunkIndex = new int[256];
        private long[] seqs = new long[256];
        private int n;

        void clear() {
            java.util.Arrays.fill(msgs, 0, n, null);
            java.util.Arrays.fill(chunks, 0, n, null);
            n = 0;
        }

        void add(com.google.protobuf.MessageLite m, long seq) {
            grow();
            msgs[n] = m;
            seqs[n++] = seq;
        }

        void addEncoded(EncodedEvents c, int k, long seq) {
            grow();
            chunks[n] = c;
            chunkIndex[n] = k;
            seqs[n++] = seq;
        }

        private void grow() {
            if (n == msgs.length) {
                msgs = java.util.Arrays.copyOf(msgs, n * 2);
                chunks = java.util.Arrays.copyOf(chunks, n * 2);
                chunkIndex = java.util.Arrays.copyOf(chunkIndex, n * 2);
                seqs = java.util.Arrays.copyOf(seqs, n * 2);
            }
        }

        /** Record i as a message; an encoded event is parsed (only for live viewers and the spooled tap). */
        com.google.protobuf.MessageLite eventAt(int i) {
            if (chunks[i] == null) {
                return msgs[i];
            }
            EncodedEvents c = chunks[i];
            try {
                return DropEvent.parseFrom(com.google.protobuf.UnsafeByteOperations.unsafeWrap(c.array(), c.start(chunkIndex[i]),
                        c.length(chunkIndex[i])));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException("an encoded event did not parse: " + e.getMessage(), e);
            }
        }

        @Override
        public EncodedEvents encoded(int i) {
            return chunks[i];
        }

        @Override
        public int encodedIndex(int i) {
            return chunkIndex[i];
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public com.google.protobuf.MessageLite get(int i) {
            return msgs[i];
        }

        @Override
        public long seqOf(int i) {
            return seqs[i];
        }
    }

    private LossRecord stamp(LossRecord.Builder l, long seq) {
        if (l.getTimeUnixNano() == 0) {
            l.setTimeUnixNano(now());
        }
        if (l.getNode().isEmpty()) {
            l.setNode(node);
        }
        return l.setSeq(seq).setAgentId(agentId).setAgentBoot(boot).build();
    }

    static long now() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Spools what is still queued, then stops the batcher. */
    @Override
    public void close() throws InterruptedException {
        stopping = true;
        queue.offer(WAKE); // when the queue is full the batcher is not waiting anyway
        batcher.join(10_000);
        if (batcher.isAlive()) {
            batcher.interrupt();
        }
    }
}
