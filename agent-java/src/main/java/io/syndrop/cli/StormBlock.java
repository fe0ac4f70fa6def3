package io.syndrop.cli;

import io.syndrop.format.JsonLines;
import io.syndrop.format.SummaryText;
import io.syndrop.proto.v1.DropSummary;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * `syndrop watch` on a terminal in a storm: one live line per storming key (its rate limit
 * engaged), drawn as a block at the bottom and rewritten in place each time summaries or events
 * arrive, while the detailed events (rate-limited in the kernel) keep scrolling above it. ANSI
 * only: cursor up over the block, erase to the end of the screen, print the new events, redraw the
 * block with line wrap off (a long line is cut at the terminal's edge instead of wrapping, which
 * would make the block taller than the lines it counts). A key leaves the block when a newer
 * window comes without it, or, since a storm's end brings no more summaries at all, when none came
 * for it for two windows (at least {@link #MIN_AGE_NANOS}) by this process's clock ({@link #tick}).
 */
final class StormBlock {
    static final int MAX_KEYS = 20;
    /** Event lines held before a redraw is forced, when no batch end comes. */
    static final int MAX_PENDING = 256;
    static final String UP_AND_ERASE = "\r\033[%dA\033[J";
    static final String WRAP_OFF = "\033[?7l";
    static final String WRAP_ON = "\033[?7h";
    static final long MIN_AGE_NANOS = 4_000_000_000L;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final PrintStream out;
    private final Map<String, DropSummary> keys = new HashMap<>();
    private final Map<String, Long> arrived = new HashMap<>();
    private final java.util.function.LongSupplier clock;
    private final List<String> pending = new ArrayList<>();
    private long newestStart;
    private long newestEnd;
    private int drawn;
    private boolean dirty;

    StormBlock(PrintStream out) {
        this(out, System::nanoTime);
    }

    /** @param clock monotonic nanoseconds, for aging keys out */
    StormBlock(PrintStream out, java.util.function.LongSupplier clock) {
        this.out = out;
        this.clock = clock;
    }

    /** Ages out keys no summary came for, and redraws if that changed the block (called every second). */
    synchronized void tick() {
        long now = clock.getAsLong();
        long age = Math.max(MIN_AGE_NANOS, 2 * Math.max(0, newestEnd - newestStart));
        if (keys.keySet().removeIf(k -> now - arrived.getOrDefault(k, now) > age)) {
            arrived.keySet().retainAll(keys.keySet());
            dirty = true;
        }
        redraw();
    }

    /** An event line, printed above the block at the next redraw. */
    synchronized void event(String line) {
        pending.add(line);
        if (pending.size() >= MAX_PENDING) {
            redraw();
        }
    }

    synchronized void summary(DropSummary s) {
        long end = end(s);
        if (Long.compareUnsigned(end, newestEnd) > 0) {
            newestEnd = end;
            newestStart = s.getWindowStartUnixNano();
        }
        String k = SummaryText.key(s);
        if (SummaryText.storming(s)) {
            keys.put(k, s);
            arrived.put(k, clock.getAsLong());
        } else {
            keys.remove(k);
            arrived.remove(k);
        }
        dirty = true;
    }

    /** Lines of the block now on screen (for tests). */
    synchronized int drawn() {
        return drawn;
    }

    /** Prints the pending events and the block, when either changed. */
    synchronized void redraw() {
        expire();
        if (!dirty && pending.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        if (drawn > 0) {
            sb.append(String.format(UP_AND_ERASE, drawn));
        }
        for (String line : pending) {
            sb.append(line).append('\n');
        }
        pending.clear();
        List<DropSummary> rows = new ArrayList<>(keys.values());
        rows.sort(Comparator.comparingLong(DropSummary::getCount).reversed().thenComparing(SummaryText::key));
        drawn = 0;
        if (!rows.isEmpty()) {
            sb.append(WRAP_OFF);
            long notShown = rows.stream().mapToLong(JsonLines::notDetailed).sum();
            line(sb, "-- STORM: " + rows.size() + " key(s) over their rate limit, window to "
                    + TIME.format(Instant.ofEpochSecond(0, newestEnd)) + ", " + notShown + " drop(s) counted but not shown --");
            for (int i = 0; i < rows.size() && i < MAX_KEYS; i++) {
                line(sb, "  " + SummaryText.key(rows.get(i)) + "  " + SummaryText.counts(rows.get(i)));
            }
            if (rows.size() > MAX_KEYS) {
                List<DropSummary> rest = rows.subList(MAX_KEYS, rows.size());
                line(sb, "  ... and " + rest.size() + " more key(s): " + rest.stream().mapToLong(DropSummary::getCount).sum()
                        + " drops, " + rest.stream().mapToLong(JsonLines::notDetailed).sum() + " not shown");
            }
            sb.append(WRAP_ON);
        }
        dirty = false;
        out.print(sb);
        out.flush();
    }

    private void line(StringBuilder sb, String text) {
        sb.append(text).append('\n');
        drawn++;
    }

    /** Keys whose last summary is from an older window than the newest one stopped storming. */
    private void expire() {
        long half = newestStart == 0 ? 0 : Math.max(0, newestEnd - newestStart) / 2;
        if (keys.values().removeIf(s -> Long.compareUnsigned(end(s) + half, newestEnd) < 0)) {
            arrived.keySet().retainAll(keys.keySet());
            dirty = true;
        }
    }

    private static long end(DropSummary s) {
        return s.getWindowEndUnixNano() != 0 ? s.getWindowEndUnixNano() : s.getTimeUnixNano();
    }
}
