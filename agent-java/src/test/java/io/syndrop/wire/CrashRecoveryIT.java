package io.syndrop.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syndrop.it.JarProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the collector, then of the agent, in the middle of a stream of N events, each a
 * separate JVM running the built jar with the replay source: after restarts the JSON sink holds
 * every event exactly once.
 */
class CrashRecoveryIT {
    static final int N = 12_000;
    static final String RATE = "4000";

    @TempDir
    Path tmp;

    private JarProcess collector(Path sink, String port, String logName) throws Exception {
        JarProcess c = JarProcess.startLogged(tmp.resolve(logName), "collect", "--listen", "127.0.0.1:" + port, "--insecure",
                "--sink", "json:" + sink, "--dedupe-dir", tmp.resolve("dedupe").toString());
        c.awaitLog("listening on port (\\d+)", 20_000);
        return c;
    }

    private JarProcess agent(Path rec, String port, String logName) throws Exception {
        return JarProcess.startLogged(tmp.resolve(logName), "agent", "--collector", "127.0.0.1:" + port, "--insecure",
                "--agent-id", "crash-test", "--spool-dir", tmp.resolve("spool").toString(), "--replay", rec.toString(),
                "--replay-rate", RATE, "--batch-linger", "20ms", "--batch-max", "200", "--exit-when-done");
    }

    private static void awaitLines(Path sink, long atLeast, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        while (TestEvents.dropLines(sink) < atLeast) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("sink has only " + TestEvents.dropLines(sink) + " events after " + timeoutMs + " ms");
            }
            Thread.sleep(25);
        }
    }

    private static void assertExactlyOnce(Path sink) throws Exception {
        List<String> dups = new ArrayList<>();
        Set<Integer> got = TestEvents.tsvalsInJson(sink, dups);
        assertEquals(List.of(), dups.subList(0, Math.min(5, dups.size())), dups.size() + " duplicates in the sink");
        assertEquals(N, got.size(), "distinct events in the sink");
        assertEquals(N, TestEvents.dropLines(sink), "drop lines in the sink");
    }

    @Test
    void collectorKilledMidStream() throws Exception {
        Path rec = TestEvents.recording(tmp, N);
        Path sink = tmp.resolve("sink/events.json");
        JarProcess c = collector(sink, "0", "collector-1.log");
        String port = c.awaitLog("listening on port (\\d+)", 1000);
        try (JarProcess a = agent(rec, port, "agent.log")) {
            awaitLines(sink, N / 3, 30_000);
            c.kill9();
            Thread.sleep(700); // the agent keeps spooling and retrying meanwhile
            c = collector(sink, port, "collector-2.log");
            assertEquals(0, a.waitFor(60_000), a.logText());
        } finally {
            c.close();
        }
        assertExactlyOnce(sink);
    }

    @Test
    void agentKilledMidStreamAndRestartedWithItsSpool() throws Exception {
        Path rec = TestEvents.recording(tmp, N);
        Path sink = tmp.resolve("sink/events.json");
        try (JarProcess c = collector(sink, "0", "collector.log")) {
            String port = c.awaitLog("listening on port (\\d+)", 1000);
            JarProcess a1 = agent(rec, port, "agent-1.log");
            awaitLines(sink, N / 3, 30_000);
            a1.kill9();
            try (JarProcess a2 = agent(rec, port, "agent-2.log")) {
                assertEquals(0, a2.waitFor(60_000), a2.logText());
            }
            awaitLines(sink, N, 5_000);
        }
        assertExactlyOnce(sink);
    }
}
