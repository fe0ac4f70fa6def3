package io.syndrop.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which network namespace: the one syndrop runs in ("host"), a named one under /var/run/netns (as
 * `ip netns add` creates), the one of a process ("pid:1234"), or one given by its inode
 * ("4026532281" or "ino:4026532281", as `lsns -t net` and syndrop events show it). The one parser of
 * every --netns: a name made of digits only is read as an inode, so such a name needs no special form.
 */
public record NetnsTarget(Kind kind, String name, long number) {
    public enum Kind { HOST, NAME, PID, INODE }

    public static final Path NETNS_RUN_DIR = Path.of("/var/run/netns");

    public static NetnsTarget host() {
        return new NetnsTarget(Kind.HOST, "", 0);
    }

    /** Parses host, NAME, pid:N, ino:N or N (an inode); throws IllegalArgumentException with the accepted forms. */
    public static NetnsTarget parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty network namespace: give NAME (under /var/run/netns), pid:N, or an inode as N or ino:N");
        }
        if (spec.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return new NetnsTarget(Kind.INODE, "", number(spec, spec));
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
            throw new IllegalArgumentException("'" + spec + "' is not a positive number as a pid or inode needs, e.g. pid:1234 or 4026532281");
        }
    }

    /** The namespace's inode, as events carry it in netns_ino; IllegalArgumentException when it is not there. */
    public long inode() {
        Path p = switch (kind) {
            case INODE -> null;
            case HOST -> Path.of("/proc/self/ns/net");
            case PID -> Path.of("/proc", Long.toString(number), "ns", "net");
            case NAME -> NETNS_RUN_DIR.resolve(name);
        };
        if (p == null) {
            return number;
        }
        try {
            return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new IllegalArgumentException("no " + describe() + ": cannot read " + p + " (" + e.getMessage()
                    + "); `ip netns list` shows the names, `lsns -t net` the inodes");
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
