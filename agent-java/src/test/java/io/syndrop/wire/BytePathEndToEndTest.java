package io.syndrop.wire;

import io.syndrop.agent.Agent;
import io.syndrop.collector.CollectorServer;
import io.syndrop.event.EncodedEvents;
import io.syndrop.event.EventDecoder;
import io.syndrop.event.EventLayout;
import io.syndrop.event.EventWireEncoder;
import io.syndrop.event.EventWireEncoderTest;
import io.syndrop.metrics.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same kernel records through agent -> gRPC -> collector -> JSON file twice, once as objects
 * (EventDecoder, offer) and once as bytes (EventWireEncoder, offerEncoded): the lines must be the
 * same but for their seq, every record once, numbered 1.. without gaps, and the byte half written
 * by the sink from bytes.
 */
class BytePathEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void objectsAndBytesGiveTheSameLinesOnceEach() throws Exception {
        int n = 3000;
        ByteBuffer ring = EventWireEncoderTest.randomRecords(new Random(77), n);
        Path sink = tmp.resolve("out/events.json");
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        try (CollectorServer c = WireTestKit.insecureCollector(sink, tmp.resolve("dedupe"), cm);
             Agent a = new Agent(WireTestKit.agentConfig("a1", c.port(), tmp.resolve("spool")), am)) {
            EventDecoder d = new EventDecoder("node-a1", "a1", a.pipeline().boot(), v -> "R" + v);
            for (int i = 0; i < n; i++) {
                assertTrue(a.pipeline().offer(d.decode(ring, i * EventLayout.SIZE, 0)));
            }
            WireTestKit.await("object half acknowledged", 30_000, () -> am.value("syndrop_agent_acknowledged_total") == n);
            EventWireEncoder enc = new EventWireEncoder(d);
            for (int i = 0; i < n; ) {
                int m = Math.min(512, n - i);
                EncodedEvents chunk = enc.newChunk(m);
                for (int k = 0; k < m; k++, i++) {
                    enc.encode(ring, i * EventLayout.SIZE, chunk);
                }
                assertTrue(a.pipeline().offerEncoded(chunk));
            }
            WireTestKit.await("byte half acknowledged", 30_000, () -> am.value("syndrop_agent_acknowledged_total") == 2L * n);
            String label = "sink=\"json:" + sink + "\"";
            assertEquals(2L * n, cm.value("syndrop_collector_written_total", label));
            assertEquals(2L * n, cm.value("syndrop_collector_encoded_events_total", label),
                    "both halves arrive as bytes at the collector and the JSON sink writes them from there");
            assertEquals(0, cm.value("syndrop_collector_deduplicated_total"));
        }
        List<String> lines = Files.readAllLines(sink);
        assertEquals(2 * n, lines.size());
        for (int i = 0; i < n; i++) {
            String object = lines.get(i);
            String bytes = lines.get(n + i);
            assertTrue(object.startsWith("{\"type\":\"drop\",\"seq\":\"" + (i + 1) + "\","), object);
            assertTrue(bytes.startsWith("{\"type\":\"drop\",\"seq\":\"" + (n + i + 1) + "\","), bytes);
            assertEquals(object.replaceFirst("\"seq\":\"\\d+\"", ""), bytes.replaceFirst("\"seq\":\"\\d+\"", ""), "record " + i);
        }
    }
}
