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

    public long getLong(String name, long dflt) {
        String v = get(name, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a number, got '" + v + "'");
        }
    }

    /** Sizes as people type them: 256M, 100K, 2G, or plain bytes; NumberFormatException otherwise. */
    public static long parseSize(String v) {
        long mult = 1;
        String n = v;
        char u = v.isEmpty() ? '0' : Character.toUpperCase(v.charAt(v.length() - 1));
        if (u == 'K' || u == 'M' || u == 'G') {
            mult = u == 'K' ? 1L << 10 : u == 'M' ? 1L << 20 : 1L << 30;
            n = v.substring(0, v.length() - 1);
        }
        return Long.parseLong(n) * mult;
    }

    /** Durations as people type them: 30s, 10m, 1h, 250ms, or plain seconds. */
    public Duration getDuration(String name, Duration dflt) {
        String v = get(name, null);
        return v == null ? dflt : parseDuration("--" + name, v);
    }

    public static Duration parseDuration(String what, String v) {
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            char unit = v.charAt(v.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofSeconds(Long.parseLong(v));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            switch (unit) {
                case 's': return Duration.ofSeconds(n);
                case 'm': return Duration.ofMinutes(n);
                case 'h': return Duration.ofHours(n);
                default: break;
            }
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            // fall through to the usage error
        }
        throw new UsageException(what + " expects a duration like 30s, 10m or 250ms, got '" + v + "'");
    }
}
