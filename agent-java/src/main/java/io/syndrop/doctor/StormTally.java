package io.syndrop.doctor;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Storm summaries added up per listener (network namespace and port) over every window given: the
 * exact drop count, how many were sent in detail, the time they span and the drops per source
 * prefix. What the storm rules state as evidence.
 */
final class StormTally {
    /** A listener storms at this many drops per second even when no rate limit engaged (limit off or high). */
    static final long STORM_RATE = 100;
    static final int TOP_SOURCES = 5;

    /** A listener; (0, 0) for the overflow record's drops, whose keys did not fit the kernel's map. */
    record Listener(long netnsIno, int port) {
        String label() {
            if (port == 0 && netnsIno == 0) {
                return "listeners whose keys did not fit the kernel's key map (--summary-keys)";
            }
            return "port " + port + " (netns " + Long.toUnsignedString(netnsIno) + ")";
        }

        boolean owns(DropEvent e) {
            return e.getDstPort() == port && e.getNetnsIno() == netnsIno;
        }
    }

    long count;
    long detailed;
    long notDetailed;
    int windows;
    private long start = Long.MAX_VALUE;
    private long end;
    private final Map<String, Long> bySource = new HashMap<>();

    /** The summaries' listeners, most drops first. */
    static Map<Listener, StormTally> byListener(List<DropSummary> summaries) {
        Map<Listener, StormTally> out = new HashMap<>();
        for (DropSummary s : summaries) {
            StormTally t = out.computeIfAbsent(new Listener(s.getNetnsIno(), s.getDstPort()), k -> new StormTally());
            t.count += s.getCount();
            t.detailed += Math.min(s.getDetailed(), s.getCount());
            t.notDetailed += Math.max(0, s.getCount() - s.getDetailed());
            t.windows++;
            if (s.getWindowStartUnixNano() != 0) {
                t.start = Math.min(t.start, s.getWindowStartUnixNano());
            }
            t.end = Math.max(t.end, s.getWindowEndUnixNano());
            t.bySource.merge(s.getSrcPrefix().isEmpty() ? "(unknown source)" : s.getSrcPrefix(), s.getCount(), Long::sum);
        }
        Map<Listener, StormTally> sorted = new LinkedHashMap<>();
        out.entrySet().stream().sorted(Map.Entry.<Listener, StormTally>comparingByValue(Comparator.comparingLong(t -> -t.count))
                .thenComparing(e -> e.getKey().port())).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Seconds from the first window's start to the last one's end; 0 when the windows are unknown. */
    double seconds() {
        return start == Long.MAX_VALUE || end <= start ? 0 : (end - start) / 1e9;
    }

    /** Drops per second over the windows; 0 when unknown. */
    long rate() {
        double s = seconds();
        return s == 0 ? 0 : Math.round(count / s);
    }

    /** Its rate limit engaged, or it dropped at a storm's rate. */
    boolean storming() {
        return notDetailed > 0 || rate() >= STORM_RATE;
    }

    int sources() {
        return bySource.size();
    }

    /** The source prefixes with the most drops, most first. */
    List<Map.Entry<String, Long>> topSources() {
        List<Map.Entry<String, Long>> l = new ArrayList<>(bySource.entrySet());
        l.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return l.size() <= TOP_SOURCES ? l : l.subList(0, TOP_SOURCES);
    }

    /** The share of the drops that came from the top prefix, 0..1. */
    double topShare() {
        List<Map.Entry<String, Long>> top = topSources();
        return top.isEmpty() || count == 0 ? 0 : (double) top.get(0).getValue() / count;
    }

    /** "120000 SYNs dropped in 10 s (12000/s) over 10 window(s), 100 sent in detail, 119900 counted only in summaries". */
    String describe(String what) {
        double s = seconds();
        return count + " " + what + (s == 0 ? "" : String.format(java.util.Locale.ROOT, " in %.0f s (%d/s)", s, rate())) + " over " + windows
                + " summary window(s), " + detailed + " sent in detail, " + notDetailed + " counted only in summaries";
    }

    /** "198.51.100.0/24 60000 (50%), 203.0.113.0/24 30000 (25%), and 12 more prefix(es) (30000 drops)". */
    String sourcesFact() {
        StringBuilder sb = new StringBuilder("sources (by /24 or /64 prefix): ");
        long shown = 0;
        List<Map.Entry<String, Long>> top = topSources();
        for (int i = 0; i < top.size(); i++) {
            Map.Entry<String, Long> e = top.get(i);
            shown += e.getValue();
            sb.append(i == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue())
                    .append(String.format(" (%d%%)", count == 0 ? 0 : Math.round(100.0 * e.getValue() / count)));
        }
        if (bySource.size() > top.size()) {
            sb.append(", and ").append(bySource.size() - top.size()).append(" more prefix(es) (").append(count - shown).append(" drops)");
        }
        return sb.toString();
    }

    /** Who holds the listener, from the events of the same listener that name it. */
    static Optional<String> workload(Listener l, List<DropEvent> events) {
        for (DropEvent e : events) {
            if (l.owns(e)) {
                Optional<String> w = Evidence.workload(e);
                if (w.isPresent()) {
                    return w;
                }
            }
        }
        return Optional.empty();
    }

    /** The largest queue limit the listener's detailed events recorded (0 when none did). */
    static int max(Listener l, List<DropEvent> events, java.util.function.ToIntFunction<DropEvent> limit) {
        int m = 0;
        for (DropEvent e : events) {
            if (l.owns(e)) {
                m = Math.max(m, limit.applyAsInt(e));
            }
        }
        return m;
    }
}
