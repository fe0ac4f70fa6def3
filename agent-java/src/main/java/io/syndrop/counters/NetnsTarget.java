package io.syndrop.counters;

import java.nio.file.Path;

/**
 * Which network namespace to read: the one syndrop runs in ("host"), a named one under
 * /var/run/netns (as `ip netns add` creates), the one of a process ("pid:1234"), or one given by its
 * inode ("ino:4026532281", as `lsns -t net` and syndrop events show it).
 */
public record NetnsTarget(Kind kind, String name, long number) {
    public enum Kind { HOST, NAME, PID, INODE }

    public static final Path NETNS_RUN_DIR = Path.of("/var/run/netns");

    public static NetnsTarget host() {
        return new NetnsTarget(Kind.HOST, "", 0);
    }

    /** Parses NAME, pid:N or ino:N; throws IllegalArgumentException with the accepted forms. */
    public static NetnsTarget parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty network namespace: give NAME (under /var/run/netns), pid:N or ino:N");
        }
        if (spec.equals("host")) {
            return host();
        }
        if (spec.startsWith("pid:")) {
            return new NetnsTarget(Kind.PID, "", number(spec, spec.substring(4)));
        }
        if (spec.startsWith("ino:")) {
            return new NetnsTarget(Kind.INODE, "", number(spec, spec.substring(4)));
        }
        if (spec.contains("/") || spec.startsWith(".")) {
            throw new IllegalArgumentException("network namespace name '" + spec + "' must be a plain name under /var/run/netns");
        }
        return new NetnsTarget(Kind.NAME, spec, 0);
    }

    private static long number(String spec, String digits) {
        try {
            long n = Long.parseLong(digits);
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + spec + "' needs a positive number after the colon, e.g. pid:1234 or ino:4026532281");
        }
    }

    public String describe() {
        return switch (kind) {
            case HOST -> "host";
            case NAME -> "netns " + name;
            case PID -> "netns of pid " + number;
            case INODE -> "netns ino " + number;
        };
    }
}
