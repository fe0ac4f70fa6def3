package io.syndrop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.LossRecord;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.syndrop.wire.SpooledBatch;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireEndToEndTest;

class SpoolTest {
    @TempDir
    Path dir;

    static Batch batch(long boot, long first, int n) {
        Batch.Builder b = Batch.newBuilder().setAgentId("s").setAgentBoot(boot).setFirstSeq(first).setLastSeq(first + n - 1);
        for (int i = 0; i < n; i++) {
            b.addEvents(TestEvents.event((int) first + i).toBuilder().setSeq(first + i));
        }
        return b.build();
    }

    @Test
    void survivesReopenCutsTornTailAndDeletesAckedSegments() throws Exception {
        try (Spool s = new Spool(dir, 1 << 20, 4096, true)) {
            for (int i = 0; i < 10; i++) {
                assertTrue(s.append(batch(7, 1 + i * 10L, 10), i * 10L + 9));
            }
            assertTrue(s.segmentCount() > 1, "small segments roll");
        }
        // A crash in the middle of a write leaves a partial record at the end of the last segment.
        Path last;
        try (var l = Files.list(dir)) {
            last = l.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        long before = Files.size(last);
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0, 0, 1, 0, 1, 2, 3, 4, 5}));
        }
        try (Spool s = new Spool(dir, 1 << 20, 4096, true)) {
            assertEquals(before, Files.size(last), "torn tail cut off");
            assertEquals(99, s.lastSourcePosition());
            assertTrue(s.maxBoot() >= 7);
            Spool.Cursor c = s.start();
            for (int i = 0; i < 10; i++) {
                SpooledBatch b = s.next(c, 0);
                assertEquals(1 + i * 10L, b.firstSeq());
            }
            assertNull(s.next(c, 10));
            s.ack(7, 50);
            Spool.Cursor c2 = s.start();
            assertEquals(51, s.next(c2, 0).firstSeq(), "acknowledged batches are not resent");
            s.ack(7, 100);
            assertEquals(0, s.segmentCount());
            assertEquals(0, s.bytes());
        }
        try (Spool s = new Spool(dir, 1 << 20, 4096, true)) {
            assertEquals(99, s.lastSourcePosition(), "source position survives deleting every segment");
        }
    }

    @Test
    void corruptRecordIsNotReplayed() throws Exception {
        try (Spool s = new Spool(dir, 1 << 20, 1 << 20, false)) {
            s.append(batch(3, 1, 5), 4);
            s.append(batch(3, 6, 5), 9);
        }
        Path seg;
        try (var l = Files.list(dir)) {
            seg = l.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(seg);
        b[b.length - 3] ^= 0x55; // flip bits in the second record's payload
        Files.write(seg, b);
        try (Spool s = new Spool(dir, 1 << 20, 1 << 20, false)) {
            Spool.Cursor c = s.start();
            assertEquals(1, s.next(c, 0).firstSeq());
            assertNull(s.next(c, 0), "the record failing its CRC32C is dropped");
        }
    }

    @Test
    void fullSpoolDropsWithoutGapsAndReportsALossRecord() throws Exception {
        Metrics m = new Metrics();
        try (Spool s = new Spool(dir, 6000, 4096, false)) {
            EventPipeline p = new EventPipeline("full", "n", s, 100_000, 10, Duration.ofMillis(5), m, null).start();
            for (int i = 0; i < 300; i++) {
                p.offer(TestEvents.event(i));
            }
            WireEndToEndTest.await("pipeline idle", 10_000, p::idle);
            assertTrue(m.value("syndrop_agent_spool_lost_total") > 0, "spool bound reached");
            // Free the spool: the pending AGENT_SPOOL loss record is written next, with the next seq.
            Spool.Cursor c = s.start();
            long expect = 1;
            SpooledBatch b;
            while ((b = s.next(c, 0)) != null) {
                assertEquals(expect, b.firstSeq(), "no gaps in the sequence");
                expect = b.lastSeq() + 1;
                s.ack(b.boot(), b.lastSeq());
            }
            WireEndToEndTest.await("loss record spooled", 10_000, () -> m.value("syndrop_agent_loss_records_total") > 0);
            b = s.next(c, 1000);
            assertEquals(expect, b.firstSeq());
            List<LossRecord> losses = b.parse().getLossesList();
            assertEquals(LossRecord.Stage.AGENT_SPOOL, losses.get(0).getStage());
            assertEquals(m.value("syndrop_agent_spool_lost_total"), losses.get(0).getCount());
            assertFalse(losses.get(0).getDetail().isEmpty());
            p.close();
        }
    }
}
