package io.syndrop.agent;

import io.syndrop.event.EncodedEvents;
import io.syndrop.event.EventDecoder;
import io.syndrop.event.EventLayout;
import io.syndrop.event.EventWireEncoder;
import io.syndrop.event.EventWireEncoderTest;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.wire.SpooledBatch;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireEndToEndTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Events offered as bytes (the drain's byte path) reach the spool as the same Batch the object
 * path spools: numbered once by the batcher in one gapless sequence with objects and loss records,
 * chunks split across batches at --batch-max, and a chunk the queue cannot hold counted lost whole.
 */
class EncodedPipelineTest {
    @TempDir
    Path dir;

    @Test
    void encodedChunksAreSpooledAsTheDecodedEventsWouldBe() throws Exception {
        Metrics m = new Metrics();
        ByteBuffer ring = EventWireEncoderTest.randomRecords(new Random(7), 2000);
        try (Spool s = new Spool(dir, 1 << 26, 1 << 22, false)) {
            EventPipeline p = new EventPipeline("enc", "node-e", s, 100_000, 300, Duration.ofMillis(5), m, null).start();
            // The drain's decoder and encoder for this pipeline; node left empty in half the chunks (the batcher adds it).
            EventDecoder named = new EventDecoder("node-e", "enc", p.boot(), v -> "R" + v);
            EventDecoder unnamed = new EventDecoder("", "enc", p.boot(), v -> "R" + v);
            List<DropEvent> expected = new ArrayList<>();
            int at = 0;
            for (int chunkNo = 0; at < 2000; chunkNo++) {
                EventDecoder d = chunkNo % 2 == 0 ? named : unnamed;
                EventWireEncoder enc = new EventWireEncoder(d);
                int n = Math.min(2000 - at, 1 + chunkNo * 37 % 512);
                EncodedEvents chunk = enc.newChunk(n);
                for (int i = 0; i < n; i++, at++) {
                    enc.encode(ring, at * EventLayout.SIZE, chunk);
                    expected.add(d.decode(ring, at * EventLayout.SIZE, 0).toBuilder().setNode("node-e").build());
                }
                assertEquals(true, p.offerEncoded(chunk));
                if (chunkNo % 3 == 0) { // objects and losses in between, in the same sequence
                    DropEvent e = TestEvents.event(chunkNo);
                    p.offer(e);
                    expected.add(e.toBuilder().setNode(e.getNode().isEmpty() ? "node-e" : e.getNode()).setAgentId("enc").setAgentBoot(p.boot()).build());
                    p.offerLoss(LossRecord.newBuilder().setStage(LossRecord.Stage.KERNEL_RINGBUF).setCount(3).build());
                }
            }
            WireEndToEndTest.await("pipeline idle", 20_000, p::idle);
            Spool.Cursor c = s.start();
            long next = 1;
            List<DropEvent> got = new ArrayList<>();
            SpooledBatch b;
            while ((b = s.next(c, 0)) != null) {
                assertEquals(next, b.firstSeq(), "no gaps");
                Batch batch = b.parse();
                assertEquals(true, batch.getEventsCount() + batch.getLossesCount() <= 300, "at most --batch-max records");
                List<Long> seqs = new ArrayList<>();
                batch.getEventsList().forEach(e -> seqs.add(e.getSeq()));
                batch.getLossesList().forEach(l -> seqs.add(l.getSeq()));
                assertEquals(b.lastSeq() - b.firstSeq() + 1, seqs.size(), "every number of the batch is one record");
                assertEquals(seqs.size(), seqs.stream().distinct().count());
                got.addAll(batch.getEventsList());
                next = b.lastSeq() + 1;
            }
            assertEquals(expected.size(), got.size());
            long prev = 0;
            for (int i = 0; i < got.size(); i++) {
                DropEvent g = got.get(i);
                assertEquals(true, g.getSeq() > prev, "in order");
                prev = g.getSeq();
                assertEquals(expected.get(i), g.toBuilder().clearSeq().build(), "event " + i);
            }
            assertEquals(got.size(), m.value("syndrop_agent_queued_total"));
            assertEquals(0, m.value("syndrop_agent_queue_depth"));
            p.close();
        }
    }

    @Test
    void aChunkTheQueueCannotHoldIsLostWholeAndReported() throws Exception {
        Metrics m = new Metrics();
        ByteBuffer ring = EventWireEncoderTest.randomRecords(new Random(8), 50);
        try (Spool s = new Spool(dir, 1 << 24, 1 << 20, false)) {
            EventPipeline p = new EventPipeline("enc", "node-e", s, 10, 1000, Duration.ofMillis(5), m, null).start();
            EventWireEncoder enc = new EventWireEncoder(new EventDecoder("node-e", "enc", p.boot(), v -> "R" + v));
            EncodedEvents chunk = enc.newChunk(50);
            for (int i = 0; i < 50; i++) {
                enc.encode(ring, i * EventLayout.SIZE, chunk);
            }
            assertFalse(p.offerEncoded(chunk), "50 events do not fit a queue of 10");
            assertEquals(50, m.value("syndrop_agent_queue_lost_total"));
            WireEndToEndTest.await("loss reported", 10_000, () -> m.value("syndrop_agent_loss_records_total") == 1);
            Batch batch = s.next(s.start(), 0).parse();
            assertEquals(LossRecord.Stage.AGENT_QUEUE, batch.getLosses(0).getStage());
            assertEquals(50, batch.getLosses(0).getCount());
            p.close();
        }
    }
}
