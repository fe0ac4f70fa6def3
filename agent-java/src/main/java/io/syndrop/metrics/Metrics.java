package io.syndrop.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counters and gauges of one process (agent or collector), rendered in the Prometheus text format.
 * A metric is identified by its name and an optional label set written as `{sink="json"}`.
 */
public final class Metrics {
    private final Map<String, String> help = new ConcurrentHashMap<>();
    private final Map<String, String> types = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();

    /** A counter; {@code labels} is empty or like {@code sink="json:/var/log/x"}. */
    public LongAdder counter(String name, String labels, String helpText) {
        help.putIfAbsent(name, helpText);
        types.putIfAbsent(name, "counter");
        return counters.computeIfAbsent(key(name, labels), k -> new LongAdder());
    }

    public LongAdder counter(String name, String helpText) {
        return counter(name, "", helpText);
    }

    public void gauge(String name, String labels, String helpText, LongSupplier value) {
        help.putIfAbsent(name, helpText);
        types.putIfAbsent(name, "gauge");
        gauges.put(key(name, labels), value);
    }

    /** Current value of a counter or gauge, 0 when it does not exist (tests and status lines). */
    public long value(String name, String labels) {
        String k = key(name, labels);
        LongAdder c = counters.get(k);
        if (c != null) {
            return c.sum();
        }
        LongSupplier g = gauges.get(k);
        return g == null ? 0 : g.getAsLong();
    }

    public long value(String name) {
        return value(name, "");
    }

    private static String key(String name, String labels) {
        return labels == null || labels.isEmpty() ? name : name + "{" + labels + "}";
    }

    public String render() {
        Map<String, Long> all = new TreeMap<>();
        counters.forEach((k, v) -> all.put(k, v.sum()));
        gauges.forEach((k, v) -> all.put(k, v.getAsLong()));
        StringBuilder sb = new StringBuilder();
        String last = null;
        for (Map.Entry<String, Long> e : all.entrySet()) {
            int brace = e.getKey().indexOf('{');
            String name = brace < 0 ? e.getKey() : e.getKey().substring(0, brace);
            if (!name.equals(last)) {
                sb.append("# HELP ").append(name).append(' ').append(help.getOrDefault(name, name)).append('\n');
                sb.append("# TYPE ").append(name).append(' ').append(types.getOrDefault(name, "untyped")).append('\n');
                last = name;
            }
            sb.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    /** Escapes a label value per the text exposition format. */
    public static String label(String name, String value) {
        return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
