package io.syndrop.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.syndrop.collector.CollectorServer;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.syndrop.agent.Agent;

/** Agent -> collector -> JSON file on loopback, in one JVM: every event arrives exactly once and parses back. */
public class WireEndToEndTest {
    static CollectorServer insecureCollector(Path f, Path d, Metrics m) throws Exception {
        return WireTestKit.insecureCollector(f, d, m);
    }

    static Agent.Config agentConfig(String id, int port, Path spool) {
        return WireTestKit.agentConfig(id, port, spool);
    }

    public static void await(String what, long ms, java.util.function.BooleanSupplier c) throws InterruptedException {
        WireTestKit.await(what, ms, c);
    }

    @TempDir
    Path tmp;

    @Test
    void everyEventArrivesOnceAndParses() throws Exception {
        int n = 5000;
        Path sink = tmp.resolve("out/events.json");
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        try (CollectorServer c = insecureCollector(sink, tmp.resolve("dedupe"), cm);
             Agent a = new Agent(agentConfig("a1", c.port(), tmp.resolve("spool")), am)) {
            for (DropEvent e : TestEvents.events(n)) {
                assertTrue(a.pipeline().offer(e), "queue refused an event");
            }
            a.pipeline().offerLoss(LossRecord.newBuilder().setStage(LossRecord.Stage.KERNEL_RINGBUF).setCount(7).build());
            await("all records acknowledged", 30_000, () -> am.value("syndrop_agent_acknowledged_total") == n + 1);
            await("spool emptied", 5_000, () -> a.spool().segmentCount() == 0);
            assertEquals(n + 1, cm.value("syndrop_collector_written_total", "sink=\"json:" + sink + "\""));
            assertEquals(0, cm.value("syndrop_collector_deduplicated_total"));
            assertEquals(7, am.value("syndrop_agent_kernel_lost_total"));
        }
        List<String> dups = new ArrayList<>();
        Set<Integer> tsvals = TestEvents.tsvalsInJson(sink, dups);
        assertEquals(List.of(), dups, "duplicates in the sink");
        assertEquals(n, tsvals.size());
        assertEquals(n, TestEvents.dropLines(sink));
        // Every line is a proto3 JSON object; drops parse back into DropEvent with their names.
        List<String> lines = Files.readAllLines(sink);
        long seq = 0;
        int losses = 0;
        for (String line : lines) {
            if (line.startsWith("{\"type\":\"loss\"")) {
                losses++;
                assertTrue(line.contains("\"stage\":\"KERNEL_RINGBUF\"") && line.contains("\"count\":\"7\""), line);
                seq++;
                continue;
            }
            DropEvent.Builder b = DropEvent.newBuilder();
            JsonFormat.parser().merge(line.replaceFirst("^\\{\"type\":\"drop\",", "{"), b);
            assertEquals(++seq, b.getSeq(), "sequence numbers from 1 without gaps, in order");
            assertEquals("a1", b.getAgentId());
            assertEquals(TestEvents.event(b.getTsval()).toBuilder().setSeq(b.getSeq()).setAgentId("a1")
                    .setAgentBoot(b.getAgentBoot()).setNode("node-a1").build(), b.build());
        }
        assertEquals(1, losses);
        assertTrue(lines.get(0).contains("\"srcAddr\":") && lines.get(0).contains("\"reason\":\"" + Reason.PAWS_PASSIVE_REJECTED.name() + "\""), lines.get(0));
    }

    @Test
    void collectorRestartInProcessDeduplicates() throws Exception {
        int n = 3000;
        Path sink = tmp.resolve("events.json");
        Metrics am = new Metrics();
        CollectorServer c = insecureCollector(sink, tmp.resolve("dedupe"), new Metrics());
        int port = c.port();
        try (Agent a = new Agent(agentConfig("a2", port, tmp.resolve("spool")), am)) {
            List<DropEvent> ev = TestEvents.events(n);
            for (int i = 0; i < n / 2; i++) {
                a.pipeline().offer(ev.get(i));
            }
            await("first half acknowledged", 30_000, () -> am.value("syndrop_agent_acknowledged_total") == n / 2);
            c.close();
            for (int i = n / 2; i < n; i++) {
                a.pipeline().offer(ev.get(i));
            }
            Thread.sleep(300);
            Metrics cm2 = new Metrics();
            c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", port), true, null, null, null, null, 0, tmp.resolve("dedupe"), 0),
                    List.of(new JsonFileSink(sink, System.out, false, 0, null)), cm2);
            await("all acknowledged after restart", 30_000, () -> am.value("syndrop_agent_acknowledged_total") >= n);
        } finally {
            c.close();
        }
        List<String> dups = new ArrayList<>();
        assertEquals(n, TestEvents.tsvalsInJson(sink, dups).size());
        assertEquals(List.of(), dups);
    }
}
