package io.syndrop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CountersCommandTest {
    private static final Pattern LINE = Pattern.compile("[A-Za-z]+:[A-Za-z0-9_]+ = -?\\d+");

    @Test
    void printsEveryCounterAsGroupColonNameEqualsValue() throws Exception {
        CliRun r = CliRun.of("counters");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.size() > 100, r.toString());
        lines.forEach(l -> assertTrue(LINE.matcher(l).matches(), "bad line: " + l));
        // Same names, in the same order, as the kernel's header lines (read here without syndrop's parser).
        List<String> expected = Files.readAllLines(Path.of("/proc/net/netstat")).stream()
                .filter(l -> !l.matches("\\S+:( -?\\d+)+"))
                .flatMap(h -> {
                    String[] f = h.split(" ");
                    return java.util.Arrays.stream(f).skip(1).map(n -> f[0] + n);
                }).toList();
        assertEquals(expected, lines.subList(0, expected.size()).stream().map(l -> l.substring(0, l.indexOf(" = "))).toList());
    }

    @Test
    void filtersBySubstringsIgnoringCase() {
        CliRun r = CliRun.of("counters", "listendrops", "PAWSEstab");
        assertEquals(0, r.code(), r.toString());
        List<String> names = r.out().lines().map(l -> l.substring(0, l.indexOf(" = "))).toList();
        assertEquals(List.of("TcpExt:PAWSEstab", "TcpExt:ListenDrops"), names);
    }

    @Test
    void intervalPrintsDeltaBlocks() {
        CliRun r = CliRun.of("counters", "--interval", "200ms", "--count", "2", "Tcp:");
        assertEquals(0, r.code(), r.toString());
        List<String> headers = r.out().lines().filter(l -> l.startsWith("# ")).toList();
        assertEquals(2, headers.size(), r.toString());
        assertTrue(headers.get(0).contains(" host"), headers.get(0));
        r.out().lines().filter(l -> !l.startsWith("# ")).forEach(l ->
                assertTrue(l.matches("Tcp:\\w+ = -?\\d+  -?[0-9.]+/s"), "bad delta line: " + l));
    }

    @Test
    void snapshotToWritesAFolderDoctorCanRead(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("bundle");
        CliRun r = CliRun.of("counters", "--snapshot-to", dir.toString(), "--interval", "100ms", "--count", "1");
        assertEquals(0, r.code(), r.toString());
        for (String snap : List.of("0000", "0001")) {
            for (String f : List.of("netstat", "snmp", "sysctl", "time")) {
                assertTrue(Files.exists(dir.resolve(snap).resolve(f)), snap + "/" + f);
            }
        }
        CliRun d = CliRun.of("doctor", "--snapshot", dir.toString(), "--json");
        assertEquals(0, d.code(), d.toString());
        assertTrue(d.out().contains("\"sinceBoot\": false"), d.out());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, CliRun.of("counters", "--count", "3").code());
        assertEquals(2, CliRun.of("counters", "--interval", "soon").code());
        assertEquals(2, CliRun.of("counters", "--netns", "pid:x").code());
        CliRun r = CliRun.of("counters", "--netns", "syndrop-no-such-netns");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("ip netns list"), r.toString());
    }
}
