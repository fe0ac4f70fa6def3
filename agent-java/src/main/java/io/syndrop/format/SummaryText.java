package io.syndrop.format;

import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Storm summaries as `syndrop watch` shows them: one line per key (reason, source prefix,
 * listener) with the exact count of its window, the rate, and how many of those drops were sent
 * in detail, so what scrolled by as events plus "not shown" is what the kernel dropped.
 */
public final class SummaryText {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private SummaryText() {}

    /** Whether the key's rate limit engaged in this window: some of its drops were counted but not sent as events. */
    public static boolean storming(DropSummary s) {
        return JsonLines.notDetailed(s) > 0;
    }

    /** The window's length in seconds; 0 when the summary does not say. */
    public static double windowSeconds(DropSummary s) {
        long d = s.getWindowEndUnixNano() - s.getWindowStartUnixNano();
        return s.getWindowStartUnixNano() == 0 || d <= 0 ? 0 : d / 1e9;
    }

    /** Drops per second over the window; 0 when the window is unknown. */
    public static long rate(DropSummary s) {
        double w = windowSeconds(s);
        return w == 0 ? 0 : Math.round(s.getCount() / w);
    }

    /** The key: "SYN_QUEUE_FULL 198.51.100.0/24 -> :80 netns 4026531840". */
    public static String key(DropSummary s) {
        String reason = s.getReason() == Reason.KERNEL_REASON && !s.getKernelReason().isEmpty()
                ? s.getKernelReason() : s.getReason().name();
        if (s.getOverflow()) {
            return String.format("%-21s %s", reason, "(keys that did not fit the kernel's key map)");
        }
        return String.format("%-21s %-22s -> %-6s netns %d", reason, s.getSrcPrefix().isEmpty() ? "?" : s.getSrcPrefix(),
                ":" + s.getDstPort(), s.getNetnsIno());
    }

    /** The counts: "120000 drops in 1.0 s (120000/s), 100 detailed, 119900 not shown". */
    public static String counts(DropSummary s) {
        double w = windowSeconds(s);
        return Long.toUnsignedString(s.getCount()) + " drops"
                + (w == 0 ? "" : String.format(java.util.Locale.ROOT, " in %.1f s (%d/s)", w, rate(s)))
                + ", " + Long.toUnsignedString(s.getDetailed()) + " detailed, "
                + Long.toUnsignedString(JsonLines.notDetailed(s)) + " not shown";
    }

    /** The scrolling form (stdout not a terminal): the time column of events, STORM, key, counts. */
    public static String line(DropSummary s) {
        long t = s.getWindowEndUnixNano() != 0 ? s.getWindowEndUnixNano() : s.getTimeUnixNano();
        return String.format("%-12s STORM %s  %s", TIME.format(Instant.ofEpochSecond(0, t)), key(s), counts(s));
    }
}
