package io.syndrop.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * --libbpf-debug reaches libbpf (its debug lines, "libbpf: ...", appear on stderr only when asked
 * for), in `watch` and in `watch --collector`, which also keeps --verbose (syndrop's FINE logs).
 */
class WatchFlagsIT {
    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void watchPassesLibbpfDebugToLibbpf() throws Exception {
        try (JarProcess p = JarProcess.start(null, "watch", "--port", "1", "--duration", "1s", "--libbpf-debug")) {
            assertEquals(0, p.waitFor(120_000), p.logText());
            assertTrue(p.logText().contains("\nlibbpf: ") || p.logText().startsWith("libbpf: "), p.logText());
        }
        try (JarProcess p = JarProcess.start(null, "watch", "--port", "1", "--duration", "1s")) {
            assertEquals(0, p.waitFor(120_000), p.logText());
            assertTrue(!p.logText().contains("libbpf: "), "libbpf debug output without --libbpf-debug:\n" + p.logText());
        }
    }

    @Test
    void watchWithACollectorKeepsVerboseAndLibbpfDebug(@TempDir Path tmp) throws Exception {
        try (JarProcess p = JarProcess.start(null, "watch", "--collector", "127.0.0.1:9", "--insecure",
                "--spool-dir", tmp.resolve("spool").toString(), "--port", "1", "--duration", "2s",
                "--verbose", "--libbpf-debug")) {
            assertEquals(0, p.waitFor(120_000), p.logText());
            assertTrue(p.logText().contains("libbpf: "), "no libbpf debug output:\n" + p.logText());
            assertTrue(p.logText().matches("(?s).*FINE agent \\S+: spool .*"), "no FINE log with --verbose:\n" + p.logText());
        }
    }
}
