package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gRPC client that is not Java, built from the .proto alone (Node, @grpc/grpc-js +
 * @grpc/proto-loader), subscribes with a port filter to Collector.Subscribe and to Agent.Watch and
 * receives the live events that match, and only those.
 */
class SubscribeNodeClientTest {
    static Path top;
    static Path nodeDir;

    @TempDir
    Path tmp;

    @BeforeAll
    static void npmPackages() throws Exception {
        top = Path.of(System.getProperty("syndrop.top", "..")).toAbsolutePath().normalize();
        nodeDir = top.resolve("agent-java/src/test/node");
        Process p = new ProcessBuilder(top.resolve("scripts/install-node-deps.sh").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("scripts/install-node-deps.sh failed (node 20 + npm and the npm registry are needed):\n" + out);
        }
    }

    private Process node(Path out, String service, int port, int count) throws Exception {
        return new ProcessBuilder("node", nodeDir.resolve("subscribe.js").toString(),
                "--proto", top.resolve("proto/src/main/proto/syndrop/v1/syndrop.proto").toString(),
                "--target", "127.0.0.1:" + port, "--service", service, "--port", "8080", "--count", Integer.toString(count))
                .redirectOutput(out.toFile()).redirectError(tmp.resolve(service + ".err").toFile()).start();
    }

    @Test
    void nodeSubscriberReceivesLiveFilteredEvents() throws Exception {
        int n = 300;
        Metrics am = new Metrics();
        Path collectorOut = tmp.resolve("collector.jsonl");
        Path agentOut = tmp.resolve("agent.jsonl");
        try (CollectorServer c = WireTestKit.insecureCollector(tmp.resolve("sink.json"), null, new Metrics())) {
            Agent.Config base = WireTestKit.agentConfig("node-test", c.port(), tmp.resolve("spool"));
            Agent.Config cfg = new Agent.Config(base.agentId(), base.node(), base.collector(), base.spoolDir(), base.spoolMaxBytes(),
                    false, base.queueMax(), base.batchMax(), base.batchLinger(), base.window(), new HostPort("127.0.0.1", 0));
            try (Agent a = new Agent(cfg, am)) {
                Process sub = node(collectorOut, "Collector", c.port(), n);
                Process watch = node(agentOut, "Agent", a.watchPort(), n);
                try {
                    WireTestKit.await("node subscribed to the collector", 20_000, () -> c.live().viewers() == 1 || !sub.isAlive());
                    WireTestKit.await("node watching the agent", 20_000, () -> am.value("syndrop_agent_watch_viewers") == 1 || !watch.isAlive());
                    assertTrue(sub.isAlive() && watch.isAlive(), "node clients died: " + Files.readString(tmp.resolve("Collector.err"))
                            + Files.readString(tmp.resolve("Agent.err")));
                    for (int i = 0; i < n; i++) {
                        a.pipeline().offer(TestEvents.event(i));
                        // Interleave events the filter must drop.
                        a.pipeline().offer(TestEvents.event(100_000 + i).toBuilder().setDstPort(9999).build());
                    }
                    assertTrue(sub.waitFor(30, TimeUnit.SECONDS), "node subscriber did not get " + n + " events");
                    assertTrue(watch.waitFor(30, TimeUnit.SECONDS), "node watcher did not get " + n + " events");
                    assertEquals(0, sub.exitValue(), Files.readString(tmp.resolve("Collector.err")));
                    assertEquals(0, watch.exitValue(), Files.readString(tmp.resolve("Agent.err")));
                } finally {
                    sub.destroyForcibly();
                    watch.destroyForcibly();
                }
            }
        }
        for (Path f : List.of(collectorOut, agentOut)) {
            List<String> lines = Files.readAllLines(f);
            assertEquals(n, lines.size(), f.toString());
            Set<Integer> tsvals = new TreeSet<>();
            List<String> wrong = new ArrayList<>();
            for (String l : lines) {
                JsonObject e = JsonParser.parseString(l).getAsJsonObject().getAsJsonObject("event");
                int tsval = e.has("tsval") ? e.get("tsval").getAsInt() : 0; // proto3 leaves zero out
                DropEvent want = TestEvents.event(tsval);
                if (e.get("dstPort").getAsInt() != 8080 || !e.get("srcAddr").getAsString().equals(want.getSrcAddr())
                        || !e.get("reason").getAsString().equals(want.getReason().name()) || !e.get("agentId").getAsString().equals("node-test")) {
                    wrong.add(l);
                }
                tsvals.add(tsval);
            }
            assertEquals(List.of(), wrong, f.toString());
            assertEquals(n, tsvals.size(), f + ": distinct events");
        }
    }
}
