package io.syndrop.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counters and gauges of one process (agent or collector) in a Prometheus client registry of their own.
 * A series is named by the metric name and an optional label set written as {@code sink="json"}
 * ({@link #label}); callers keep a {@link LongAdder} so the hot paths stay a single add, and the
 * registry reads the adders only when scraped.
 */
public final class Metrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<String, MetricFamily> families = new ConcurrentHashMap<>();
    private final Map<String, Info> infos = new ConcurrentHashMap<>();

    /** A counter; {@code labels} is empty or like {@code sink="json:/var/log/x"}. */
    public LongAdder counter(String name, String labels, String helpText) {
        MetricFamily f = family(name, MetricFamily.Kind.COUNTER, labels, helpText);
        return f.series(labels).counter();
    }

    public LongAdder counter(String name, String helpText) {
        return counter(name, "", helpText);
    }

    /** A gauge read from {@code value} at each scrape; registering the same series again replaces its source. */
    public void gauge(String name, String labels, String helpText, LongSupplier value) {
        MetricFamily f = family(name, MetricFamily.Kind.GAUGE, labels, helpText);
        f.series(labels).gauge(value);
    }

    /**
     * An info metric: {@code <name>_info{labels} 1}. For identifiers that a float sample would round
     * (an agent's boot value is about 1.8e18, past a double's 2^53 exact range).
     */
    public void info(String name, String helpText, Map<String, String> labels) {
        String[] names = labels.keySet().stream().sorted().toArray(String[]::new);
        // A restarted component on the same Metrics (tests; an agent re-created in one process) replaces its labels.
        Info info = infos.computeIfAbsent(name, n -> Info.builder().name(n).help(helpText).labelNames(names).register(registry));
        info.setLabelValues(Arrays.stream(names).map(labels::get).toArray(String[]::new));
    }

    /** Current value of a counter or gauge, 0 when it does not exist (tests and status lines). */
    public long value(String name, String labels) {
        MetricFamily f = families.get(name);
        return f == null ? 0 : f.value(labels == null ? "" : labels);
    }

    public long value(String name) {
        return value(name, "");
    }

    /** The registry the exporter scrapes ({@link MetricsServer}). */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** The Prometheus text format (0.0.4) of everything registered, as a scrape would return it. */
    public String render() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private MetricFamily family(String name, MetricFamily.Kind kind, String labels, String helpText) {
        String l = labels == null ? "" : labels;
        MetricFamily f = families.computeIfAbsent(name, n -> {
            MetricFamily created = new MetricFamily(kind, LabelSet.parse(l).names());
            register(n, created, helpText);
            return created;
        });
        f.check(name, kind, l);
        return f;
    }

    private void register(String name, MetricFamily f, String helpText) {
        if (f.kind() == MetricFamily.Kind.COUNTER) {
            CounterWithCallback.builder().name(name).help(helpText).labelNames(f.labelNames())
                    .callback(cb -> f.forEach(cb::call)).register(registry);
        } else {
            GaugeWithCallback.builder().name(name).help(helpText).labelNames(f.labelNames())
                    .callback(cb -> f.forEach(cb::call)).register(registry);
        }
    }

    /** Escapes a label value per the text exposition format. */
    public static String label(String name, String value) {
        return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
