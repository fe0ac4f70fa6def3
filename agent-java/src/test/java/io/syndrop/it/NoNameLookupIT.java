package io.syndrop.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No input makes syndrop resolve a name it was not asked to connect to. The jar runs with
 * -Djdk.net.hosts.file: the JVM then answers every lookup from that file alone, so a lookup shows
 * (a name in the file resolves) and a missing name fails as it does on a host whose /etc/hosts lacks
 * it, with no DNS traffic either way.
 */
class NoNameLookupIT {
    @Test
    void aSourceFilterThatLooksLikeAnAddressIsRefusedNotResolved(@TempDir Path tmp) throws Exception {
        // If syndrop looked 999.1.1.1 up it would get 10.1.2.3 and run: a usage error proves it did not.
        Path hosts = Files.writeString(tmp.resolve("hosts"), "10.1.2.3 999.1.1.1\n10.1.2.4 12345\n");
        for (String src : List.of("999.1.1.1", "12345")) {
            try (JarProcess p = JarProcess.startWithJvmFlags(List.of("-Djdk.net.hosts.file=" + hosts),
                    "watch", "--backend", "counters", "--duration", "2s", "--src", src)) {
                int rc = p.waitFor(60_000);
                assertEquals(2, rc, "--src " + src + " was accepted:\n" + p.logText());
                assertTrue(p.logText().contains("--src: '" + src + "' is not an IP address"), p.logText());
            }
        }
    }

    @Test
    void theAgentTakesItsNameFromTheKernelNotFromALookup(@TempDir Path tmp) throws Exception {
        // A hosts file without this machine's name: InetAddress.getLocalHost() fails here, as in a bare container.
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 not-this-host\n");
        Path replay = Files.write(tmp.resolve("empty.replay"), new byte[0]);
        String kernelName = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        try (JarProcess p = JarProcess.startWithJvmFlags(List.of("-Djdk.net.hosts.file=" + hosts),
                "agent", "--collector", "127.0.0.1:9", "--insecure", "--replay", replay.toString(),
                "--spool-dir", tmp.resolve("spool").toString(), "--duration", "2s")) {
            int rc = p.waitFor(60_000);
            assertEquals(0, rc, p.logText());
            assertTrue(p.logText().contains("syndrop agent: id " + kernelName + " "), p.logText());
        }
    }

    @Test
    void aListenAddressMustBeAnAddress(@TempDir Path tmp) throws Exception {
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 collector-name\n");
        try (JarProcess p = JarProcess.startWithJvmFlags(List.of("-Djdk.net.hosts.file=" + hosts),
                "collect", "--listen", "collector-name:0", "--insecure", "--sink", "json:-")) {
            int rc = p.waitFor(60_000);
            assertEquals(2, rc, p.logText());
            assertTrue(p.logText().contains("--listen expects an IP address"), p.logText());
        }
    }
}
