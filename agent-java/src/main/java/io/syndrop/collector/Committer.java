package io.syndrop.collector;

import io.syndrop.sink.Sink;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Ack;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.wire.LiveFanout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that decides what reaches the sinks. It takes batches from every connection in
 * groups, drops what the dedupe state says the sinks already hold, writes the rest to every sink,
 * flushes them, commits the dedupe state together with the sinks' checkpoints, and only then
 * acknowledges. A sink failure rolls every sink back to its last committed checkpoint and retries
 * the group after a pause that doubles up to {@link #MAX_PAUSE_MS}; meanwhile no connection gets
 * more credit (gRPC flow control), so agents keep their data in their spools instead of the
 * collector growing memory. Sinks are held together (one group, one checkpoint): a sink that is
 * down or stalled holds the others and every acknowledgement, and network sinks time out instead
 * of blocking, so the committer always comes back to retry. Each sink's state is a {@link SinkHealth}.
 */
final class Committer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Committer.class.getName());
    private static final int GROUP_RECORDS = 20_000;
    static final long MAX_PAUSE_MS = 5000;

    /** A connection's side of an accepted batch: acknowledgement and flow-control credit go back through it. */
    interface Origin {
        void ack(Ack ack);

        void fail(io.grpc.Status status);

        String peer();
    }

    record Pending(ReceivedBatch batch, Origin origin) {}

    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Sink> sinks;
    private final DedupeState state;
    private final LiveFanout live;
    private final Thread thread;
    private final Map<String, String> committed = new HashMap<>();
    private volatile boolean closed;
    /** The group being committed, reused (committer thread only). */
    private final GroupRecords records = new GroupRecords();

    private final LongAdder received;
    private final LongAdder deduplicated;
    private final LongAdder acknowledged;
    private final LongAdder gaps;
    private final LongAdder lost;
    private final Map<String, LongAdder> written = new HashMap<>();
    private final Map<String, SinkHealth> health = new HashMap<>();

    Committer(List<Sink> sinks, DedupeState state, LiveFanout live, Metrics metrics) throws IOException {
        this.sinks = sinks;
        this.state = state;
        this.live = live;
        received = metrics.counter("syndrop_collector_received_total", "Records received from agents (duplicates included).");
        deduplicated = metrics.counter("syndrop_collector_deduplicated_total", "Records dropped because the sinks already held them.");
        acknowledged = metrics.counter("syndrop_collector_acknowledged_total", "Records acknowledged to agents after every sink flushed them.");
        gaps = metrics.counter("syndrop_collector_seq_gap_total", "Sequence numbers an agent skipped (lost before the collector).");
        lost = metrics.counter("syndrop_collector_reported_lost_total", "Events agents reported lost in loss records.");
        for (Sink s : sinks) {
            String l = Metrics.label("sink", s.name());
            written.put(s.name(), metrics.counter("syndrop_collector_written_total", l, "Records written and flushed by a sink."));
            health.put(s.name(), new SinkHealth(s.name(), metrics));
            s.registerMetrics(metrics);
            s.recover(state.checkpoint(s.name()));
            // Where a failed group rolls back to; without stored state that is where the sink is now.
            committed.put(s.name(), s.checkpoint());
        }
        metrics.gauge("syndrop_collector_pending_batches", "", "Batches waiting for the sinks.", queue::size);
        thread = new Thread(this::run, "syndrop-committer");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void submit(Pending p) {
        received.add(p.batch.lastSeq() - p.batch.firstSeq() + 1);
        queue.add(p);
    }

    private void run() {
        List<Pending> group = new ArrayList<>();
        while (!closed) {
            try {
                group.clear();
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                int records = records(first.batch);
                Pending p;
                while (records < GROUP_RECORDS && (p = queue.poll()) != null) {
                    group.add(p);
                    records += records(p.batch);
                }
                process(group);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "committer failed on a group; its connections are closed and their agents resend", e);
                for (Pending p : group) {
                    p.origin.fail(io.grpc.Status.INTERNAL.withDescription("collector error: " + e));
                }
            }
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            p.origin.fail(io.grpc.Status.UNAVAILABLE.withDescription("collector shutting down"));
        }
    }

    private static int records(ReceivedBatch b) {
        return b.records();
    }

    private void process(List<Pending> group) throws InterruptedException {
        Map<String, TreeMap<Long, Long>> before = state.snapshot();
        GroupRecords out = records;
        out.clear();
        long[] ackSeq = new long[group.size()];
        long dups = 0;
        for (int i = 0; i < group.size(); i++) {
            ReceivedBatch b = group.get(i).batch;
            long h = state.hwm(b.agentId(), b.boot());
            if (h == 0 && state.forgotten(b.agentId(), b.boot())) {
                LOG.warning("agent " + b.agentId() + " resent boot " + b.boot() + ", older than every boot remembered; it may duplicate");
            }
            if (b.lastSeq() <= h) {
                dups += records(b);
                ackSeq[i] = h;
                continue;
            }
            if (b.firstSeq() > h + 1) {
                gaps.add(b.firstSeq() - h - 1);
                LOG.warning("agent " + b.agentId() + " boot " + b.boot() + ": sequence " + (h + 1) + ".." + (b.firstSeq() - 1)
                        + " never arrived (lost before the collector)");
            }
            for (int r : Batches.orderOf(b)) {
                if (b.seq(r) <= h) {
                    dups++;
                    continue;
                }
                out.add(b, r);
                if (r >= b.events()) {
                    WatchItem it = out.item(out.size() - 1);
                    if (it.hasLoss()) {
                        lost.add(it.getLoss().getCount());
                    }
                }
            }
            state.setHwm(b.agentId(), b.boot(), b.lastSeq());
            ackSeq[i] = b.lastSeq();
        }
        if (!out.isEmpty()) {
            long pause = 100;
            while (true) {
                Sink failing = null;
                try {
                    for (Sink s : sinks) {
                        failing = s;
                        SinkHealth h = health.get(s.name());
                        boolean wasDown = !h.up();
                        s.prepare();
                        if (wasDown) {
                            h.reopened();
                        }
                    }
                    for (Sink s : sinks) {
                        failing = s;
                        s.write((io.syndrop.sink.SinkRecords) out);
                    }
                    for (Sink s : sinks) {
                        failing = s;
                        s.flush();
                    }
                    failing = null;
                    for (Sink s : sinks) {
                        state.setCheckpoint(s.name(), s.checkpoint());
                    }
                    state.commit();
                    for (Sink s : sinks) {
                        committed.put(s.name(), s.checkpoint());
                        health.get(s.name()).succeeded();
                    }
                    break;
                } catch (IOException | RuntimeException e) {
                    if (failing != null) {
                        health.get(failing.name()).failed(e, pause);
                    } else {
                        LOG.log(Level.WARNING, "dedupe state failed: " + e.getMessage() + "; rolling back and retrying in " + pause + " ms (agents keep spooling)");
                    }
                    for (Sink s : sinks) {
                        try {
                            s.recover(committed.get(s.name()));
                            state.setCheckpoint(s.name(), committed.get(s.name()));
                        } catch (IOException re) {
                            LOG.log(Level.WARNING, s.name() + ": rollback failed: " + re.getMessage(), re);
                        }
                    }
                    if (closed) {
                        state.restore(before);
                        for (Pending p : group) {
                            p.origin.fail(io.grpc.Status.UNAVAILABLE.withDescription("collector shutting down; sinks failing"));
                        }
                        return;
                    }
                    Thread.sleep(pause);
                    pause = Math.min(MAX_PAUSE_MS, pause * 2);
                }
            }
            for (Sink s : sinks) {
                written.get(s.name()).add(out.size());
            }
            if (live.viewers() > 0) {
                out.items().forEach(live::publish);
            }
        }
        deduplicated.add(dups);
        for (int i = 0; i < group.size(); i++) {
            ReceivedBatch b = group.get(i).batch;
            acknowledged.add(records(b));
            group.get(i).origin.ack(Ack.newBuilder().setAgentId(b.agentId()).setAgentBoot(b.boot()).setAckedSeq(ackSeq[i]).build());
        }
        out.clear(); // the batches go with the group
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join(5000);
    }
}
