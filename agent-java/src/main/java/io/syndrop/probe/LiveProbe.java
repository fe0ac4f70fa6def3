package io.syndrop.probe;

import io.syndrop.event.EventDecoder;
import io.syndrop.event.EventEnricher;
import io.syndrop.filter.EventFilter;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An attached probe session with its drain thread. Closing it (also from a shutdown hook on
 * Ctrl-C or SIGTERM) drains what is left in the ring and then detaches every program.
 */
public final class LiveProbe implements AutoCloseable {
    private final KernelProbe session;
    private final DrainLoop loop;
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;
    private final EventEnricher enricher;

    private final SummaryReader summaries;

    private LiveProbe(KernelProbe session, DrainLoop loop, EventEnricher enricher, SummaryReader summaries) {
        this.session = session;
        this.loop = loop;
        this.enricher = enricher;
        this.summaries = summaries;
        Thread t = new Thread(() -> {
            try {
                loop.run();
            } finally {
                done.countDown();
            }
        }, "syndrop-drain");
        this.hook = new Thread(this::stopAndDetach, "syndrop-detach");
        Runtime.getRuntime().addShutdownHook(hook);
        t.start();
    }

    /** Starts draining {@code session}; events get numbers from {@code seq}. */
    public static LiveProbe start(KernelProbe session, EventFilter filter, DropListener listener, String node,
                                  String agentId, long agentBoot, AtomicLong seq) {
        return start(session, filter, listener, node, agentId, agentBoot, seq, EventEnricher.NONE);
    }

    /**
     * As above, with {@code enricher} adding what user space knows (the listener's identity) to each
     * event before the filter sees it, so workload filters apply to named events. An enricher that
     * is AutoCloseable (the identity stage) is closed with the probe, after the last event.
     */
    public static LiveProbe start(KernelProbe session, EventFilter filter, DropListener listener, String node,
                                  String agentId, long agentBoot, AtomicLong seq, EventEnricher enricher) {
        return start(session, filter, listener, node, agentId, agentBoot, seq, enricher, StormSettings.OFF);
    }

    /**
     * As above; with {@code storm} on (and a probe that keeps the storm map) a {@link SummaryReader}
     * reads the kernel's per-key counts every interval and the drain thread delivers them as
     * {@link DropListener#onSummary} records numbered in {@code seq} with the events.
     */
    public static LiveProbe start(KernelProbe session, EventFilter filter, DropListener listener, String node,
                                  String agentId, long agentBoot, AtomicLong seq, EventEnricher enricher,
                                  StormSettings storm) {
        KernelReasonNames names = new KernelReasonNames();
        EventDecoder decoder = new EventDecoder(node, agentId, agentBoot, names, enricher);
        DrainLoop loop = new DrainLoop(session, decoder, filter, listener, agentId, agentBoot, seq);
        SummaryReader reader = storm.on()
                ? new SummaryReader(session, storm, node, agentId, agentBoot, names, loop::offerSummaries) : null;
        LiveProbe p = new LiveProbe(session, loop, enricher, reader);
        if (reader != null) {
            reader.start();
        }
        return p;
    }

    /** Waits until the drain thread ends (after close, or on a drain failure) or the timeout passes. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    public KernelProbe session() {
        return session;
    }

    /** Records read from the kernel so far, before Java's filter (see DrainLoop#drained). */
    public long drained() {
        return loop.drained();
    }


    private void stopAndDetach() {
        if (summaries != null) {
            // Its last read (the counts up to now) is queued before the drain's last round delivers it.
            summaries.close();
        }
        loop.stop();
        try {
            done.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        session.close();
        if (enricher instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // its thread only resolves names; nothing is lost by not stopping it cleanly
            }
        }
    }

    @Override
    public void close() {
        stopAndDetach();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran: it detached already
        }
    }
}
