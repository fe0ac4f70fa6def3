package io.syndrop.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GNU-style options of one command: `--name value`, `--name=value`, repeatable options, flags,
 * and positional arguments. Unknown options are a usage error, never silently ignored.
 */
public final class Args {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Args() {}

    /**
     * @param withValue options that take a value (without the leading dashes)
     * @param flags     options that take none
     */
    public static Args parse(List<String> argv, Set<String> withValue, Set<String> flags) {
        Args a = new Args();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (arg.equals("--")) {
                a.positional.addAll(argv.subList(i + 1, argv.size()));
                break;
            }
            if (!arg.startsWith("--") || arg.length() == 2) {
                a.positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                a.values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.size()) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = argv.get(++i);
                }
                a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
        return a;
    }

    public boolean flag(String name) {
        return values.containsKey(name);
    }

    public String get(String name, String dflt) {
        List<String> v = values.get(name);
        return v == null ? dflt : v.get(v.size() - 1);
    }

    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    public List<String> positional() {
        return positional;
    }

    /** A whole number that may not be negative; see {@link #getCount(String, long, long, long)}. */
    public long getLong(String name, long dflt) {
        return getCount(name, dflt, 0, Long.MAX_VALUE);
    }

    /** A count in [min, max]: anything else, overflow included, is a usage error naming the option and the range. */
    public long getCount(String name, long dflt, long min, long max) {
        String v = get(name, null);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a whole number from " + min + " to " + max + ", got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException("--" + name + " must be from " + min + " to " + max + ", got " + v);
        }
        return n;
    }

    public int getInt(String name, int dflt, int min, int max) {
        return (int) getCount(name, dflt, min, max);
    }

    /** A size (256M, 100K, 2G, 1T or bytes) in [min, max]; beyond it, or overflowing, a usage error. */
    public long getSize(String name, long dflt, long min, long max) {
        String v = get(name, null);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = parseSize(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a size like 256M (K, M, G, T or bytes) from "
                    + formatSize(min) + " to " + formatSize(max) + ", got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException("--" + name + " must be from " + formatSize(min) + " to " + formatSize(max) + ", got " + v);
        }
        return n;
    }

    /** A size that must also be a power of two, or {@code dflt} (which is not checked: 0 may mean "the default"). */
    public long getPowerOfTwoSize(String name, long dflt, long min, long max) {
        long n = getSize(name, dflt, min, max);
        if (get(name, null) != null && Long.bitCount(n) != 1) {
            throw new UsageException("--" + name + " must be a power of two from " + formatSize(min) + " to "
                    + formatSize(max) + " (e.g. 4M), got " + get(name, null));
        }
        return n;
    }

    /**
     * Sizes as people type them: 256M, 100K, 2G, 1T, or plain bytes. NumberFormatException for
     * anything else, for a negative size and for one beyond a long (9999999999G).
     */
    public static long parseSize(String v) {
        long mult = 1;
        String n = v;
        char u = v.isEmpty() ? '0' : Character.toUpperCase(v.charAt(v.length() - 1));
        if (u == 'K' || u == 'M' || u == 'G' || u == 'T') {
            mult = u == 'K' ? 1L << 10 : u == 'M' ? 1L << 20 : u == 'G' ? 1L << 30 : 1L << 40;
            n = v.substring(0, v.length() - 1);
        }
        if (n.isEmpty() || !n.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NumberFormatException("not a size: " + v);
        }
        try {
            return Math.multiplyExact(Long.parseLong(n), mult);
        } catch (ArithmeticException e) {
            throw new NumberFormatException("size too large: " + v);
        }
    }

    /** 4096 as 4K, 268435456 as 256M: the form the user would type. */
    static String formatSize(long n) {
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (n != 0 && n % (1L << shifts[i]) == 0) {
                return (n >> shifts[i]) + units[i];
            }
        }
        return Long.toString(n);
    }

    /** The longest duration any option takes: ten years is "forever" for a command that runs. */
    public static final Duration MAX_DURATION = Duration.ofDays(3650);

    /** A duration above zero (30s, 10m, 1h, 250ms, or plain seconds), at most {@link #MAX_DURATION}. */
    public Duration getDuration(String name, Duration dflt) {
        return getDuration(name, dflt, Duration.ofMillis(1), MAX_DURATION);
    }

    /** A duration in [min, max]; negative, out of range or unparsable is a usage error naming the option. */
    public Duration getDuration(String name, Duration dflt, Duration min, Duration max) {
        String v = get(name, null);
        if (v == null) {
            return dflt;
        }
        Duration d = parseDuration("--" + name, v);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new UsageException("--" + name + " must be from " + formatDuration(min) + " to " + formatDuration(max)
                    + ", got " + v);
        }
        return d;
    }

    static String formatDuration(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        return s % 86400 == 0 && s > 0 ? s / 86400 + "d" : s % 3600 == 0 && s > 0 ? s / 3600 + "h"
                : s % 60 == 0 && s > 0 ? s / 60 + "m" : s + "s";
    }

    /**
     * Durations as people type them: 30s, 10m, 1h, 2d, 250ms, or plain seconds. Never negative: a
     * sign is not part of the form, so "-5s" is a usage error, as is one beyond {@link #MAX_DURATION}.
     */
    public static Duration parseDuration(String what, String v) {
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
                if (d.compareTo(MAX_DURATION) > 0) {
                    throw new UsageException(what + " must be at most " + formatDuration(MAX_DURATION) + ", got '" + v + "'");
                }
                return d;
            }
        }
        throw new UsageException(what + " expects a duration like 30s, 10m, 1h, 2d or 250ms, got '" + v + "'");
    }
}
