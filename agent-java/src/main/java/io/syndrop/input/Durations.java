package io.syndrop.input;

import java.time.Duration;

/** Durations as people type them on a command line or in a sink spec, and back. */
public final class Durations {
    private Durations() {}

    /** The longest duration any option takes: ten years is "forever" for a command that runs. */
    public static final Duration MAX = Duration.ofDays(3650);

    /**
     * Durations as people type them: 30s, 10m, 1h, 2d, 250ms, or plain seconds. Never negative: a
     * sign is not part of the form, so "-5s" is a usage error, as is one beyond {@link #MAX}.
     */
    public static Duration parse(String what, String v) {
        String digits = v;
        String unit = "s";
        if (v.endsWith("ms")) {
            digits = v.substring(0, v.length() - 2);
            unit = "ms";
        } else if (!v.isEmpty() && !Character.isDigit(v.charAt(v.length() - 1))) {
            digits = v.substring(0, v.length() - 1);
            unit = v.substring(v.length() - 1);
        }
        if (!digits.isEmpty() && digits.length() <= 12 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            long n = Long.parseLong(digits);
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> null;
            };
            if (d != null) {
                if (d.compareTo(MAX) > 0) {
                    throw new UsageException(what + " must be at most " + format(MAX) + ", got '" + v + "'");
                }
                return d;
            }
        }
        throw new UsageException(what + " expects a duration like 30s, 10m, 1h, 2d or 250ms, got '" + v + "'");
    }

    public static String format(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        return s % 86400 == 0 && s > 0 ? s / 86400 + "d" : s % 3600 == 0 && s > 0 ? s / 3600 + "h"
                : s % 60 == 0 && s > 0 ? s / 60 + "m" : s + "s";
    }
}
