package io.syndrop.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import io.syndrop.os.NetnsTarget;

/**
 * Reads real namespaces. The named one is made with `ip netns add` and given its own sysctl values,
 * so that reading the wrong namespace (the host's) cannot pass. Needs root: fails loudly without it.
 */
class CounterReaderTest {

    @Test
    void hostSampleHasCountersSysctlsAndInode() throws Exception {
        CounterSnapshot s = new CounterReader(NetnsTarget.host(), true).sample();
        assertTrue(s.get("TcpExt:ListenDrops").isPresent());
        assertTrue(s.get("Tcp:InSegs").isPresent());
        assertTrue(s.time().isPresent());
        String link = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        assertEquals(link, "net:[" + s.netnsIno() + "]");
        assertTrue(s.sysctls().get(Sysctls.SOMAXCONN).isPresent());
    }

    @Test
    void namedPidAndInodeTargetsReadThatNamespace() throws Exception {
        assertEquals("0", run("id", "-u").trim(), "this test creates a network namespace and needs root");
        String ns = "syndrop-ctr-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", ns);
        Process sleeper = null;
        try {
            run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.core.somaxconn=77", "net.ipv4.tcp_syncookies=0");
            long ino = (Long) Files.getAttribute(Path.of("/var/run/netns", ns), "unix:ino");

            CounterSnapshot byName = new CounterReader(NetnsTarget.parse(ns), true).sample();
            assertEquals("77", byName.sysctls().get(Sysctls.SOMAXCONN).orElseThrow());
            assertEquals("0", byName.sysctls().get(Sysctls.SYNCOOKIES).orElseThrow());
            assertEquals(ino, byName.netnsIno());
            // A fresh namespace has seen no packet at all.
            assertEquals(0, byName.get("Ip:InReceives").getAsLong());

            CounterSnapshot byIno = new CounterReader(NetnsTarget.parse("ino:" + ino), true).sample();
            assertEquals("77", byIno.sysctls().get(Sysctls.SOMAXCONN).orElseThrow());

            sleeper = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "30").start();
            long pid = waitForChildInNetns(sleeper, ino);
            CounterSnapshot byPid = new CounterReader(NetnsTarget.parse("pid:" + pid), true).sample();
            assertEquals(ino, byPid.netnsIno());
            assertEquals("77", byPid.sysctls().get(Sysctls.SOMAXCONN).orElseThrow());
            assertEquals(byName.counters().keySet(), byPid.counters().keySet());
        } finally {
            if (sleeper != null) {
                sleeper.descendants().forEach(ProcessHandle::destroy);
                sleeper.destroy();
                sleeper.waitFor(5, TimeUnit.SECONDS);
            }
            run("ip", "netns", "del", ns);
        }
    }

    @Test
    void unknownTargetsFailWithTheReason() {
        IOException e = assertThrows(IOException.class,
                () -> new CounterReader(NetnsTarget.parse("syndrop-no-such-ns"), false).sample());
        assertTrue(e.getMessage().contains("ip netns list"), e.getMessage());
        e = assertThrows(IOException.class, () -> new CounterReader(NetnsTarget.parse("ino:1"), false).sample());
        assertTrue(e.getMessage().contains("inode 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NetnsTarget.parse("pid:0"));
        assertThrows(IllegalArgumentException.class, () -> NetnsTarget.parse("../etc"));
    }

    /** `ip netns exec` execs sleep in place, but wait until the process has actually joined the namespace. */
    private static long waitForChildInNetns(Process p, long ino) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (CounterReader.nsInode(Path.of("/proc/" + p.pid() + "/ns/net")) == ino) {
                return p.pid();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("process " + p.pid() + " never entered the namespace");
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
