package io.syndrop.counters;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A recorded sample as a folder that an operator can also make by hand on a node where syndrop does
 * not run:
 * <pre>
 *   mkdir snap; cp /proc/net/netstat /proc/net/snmp snap/; sysctl -a > snap/sysctl 2>/dev/null; date +%s > snap/time
 * </pre>
 * {@code netstat} and {@code snmp} are required, {@code sysctl} and {@code time} optional.
 */
public final class SnapshotDir {
    public static final String NETSTAT = "netstat";
    public static final String SNMP = "snmp";
    public static final String SYSCTL = "sysctl";
    public static final String TIME = "time";

    private SnapshotDir() {}

    public static void write(CounterSnapshot s, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(NETSTAT), s.netstat().format(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(SNMP), s.snmp().format(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(SYSCTL), s.sysctls().format(), StandardCharsets.UTF_8);
        if (s.time().isPresent()) {
            Instant t = s.time().get();
            BigDecimal secs = BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).stripTrailingZeros();
            Files.writeString(dir.resolve(TIME), secs.toPlainString() + "\n", StandardCharsets.US_ASCII);
        }
    }

    public static CounterSnapshot read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a folder: a snapshot is a folder with netstat, snmp, sysctl and time files");
        }
        CounterTable netstat = CounterTable.parse(required(dir, NETSTAT, "cp /proc/net/netstat"), dir.resolve(NETSTAT).toString());
        CounterTable snmp = CounterTable.parse(required(dir, SNMP, "cp /proc/net/snmp"), dir.resolve(SNMP).toString());
        Sysctls sysctls = Files.exists(dir.resolve(SYSCTL))
                ? Sysctls.parse(Files.readString(dir.resolve(SYSCTL), StandardCharsets.UTF_8), dir.resolve(SYSCTL).toString())
                : Sysctls.empty();
        Optional<Instant> time = Optional.empty();
        Path tf = dir.resolve(TIME);
        if (Files.exists(tf)) {
            String t = Files.readString(tf, StandardCharsets.US_ASCII).trim();
            try {
                BigDecimal secs = new BigDecimal(t);
                time = Optional.of(Instant.ofEpochSecond(secs.longValue(),
                        secs.remainder(BigDecimal.ONE).movePointRight(9).intValue()));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new MalformedCountersException(tf.toString(), 1, "expected epoch seconds (date +%s), got '" + t + "'");
            }
        }
        return new CounterSnapshot(time, netstat, snmp, sysctls, 0, dir.toString());
    }

    /**
     * The snapshots named on a command line: each path is a snapshot folder, or a folder of snapshot
     * folders (as `counters --snapshot-to DIR --interval` writes), taken in name order.
     */
    public static List<Path> expand(List<Path> paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.exists(p.resolve(NETSTAT)) || !Files.isDirectory(p)) {
                out.add(p);
                continue;
            }
            List<Path> subs = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, Files::isDirectory)) {
                ds.forEach(subs::add);
            }
            subs.removeIf(s -> !Files.exists(s.resolve(NETSTAT)));
            if (subs.isEmpty()) {
                throw new IOException(p + " holds no netstat file and no snapshot folders");
            }
            subs.sort(null);
            out.addAll(subs);
        }
        return out;
    }

    private static String required(Path dir, String name, String how) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.exists(f)) {
            throw new IOException(dir + " has no " + name + " file (collect it with `" + how + " " + dir + "/`)");
        }
        return Files.readString(f, StandardCharsets.US_ASCII);
    }
}
