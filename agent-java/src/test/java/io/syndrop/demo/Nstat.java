package io.syndrop.demo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The SNMP/netstat counters of one namespace, keyed "Group:Name" as the kernel prints them in
 * /proc/net/netstat and /proc/net/snmp (e.g. "TcpExt:ListenDrops", "Tcp:InCsumErrors"). Read on
 * a thread inside the namespace; {@link #minus} gives the deltas between two reads.
 */
public final class Nstat {
    private final Map<String, Long> counters;

    private Nstat(Map<String, Long> counters) {
        this.counters = Collections.unmodifiableMap(counters);
    }

    public static Nstat read(Netns ns) {
        Map<String, Long> m = new LinkedHashMap<>();
        parseInto(ns.readProc("/proc/net/netstat"), m);
        parseInto(ns.readProc("/proc/net/snmp"), m);
        return new Nstat(m);
    }

    /** Parses the header-line/value-line pairs of /proc/net/netstat and /proc/net/snmp. */
    static Nstat parse(String... files) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String f : files) {
            parseInto(f, m);
        }
        return new Nstat(m);
    }

    private static void parseInto(String text, Map<String, Long> out) {
        String[] lines = text.split("\n");
        for (int i = 0; i + 1 < lines.length; i += 2) {
            String[] names = lines[i].trim().split("\\s+");
            String[] values = lines[i + 1].trim().split("\\s+");
            if (names.length != values.length || !names[0].endsWith(":") || !names[0].equals(values[0])) {
                throw new IllegalArgumentException("unexpected counter lines: '" + lines[i] + "' / '" + lines[i + 1] + "'");
            }
            String group = names[0].substring(0, names[0].length() - 1);
            for (int k = 1; k < names.length; k++) {
                out.put(group + ":" + names[k], Long.parseLong(values[k]));
            }
        }
    }

    /** A counter's value; throws for a name this kernel does not have, to catch typos. */
    public long get(String key) {
        Long v = counters.get(key);
        if (v == null) {
            String group = key.contains(":") ? key.substring(0, key.indexOf(':') + 1) : "";
            throw new IllegalArgumentException("no counter " + key + " on this kernel; " + group + " counters: "
                    + counters.keySet().stream().filter(k -> k.startsWith(group)).collect(Collectors.joining(", ")));
        }
        return v;
    }

    /** A counter's value, or {@code dflt} when this kernel lacks it (e.g. PAWSTimewait before 6.16). */
    public long getOrDefault(String key, long dflt) {
        return counters.getOrDefault(key, dflt);
    }

    public boolean has(String key) {
        return counters.containsKey(key);
    }

    public Map<String, Long> asMap() {
        return counters;
    }

    /** this - earlier, counter by counter (counters missing from {@code earlier} count from 0). */
    public Nstat minus(Nstat earlier) {
        Map<String, Long> d = new LinkedHashMap<>();
        counters.forEach((k, v) -> d.put(k, v - earlier.counters.getOrDefault(k, 0L)));
        return new Nstat(d);
    }

    /** Only the counters that are not 0: handy for printing a delta. */
    public Map<String, Long> nonZero() {
        Map<String, Long> m = new LinkedHashMap<>();
        counters.forEach((k, v) -> {
            if (v != 0) {
                m.put(k, v);
            }
        });
        return m;
    }

    @Override
    public String toString() {
        return nonZero().toString();
    }
}
