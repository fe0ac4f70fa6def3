package io.syndrop.metrics;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** The series of one metric name: one kind and one set of label names, as Prometheus requires. */
final class MetricFamily {
    enum Kind { COUNTER, GAUGE }

    interface SampleSink {
        void call(double value, String... labelValues);
    }

    private final Kind kind;
    private final String[] labelNames;
    private final ConcurrentMap<String, Series> series = new ConcurrentHashMap<>();

    MetricFamily(Kind kind, String[] labelNames) {
        this.kind = kind;
        this.labelNames = labelNames;
    }

    Kind kind() {
        return kind;
    }

    String[] labelNames() {
        return labelNames.clone();
    }

    /** Refuses what the exposition could not represent: one name as counter and gauge, or with two label sets. */
    void check(String name, Kind wanted, String labels) {
        if (wanted != kind) {
            throw new IllegalArgumentException("metric " + name + " is already a " + kind.name().toLowerCase()
                    + "; it cannot also be a " + wanted.name().toLowerCase() + ": give the new one another name");
        }
        String[] names = LabelSet.parse(labels).names();
        if (!Arrays.equals(names, labelNames)) {
            throw new IllegalArgumentException("metric " + name + " has labels " + Arrays.toString(labelNames)
                    + ", not " + Arrays.toString(names) + ": every series of a metric needs the same label names");
        }
    }

    Series series(String labels) {
        return series.computeIfAbsent(labels, l -> new Series(LabelSet.parse(l).values()));
    }

    long value(String labels) {
        Series s = series.get(labels);
        return s == null ? 0 : s.read();
    }

    void forEach(SampleSink sink) {
        for (Series s : series.values()) {
            sink.call(s.read(), s.labelValues.clone());
        }
    }

    /** One labelled series: a counter's adder, or the source a gauge is read from. */
    static final class Series {
        private final String[] labelValues;
        private final LongAdder counter = new LongAdder();
        private volatile LongSupplier gauge;

        Series(String[] labelValues) {
            this.labelValues = labelValues;
        }

        LongAdder counter() {
            return counter;
        }

        void gauge(LongSupplier source) {
            gauge = source;
        }

        long read() {
            LongSupplier g = gauge;
            return g == null ? counter.sum() : g.getAsLong();
        }
    }
}
