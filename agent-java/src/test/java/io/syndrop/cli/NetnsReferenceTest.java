package io.syndrop.cli;

import io.syndrop.os.NetnsTarget;
import io.syndrop.os.NetnsRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One meaning for every --netns: an inode given as plain digits is an inode in `counters` and
 * `doctor` as it is in the event filters of `watch`. Needs root (it creates a namespace with its own
 * somaxconn, so reading the wrong namespace cannot pass).
 */
class NetnsReferenceTest {
    @Test
    void plainDigitsAreAnInode() {
        NetnsTarget t = NetnsTarget.parse("4026532281");
        assertEquals(NetnsTarget.Kind.INODE, t.kind());
        assertEquals(4026532281L, t.number());
        assertEquals(4026532281L, t.inode());
        assertEquals(t, NetnsTarget.parse("ino:4026532281"));
        assertEquals(4026532281L, NetnsRef.inode("4026532281"));
        assertThrows(IllegalArgumentException.class, () -> NetnsTarget.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> NetnsTarget.parse("99999999999999999999"));
        assertThrows(IllegalArgumentException.class, () -> NetnsTarget.parse("pid:x"));
        assertThrows(IllegalArgumentException.class, () -> NetnsTarget.parse("../x"));
    }

    @Test
    void countersAndDoctorReadTheNamespaceAnInodeNames(@TempDir Path tmp) throws Exception {
        assertEquals("0", run("id", "-u").trim(), "this test creates a network namespace and needs root");
        String ns = "syndrop-ref-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", ns);
        try {
            run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.core.somaxconn=77");
            long ino = (Long) Files.getAttribute(Path.of("/var/run/netns", ns), "unix:ino");
            assertEquals(ino, NetnsTarget.parse(ns).inode());
            assertEquals(ino, NetnsRef.inode(ns));
            long self = (Long) Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino");
            assertEquals(self, NetnsTarget.parse("host").inode());
            assertEquals(self, NetnsTarget.parse("pid:" + ProcessHandle.current().pid()).inode());

            Path snap = tmp.resolve("snap");
            CliRun c = CliRun.of("counters", "--netns", Long.toString(ino), "--snapshot-to", snap.toString());
            assertEquals(0, c.code(), c.toString());
            assertTrue(Files.readString(snap.resolve("sysctl")).contains("net.core.somaxconn = 77"),
                    "counters read another namespace than " + ino + ":\n" + Files.readString(snap.resolve("sysctl")));

            CliRun d = CliRun.of("doctor", "--netns", Long.toString(ino), "--duration", "1s", "--json");
            assertEquals(0, d.code(), d.toString());
            assertTrue(d.err().contains("netns ino " + ino), d.toString());
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
