package io.syndrop.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.agent.Agent;
import io.syndrop.collector.CollectorServer;
import io.syndrop.event.EncodedEvents;
import io.syndrop.event.EventDecoder;
import io.syndrop.event.EventLayout;
import io.syndrop.event.EventWireEncoder;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.LossRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The byte path end to end (drain encoder -> pipeline -> spool -> gRPC -> collector's indexed batch
 * -> JSON sink from bytes) writes, for the same kernel records, the same lines as the DropEvent path,
 * numbered once, without gaps, with a loss record between them; both paths through one agent.
 */
class WireFastPathTest {
    @TempDir
    Path tmp;

    @Test
    void bytepath_writes_the_same_lines_as_the_DropEvent_path() throws Exception {
        int n = 3000;
        ByteBuffer ring = ByteBuffer.allocate(n * EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(9);
        r.nextBytes(ring.array());
        for (int i = 0; i < n; i++) {
            int off = i * EventLayout.SIZE;
            ring.put(off + EventLayout.REASON, (byte) r.nextInt(8));
            ring.put(off + EventLayout.PROBE, (byte) (1 + r.nextInt(4)));
            ring.putInt(off + EventLayout.KERNEL_REASON, r.nextInt(3) == 0 ? 0 : 2);
            ring.putLong(off + EventLayout.KTIME_NS, System.nanoTime());
        }
        Path sink = tmp.resolve("events.json");
        Metrics am = new Metrics();
        try (CollectorServer c = WireTestKit.insecureCollector(sink, tmp.resolve("dedupe"), new Metrics());
             Agent a = new Agent(WireTestKit.agentConfig("a1", c.port(), tmp.resolve("spool")), am)) {
            var p = a.pipeline();
            EventDecoder d = new EventDecoder("node-a1", p.agentId(), p.boot(), v -> "NO_SOCKET");
            for (int i = 0; i < n; i++) {
                assertTrue(p.offer(d.decode(ring, i * EventLayout.SIZE, 0)));
            }
            WireEndToEndTest.await("the DropEvent path acknowledged", 60_000, () -> am.value("syndrop_agent_acknowledged_total") == n);
            p.offerLoss(LossRecord.newBuilder().setStage(LossRecord.Stage.KERNEL_RINGBUF).setCount(5).build());
            EventWireEncoder wire = d.wireEncoder();
            for (int i = 0; i < n; i += 512) {
                EncodedEvents chunk = p.emptyChunk();
                for (int k = i; k < Math.min(n, i + 512); k++) {
                    wire.encode(ring, k * EventLayout.SIZE, chunk);
                }
                assertTrue(p.offerEncoded(chunk));
            }
            WireEndToEndTest.await("the byte path acknowledged", 60_000, () -> am.value("syndrop_agent_acknowledged_total") == 2L * n + 1);
        }
        List<String> lines = Files.readAllLines(sink);
        assertEquals(2 * n + 1, lines.size());
        assertTrue(lines.get(n).startsWith("{\"type\":\"loss\"") && lines.get(n).contains("\"seq\":\"" + (n + 1) + "\""), lines.get(n));
        for (int i = 0; i < n; i++) {
            String old = lines.get(i);
            String now = lines.get(n + 1 + i);
            assertTrue(old.startsWith("{\"type\":\"drop\",\"seq\":\"" + (i + 1) + "\","), old);
            assertEquals(old.replace("\"seq\":\"" + (i + 1) + "\"", "\"seq\":\"" + (n + 2 + i) + "\""), now, "record " + i);
        }
    }
}
