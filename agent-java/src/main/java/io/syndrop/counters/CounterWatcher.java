package io.syndrop.counters;

import io.syndrop.proto.v1.CounterSample;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The counters backend: samples one namespace's counters every {@code interval} and reports what
 * moved. It is what `watch` and `agent` fall back to when no eBPF attach mode works (old kernel, no
 * privileges), and the ground truth that event counts reconcile with when one does.
 *
 * <p>The first sample is the baseline: the listener gets it with an empty change list. Each later
 * sample comes with the non-zero changes of the watched counters since the previous one. A failed
 * sample goes to {@link Listener#onError} and the next tick tries again against the last good one.
 * Callbacks run on one daemon thread, in order.
 */
public final class CounterWatcher implements AutoCloseable {

    public interface Listener {
        /**
         * @param sample  every counter of the namespace now, as sent on the wire
         * @param changes non-zero deltas of the watched counters since the previous sample (empty for the baseline)
         */
        void onSample(CounterSample sample, List<CounterChange> changes);

        default void onError(Exception e) {}
    }

    /** Who sends the samples; copied into each CounterSample. */
    public record Origin(String node, String agentId, long agentBoot) {}

    private final CounterSource source;
    private final Duration interval;
    private final Origin origin;
    private final Collection<String> watched;
    private final Listener listener;
    private final ScheduledExecutorService timer;
    private CounterSnapshot previous;

    public CounterWatcher(CounterSource source, Duration interval, Origin origin, Listener listener) {
        this(source, interval, origin, WatchedCounters.RELEVANT, listener);
    }

    public CounterWatcher(CounterSource source, Duration interval, Origin origin, Collection<String> watched,
                          Listener listener) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("counter sampling interval must be positive, got " + interval);
        }
        this.source = Objects.requireNonNull(source);
        this.interval = interval;
        this.origin = Objects.requireNonNull(origin);
        this.watched = List.copyOf(watched);
        this.listener = Objects.requireNonNull(listener);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "syndrop-counter-watcher");
            t.setDaemon(true);
            return t;
        });
    }

    /** Takes the baseline now and then samples every interval until {@link #close()}. */
    public CounterWatcher start() {
        timer.scheduleAtFixedRate(this::tick, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        return this;
    }

    /** One sampling step; public so that a caller can drive it on its own schedule instead of {@link #start()}. */
    public synchronized void tick() {
        CounterSnapshot now;
        try {
            now = source.sample();
        } catch (Exception e) {
            listener.onError(e);
            return;
        }
        List<CounterChange> changes = previous == null ? List.of()
                : CounterDelta.between(previous, now).nonZero(watched);
        previous = now;
        CounterSample sample = CounterSamples.toProto(now, origin.node(), origin.agentId(), origin.agentBoot());
        try {
            listener.onSample(sample, changes);
        } catch (RuntimeException e) {
            listener.onError(e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
