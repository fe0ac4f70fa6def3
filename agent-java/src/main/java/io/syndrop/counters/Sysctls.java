package io.syndrop.counters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Kernel settings as `sysctl -a` prints them ("net.ipv4.tcp_syncookies = 1"). Only what a snapshot
 * holds is known: a missing name means "not recorded" or "does not exist on this kernel"
 * (tcp_tw_recycle is gone since 4.12), never a default.
 */
public final class Sysctls {
    public static final String TW_RECYCLE = "net.ipv4.tcp_tw_recycle";
    public static final String TIMESTAMPS = "net.ipv4.tcp_timestamps";
    public static final String SYNCOOKIES = "net.ipv4.tcp_syncookies";
    public static final String MAX_SYN_BACKLOG = "net.ipv4.tcp_max_syn_backlog";
    public static final String SOMAXCONN = "net.core.somaxconn";
    public static final String TW_REUSE = "net.ipv4.tcp_tw_reuse";
    public static final String OSRELEASE = "kernel.osrelease";

    /** What syndrop reads from a live kernel: the settings its findings depend on. */
    public static final List<String> RELEVANT = List.of(
            TW_RECYCLE, TIMESTAMPS, SYNCOOKIES, MAX_SYN_BACKLOG, SOMAXCONN, TW_REUSE, OSRELEASE);

    private final Map<String, String> values;

    public Sysctls(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Sysctls empty() {
        return new Sysctls(Map.of());
    }

    /** Parses `sysctl -a` output. Lines without " = " are an error naming the line. */
    public static Sysctls parse(String text, String source) throws MalformedCountersException {
        Map<String, String> m = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new MalformedCountersException(source, i + 1,
                        "expected 'name = value' as `sysctl -a` prints it, got '" + abbreviate(line) + "'");
            }
            String name = line.substring(0, eq).trim();
            if (name.isEmpty() || name.contains(" ")) {
                throw new MalformedCountersException(source, i + 1, "'" + abbreviate(name) + "' is not a sysctl name");
            }
            m.put(name, line.substring(eq + 1).trim());
        }
        return new Sysctls(m);
    }

    /**
     * Reads {@link #RELEVANT} from a /proc/sys tree. The net.* entries belong to the network namespace
     * of the calling thread, so call this from a thread inside the namespace of interest.
     */
    public static Sysctls read(Path procSys) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : RELEVANT) {
            Path p = procSys.resolve(name.replace('.', '/'));
            try {
                m.put(name, readProcValue(p));
            } catch (NoSuchFileException e) {
                // Absent on this kernel (tcp_tw_recycle after 4.12): leave it out.
            }
        }
        return new Sysctls(m);
    }

    /**
     * One read(2) with a large buffer: sysctl handlers answer a read at a non-zero offset with EOF, so a
     * reader that starts with a small buffer (as Files.readString does for size-0 proc files) sees
     * "2" of "2048".
     */
    private static String readProcValue(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8).trim().replace('\t', ' ');
        }
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    public OptionalLong getLong(String name) {
        String v = values.get(name);
        if (v == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public Map<String, String> asMap() {
        return values;
    }

    /** Only the names syndrop cares about, for evidence and wire samples. */
    public Sysctls relevant() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : RELEVANT) {
            if (values.containsKey(name)) {
                m.put(name, values.get(name));
            }
        }
        return new Sysctls(m);
    }

    public String format() {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sysctls s && s.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
