package io.syndrop.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CounterTableTest {

    @Test
    void everyFixtureRoundTripsByteForByte() throws Exception {
        List<Path> files = Fixtures.allCounterFiles();
        assertTrue(files.size() >= 10 + 2 * 3 * 10, "expected the kernel samples and all story snapshots, got " + files.size());
        for (Path f : files) {
            String text = Files.readString(f, StandardCharsets.US_ASCII);
            CounterTable t = CounterTable.parse(text, f.toString());
            assertEquals(text, t.format(), "format() differs from " + f);
            assertEquals(t, CounterTable.parse(t.format(), "again"), f.toString());
            assertFalse(t.flatten().isEmpty(), f.toString());
        }
    }

    @Test
    void kernelColumnSetsHaveTheCountersOfTheirVersion() throws Exception {
        for (String k : Fixtures.KERNELS) {
            Map<String, Long> c = CounterTable.parse(Files.readString(Fixtures.kernel(k).resolve("netstat")), k).flatten();
            boolean pre412 = k.equals("3.16") || k.equals("4.9");
            assertEquals(pre412, c.containsKey("TcpExt:PAWSPassive"), k + " PAWSPassive");
            assertEquals(k.equals("6.18"), c.containsKey("TcpExt:PAWSTimewait"), k + " PAWSTimewait");
            for (String always : List.of("TcpExt:ListenDrops", "TcpExt:ListenOverflows", "TcpExt:PAWSEstab",
                    "TcpExt:TCPReqQFullDrop", "TcpExt:TCPReqQFullDoCookies", "IpExt:InOctets")) {
                assertTrue(c.containsKey(always), k + " lacks " + always);
            }
            Map<String, Long> s = CounterTable.parse(Files.readString(Fixtures.kernel(k).resolve("snmp")), k).flatten();
            assertEquals(-1L, s.get("Tcp:MaxConn"), k + ": MaxConn is the one signed value");
            assertEquals(!k.equals("3.16"), s.containsKey("Udp:IgnoredMulti"), k + " IgnoredMulti");
        }
    }

    @Test
    void unknownGroupsAndColumnsSurvive() throws Exception {
        String text = "TcpExt: ListenDrops SomeCounterOf2030\n"
                + "TcpExt: 7 42\n"
                + "FutureExt: Alpha Beta\n"
                + "FutureExt: 1 18446744073709551615\n";
        CounterTable t = CounterTable.parse(text, "future");
        assertEquals(text, t.format());
        Map<String, Long> c = t.flatten();
        assertEquals(42L, c.get("TcpExt:SomeCounterOf2030"));
        assertEquals(1L, c.get("FutureExt:Alpha"));
        assertEquals("18446744073709551615", Long.toUnsignedString(c.get("FutureExt:Beta")));
        assertEquals(List.of("TcpExt", "FutureExt"), t.groups().stream().map(CounterGroup::name).toList());
    }

    @Test
    void fileWithoutTrailingNewlineAndWithRepeatedSpacesParses() throws Exception {
        CounterTable t = CounterTable.parse("IcmpMsg:  InType3  OutType0\nIcmpMsg:  1  2", "old-icmpmsg");
        assertEquals(Map.of("IcmpMsg:InType3", 1L, "IcmpMsg:OutType0", 2L), t.flatten());
    }

    @Test
    void truncatedValueLineNamesFileAndLine() {
        MalformedCountersException e = assertThrows(MalformedCountersException.class, () -> CounterTable.parse(
                "TcpExt: A B C\nTcpExt: 1 2 3\nIpExt: X Y Z\nIpExt: 1 2\n", "/proc/net/netstat"));
        assertEquals(4, e.line());
        assertTrue(e.getMessage().startsWith("/proc/net/netstat line 4: "), e.getMessage());
        assertTrue(e.getMessage().contains("3 names") && e.getMessage().contains("2 values"), e.getMessage());
    }

    @Test
    void moreValuesThanNamesIsAnError() {
        MalformedCountersException e = assertThrows(MalformedCountersException.class,
                () -> CounterTable.parse("Tcp: A\nTcp: 1 2\n", "snmp"));
        assertEquals(2, e.line());
    }

    @Test
    void nonNumericValueNamesTheCounter() {
        MalformedCountersException e = assertThrows(MalformedCountersException.class,
                () -> CounterTable.parse("TcpExt: ListenDrops PAWSPassive\nTcpExt: 3 x7\n", "snap/netstat"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("TcpExt:PAWSPassive") && e.getMessage().contains("'x7'"), e.getMessage());
        assertThrows(MalformedCountersException.class,
                () -> CounterTable.parse("TcpExt: A\nTcpExt: 99999999999999999999999\n", "overflow"));
        assertThrows(MalformedCountersException.class, () -> CounterTable.parse("TcpExt: A\nTcpExt: 1.5\n", "decimal"));
    }

    @Test
    void headerWithoutValueLineIsTruncation() {
        MalformedCountersException e = assertThrows(MalformedCountersException.class,
                () -> CounterTable.parse("TcpExt: A\nTcpExt: 1\nIpExt: X Y\n", "cut"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void valueLineOfAnotherGroupIsAnError() {
        MalformedCountersException e = assertThrows(MalformedCountersException.class,
                () -> CounterTable.parse("TcpExt: A\nIpExt: 1\n", "shuffled"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("'TcpExt'"), e.getMessage());
    }

    @Test
    void emptyFileAndGarbageAreErrorsNotCrashes() {
        assertEquals(0, assertThrows(MalformedCountersException.class, () -> CounterTable.parse("", "empty")).line());
        MalformedCountersException e = assertThrows(MalformedCountersException.class,
                () -> CounterTable.parse("<html>oops</html>\n<body/>\n", "wrong-file"));
        assertEquals(1, e.line());
        assertThrows(MalformedCountersException.class, () -> CounterTable.parse("TcpExt: A\n\nTcpExt: 1\n", "blank"));
    }

    @Test
    void liveProcFilesParse() throws Exception {
        for (String f : List.of("/proc/net/netstat", "/proc/net/snmp")) {
            CounterTable t = CounterTable.parse(Files.readString(Path.of(f)), f);
            assertFalse(t.groups().isEmpty(), f);
        }
    }
}
