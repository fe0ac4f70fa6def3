package io.syndrop.counters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What happened between two samples of the same namespace. Built from one sample only, it reports
 * the absolute values, i.e. everything since boot (or since the namespace was created), and says so.
 */
public final class CounterDelta {
    private final CounterSnapshot before;
    private final CounterSnapshot after;

    private CounterDelta(CounterSnapshot before, CounterSnapshot after) {
        this.before = before;
        this.after = after;
    }

    public static CounterDelta between(CounterSnapshot before, CounterSnapshot after) {
        return new CounterDelta(before, after);
    }

    public static CounterDelta sinceBoot(CounterSnapshot only) {
        return new CounterDelta(null, only);
    }

    public boolean isSinceBoot() {
        return before == null;
    }

    public Optional<CounterSnapshot> before() {
        return Optional.ofNullable(before);
    }

    public CounterSnapshot after() {
        return after;
    }

    /** Sysctls as recorded with the later sample. */
    public Sysctls sysctls() {
        return after.sysctls();
    }

    /** Interval between the samples when both carry a time. */
    public Optional<Duration> interval() {
        if (before == null || before.time().isEmpty() || after.time().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(before.time().get(), after.time().get()));
    }

    /** True when the kernel has this counter (in the later sample). */
    public boolean has(String key) {
        return after.counters().containsKey(key);
    }

    /** Delta of one counter; empty when the kernel does not have it (or it appeared between samples). */
    public OptionalLong delta(String key) {
        OptionalLong a = after.get(key);
        if (a.isEmpty()) {
            return OptionalLong.empty();
        }
        if (before == null) {
            return a;
        }
        OptionalLong b = before.get(key);
        return b.isEmpty() ? OptionalLong.empty() : OptionalLong.of(a.getAsLong() - b.getAsLong());
    }

    /** Delta or 0 when the counter does not exist. */
    public long deltaOrZero(String key) {
        return delta(key).orElse(0);
    }

    public CounterChange change(String key) {
        long d = deltaOrZero(key);
        return new CounterChange(key, d, rate(d));
    }

    private double rate(long d) {
        Optional<Duration> iv = interval();
        if (iv.isEmpty() || iv.get().isZero() || iv.get().isNegative()) {
            return Double.NaN;
        }
        return d / (iv.get().toNanos() / 1e9);
    }

    /** Non-zero changes of the given counters (all counters of the later sample when {@code keys} is null). */
    public List<CounterChange> nonZero(Collection<String> keys) {
        List<CounterChange> out = new ArrayList<>();
        for (String k : keys == null ? after.counters().keySet() : keys) {
            OptionalLong d = delta(k);
            if (d.isPresent() && d.getAsLong() != 0) {
                out.add(new CounterChange(k, d.getAsLong(), rate(d.getAsLong())));
            }
        }
        return out;
    }

    /**
     * Counters that went down: the node rebooted, the namespace was recreated, or the two samples come
     * from different namespaces. Deltas across such a pair mean nothing.
     */
    public List<String> decreased() {
        List<String> out = new ArrayList<>();
        if (before == null) {
            return out;
        }
        for (var e : after.counters().entrySet()) {
            Long b = before.counters().get(e.getKey());
            // Tcp:CurrEstab and friends are gauges, not counters: they go down legitimately.
            if (b != null && e.getValue() < b && !GAUGES.contains(e.getKey())) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    private static final List<String> GAUGES = List.of("Tcp:CurrEstab", "Tcp:MaxConn", "Tcp:RtoAlgorithm",
            "Tcp:RtoMin", "Tcp:RtoMax", "Ip:Forwarding", "Ip:DefaultTTL", "MPTcpExt:MPCurrEstab");
}
