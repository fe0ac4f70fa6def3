package io.syndrop.wire;

import io.syndrop.collector.CollectorServer;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.metrics.Metrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import io.syndrop.agent.Agent;

/** Shared setup of in-process wire tests: a plaintext loopback collector, an agent config, waiting. */
public final class WireTestKit {
    private WireTestKit() {}

    public static CollectorServer insecureCollector(Path sinkFile, Path dedupeDir, Metrics m) throws Exception {
        return new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null, null, 0, dedupeDir, 0),
                List.of(new JsonFileSink(sinkFile, System.out, false, 0, null)), m);
    }

    public static Agent.Config agentConfig(String id, int port, Path spool) {
        return agentConfig(id, new CollectorChannel(new HostPort("127.0.0.1", port), true, null, null, null, null), spool);
    }

    public static Agent.Config agentConfig(String id, CollectorChannel ch, Path spool) {
        return new Agent.Config(id, "node-" + id, ch, spool, 64L << 20, false, 100_000, 500, Duration.ofMillis(20), 8, null);
    }

    public static void await(String what, long timeoutMs, BooleanSupplier cond) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (!cond.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
