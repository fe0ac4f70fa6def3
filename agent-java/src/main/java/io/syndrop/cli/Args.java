package io.syndrop.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.syndrop.input.Durations;
import io.syndrop.input.Sizes;
import io.syndrop.input.UsageException;

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
            n = Sizes.parse(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a size like 256M (K, M, G, T or bytes) from "
                    + Sizes.format(min) + " to " + Sizes.format(max) + ", got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException("--" + name + " must be from " + Sizes.format(min) + " to " + Sizes.format(max) + ", got " + v);
        }
        return n;
    }

    /** A size that must also be a power of two, or {@code dflt} (which is not checked: 0 may mean "the default"). */
    public long getPowerOfTwoSize(String name, long dflt, long min, long max) {
        long n = getSize(name, dflt, min, max);
        if (get(name, null) != null && Long.bitCount(n) != 1) {
            throw new UsageException("--" + name + " must be a power of two from " + Sizes.format(min) + " to "
                    + Sizes.format(max) + " (e.g. 4M), got " + get(name, null));
        }
        return n;
    }

    /** A duration above zero (30s, 10m, 1h, 250ms, or plain seconds), at most {@link Durations#MAX}. */
    public Duration getDuration(String name, Duration dflt) {
        return getDuration(name, dflt, Duration.ofMillis(1), Durations.MAX);
    }

    /** A duration in [min, max]; negative, out of range or unparsable is a usage error naming the option. */
    public Duration getDuration(String name, Duration dflt, Duration min, Duration max) {
        String v = get(name, null);
        if (v == null) {
            return dflt;
        }
        Duration d = Durations.parse("--" + name, v);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new UsageException("--" + name + " must be from " + Durations.format(min) + " to " + Durations.format(max)
                    + ", got " + v);
        }
        return d;
    }
}
