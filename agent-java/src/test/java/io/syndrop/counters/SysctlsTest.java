package io.syndrop.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SysctlsTest {

    @Test
    void parsesSysctlDashAOutputWithTabs() throws Exception {
        Sysctls s = Sysctls.parse("kernel.hostname = web-1\nnet.ipv4.tcp_rmem = 4096\t131072\t6291456\n\n"
                + "net.ipv4.tcp_tw_recycle = 1\n# comment\n", "sysctl");
        assertEquals(OptionalLong.of(1), s.getLong(Sysctls.TW_RECYCLE));
        assertEquals("4096\t131072\t6291456", s.get("net.ipv4.tcp_rmem").orElseThrow());
        assertTrue(s.getLong("net.ipv4.tcp_rmem").isEmpty());
        assertEquals(Sysctls.parse(s.format(), "again"), s);
        assertEquals(1, s.relevant().asMap().size());
    }

    @Test
    void lineWithoutEqualsNamesTheLine() {
        MalformedCountersException e = assertThrows(MalformedCountersException.class,
                () -> Sysctls.parse("a.b = 1\nsysctl: permission denied on key 'fs.x'\n", "snap/sysctl"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().startsWith("snap/sysctl line 2"), e.getMessage());
    }

    @Test
    void liveValuesAreReadWhole() throws Exception {
        // The same values as the sysctl tool prints; multi-digit ones caught a short-read bug.
        Sysctls s = Sysctls.read(Path.of("/proc/sys"));
        for (String name : new String[] {Sysctls.MAX_SYN_BACKLOG, Sysctls.SOMAXCONN, Sysctls.SYNCOOKIES, Sysctls.OSRELEASE}) {
            Process p = new ProcessBuilder("sysctl", "-n", name).redirectErrorStream(true).start();
            String expected = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, p.waitFor(), "sysctl -n " + name + ": " + expected);
            assertEquals(expected, s.get(name).orElseThrow(), name);
        }
    }
}
