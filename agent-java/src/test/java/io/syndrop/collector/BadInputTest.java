package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.sink.JsonFileSink;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Batch;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on the collector's port - garbage, HTTP/1, an oversized message, a truncated message,
 * bytes that are not protobuf, and a protobuf batch that breaks the sequence rules - each gets a
 * closed connection or an error status, while a well-behaved agent on the same collector keeps
 * delivering every event.
 */
class BadInputTest {
    static final String PUBLISH = "/syndrop.v1.Collector/Publish";
    static final int MAX = 256 << 10;

    @TempDir
    Path tmp;

    @Test
    void badClientsAreClosedAndAGoodAgentIsUnaffected() throws Exception {
        Path sink = tmp.resolve("events.json");
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        try (LogCapture logs = new LogCapture();
             CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null, null, MAX, null, 0),
                     List.of(new JsonFileSink(sink, System.out, false, 0, null)), cm);
             Agent good = new Agent(WireTestKit.agentConfig("good", c.port(), tmp.resolve("spool")), am)) {
            int[] sent = {0};
            Runnable more = () -> {
                for (int i = 0; i < 200; i++) {
                    good.pipeline().offer(TestEvents.event(sent[0]++));
                }
            };
            more.run();
            WireTestKit.await("good agent connected", 20_000, () -> am.value("syndrop_agent_acknowledged_total") == 200);

            byte[] garbage = new byte[4096];
            new Random(42).nextBytes(garbage);
            try (RawHttp2 h = new RawHttp2(c.port())) {
                h.raw(garbage);
                assertTrue(h.closedByServer(), "garbage: connection closed");
            }
            more.run();

            try (RawHttp2 h = new RawHttp2(c.port())) {
                h.raw(("POST " + PUBLISH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0")
                        .getBytes(StandardCharsets.US_ASCII));
                assertTrue(h.closedByServer(), "HTTP/1: connection closed");
            }
            more.run();

            try (RawHttp2 h = new RawHttp2(c.port())) {
                h.openCall(PUBLISH);
                h.data(RawHttp2.grpcMessage(MAX * 4, new byte[100]), false);
                RawHttp2.Outcome o = h.await();
                assertEquals("8", o.grpcStatus(), "oversized message: RESOURCE_EXHAUSTED, got " + o);
            }
            more.run();

            try (RawHttp2 h = new RawHttp2(c.port())) {
                h.openCall(PUBLISH);
                h.data(RawHttp2.grpcMessage(100, new byte[10]), true);
                RawHttp2.Outcome o = h.await();
                assertTrue(o.grpcStatus() != null && !o.grpcStatus().equals("0") || o.rstCode != null, "truncated message: error, got " + o);
            }
            more.run();

            try (RawHttp2 h = new RawHttp2(c.port())) {
                h.openCall(PUBLISH);
                byte[] junk = new byte[64];
                java.util.Arrays.fill(junk, (byte) 0xff);
                h.data(RawHttp2.grpcMessage(junk.length, junk), false);
                RawHttp2.Outcome o = h.await();
                assertTrue(o.grpcStatus() != null && !o.grpcStatus().equals("0"), "invalid protobuf: error status, got " + o);
            }
            more.run();

            try (RawHttp2 h = new RawHttp2(c.port())) {
                h.openCall(PUBLISH);
                byte[] liar = Batch.newBuilder().setAgentId("liar").setAgentBoot(1).setFirstSeq(1).setLastSeq(1000)
                        .addEvents(TestEvents.event(1).toBuilder().setSeq(1)).build().toByteArray();
                h.data(RawHttp2.grpcMessage(liar.length, liar), false);
                RawHttp2.Outcome o = h.await();
                assertEquals("3", o.grpcStatus(), "inconsistent batch: INVALID_ARGUMENT, got " + o);
                assertTrue(o.headers.getOrDefault("grpc-message", "").contains("covers 1000 numbers"), o.toString());
            }
            more.run();

            WireTestKit.await("good agent's events acknowledged", 20_000, () -> am.value("syndrop_agent_acknowledged_total") == sent[0]);
            assertEquals(0, am.value("syndrop_agent_reconnects_total"), "the good agent's stream never broke");
            assertTrue(cm.value("syndrop_collector_rejected_total", "reason=\"transport\"") >= 2, "garbage and HTTP/1 counted");
            assertEquals(1, cm.value("syndrop_collector_rejected_total", "reason=\"invalid_batch\""));
            assertTrue(logs.any("refused a connection"), logs.messages.toString());
            assertTrue(logs.any("refused a batch", "liar"), logs.messages.toString());
            assertEquals(sent[0], TestEvents.dropLines(sink));
        }
        assertTrue(!java.nio.file.Files.readString(sink).contains("\"agentId\":\"liar\""));
    }
}
