package io.syndrop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.LossRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.syndrop.wire.SpooledBatch;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireEndToEndTest;

/**
 * Fault injection into the spool: a torn tail, bytes flipped in the middle of a segment (in a
 * record's body and in its length), corruption that appears while the agent runs, a full disk (a
 * small tmpfs this test mounts; needs root) and a sync that does not return.
 */
class SpoolFaultTest {
    private static final int RECORDS_PER_BATCH = 5;

    @TempDir
    Path dir;

    /** Writes ten batches of five records (seq 1..50, boot 3) into one segment; returns each record's start offset. */
    private List<Long> tenBatches() throws IOException {
        List<Long> starts = new ArrayList<>();
        try (Spool s = new Spool(dir, 1 << 20, 1 << 20, false)) {
            for (int i = 0; i < 10; i++) {
                starts.add(s.bytes());
                assertTrue(s.append(SpoolTest.batch(3, 1 + i * RECORDS_PER_BATCH, RECORDS_PER_BATCH), -1));
            }
            starts.add(s.bytes());
        }
        return starts;
    }

    private Path segment() throws IOException {
        try (var l = Files.list(dir)) {
            return l.filter(p -> p.toString().endsWith(".seg")).sorted().findFirst().orElseThrow();
        }
    }

    private void flip(long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(segment(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            ch.write(b, offset);
        }
    }

    private static List<Long> firstSeqs(Spool s) throws Exception {
        List<Long> out = new ArrayList<>();
        Spool.Cursor c = s.start();
        SpooledBatch b;
        while ((b = s.next(c, 0)) != null) {
            out.add(b.firstSeq());
        }
        return out;
    }

    private static final List<Long> ALL_BUT_THE_FOURTH = List.of(1L, 6L, 11L, 21L, 26L, 31L, 36L, 41L, 46L);

    @Test
    void flippedByteInARecordBodySkipsOnlyThatRecordAndCountsIt() throws Exception {
        List<Long> starts = tenBatches();
        long size = Files.size(segment());
        flip(starts.get(3) + 30); // inside the fourth batch (seq 16..20)
        try (Spool s = new Spool(dir, 1 << 20, 1 << 20, false)) {
            assertEquals(size, Files.size(segment()), "the valid records after the bad one stay on disk");
            assertEquals(ALL_BUT_THE_FOURTH, firstSeqs(s), "every valid record after the bad one is read");
            List<Spool.Skipped> sk = s.takeSkipped();
            assertEquals(1, sk.size(), sk.toString());
            assertEquals(RECORDS_PER_BATCH, sk.get(0).records(), sk.toString());
            assertEquals(starts.get(4) - starts.get(3), sk.get(0).bytes());
            assertTrue(sk.get(0).detail().contains("seq 16..20 of boot 3"), sk.get(0).detail());
            assertEquals(ALL_BUT_THE_FOURTH, firstSeqs(s), "a second reader skips the known hole");
            assertEquals(List.of(), s.takeSkipped(), "and does not report it again");
        }
    }

    @Test
    void flippedLengthFieldIsResynchronisedOnTheNextValidRecord() throws Exception {
        List<Long> starts = tenBatches();
        flip(starts.get(3) + 1); // the fourth record's length: only a byte-by-byte search finds the fifth
        try (Spool s = new Spool(dir, 1 << 20, 1 << 20, false)) {
            assertEquals(ALL_BUT_THE_FOURTH, firstSeqs(s));
            List<Spool.Skipped> sk = s.takeSkipped();
            assertEquals(1, sk.size(), sk.toString());
            assertEquals(RECORDS_PER_BATCH, sk.get(0).records());
        }
    }

    @Test
    void tornTailIsCutOffAndReportedAsBytesNotAsLostRecords() throws Exception {
        List<Long> starts = tenBatches();
        long end = starts.get(10);
        // A crash in the middle of the eleventh append: its header and part of its body are on disk.
        try (FileChannel ch = FileChannel.open(segment(), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            byte[] partial = new byte[40];
            ByteBuffer.wrap(partial).putInt(500).putInt(12345);
            ch.write(ByteBuffer.wrap(partial));
        }
        try (Spool s = new Spool(dir, 1 << 20, 1 << 20, false)) {
            assertEquals(end, Files.size(segment()), "torn tail cut off");
            assertEquals(10, firstSeqs(s).size());
            List<Spool.Skipped> sk = s.takeSkipped();
            assertEquals(1, sk.size(), sk.toString());
            assertEquals(0, sk.get(0).records(), "that append never returned, so no acknowledged record was lost");
            assertEquals(40, sk.get(0).bytes());
        }
    }

    @Test
    void corruptionSeenAtRuntimeIsSkippedAndTheAgentReportsItAsALoss() throws Exception {
        List<Long> starts = tenBatches();
        flip(starts.get(3) + 30);
        Metrics m = new Metrics();
        try (Spool s = new Spool(dir, 1 << 20, 4096, false)) {
            EventPipeline p = new EventPipeline("a", "n", s, 1000, 10, Duration.ofMillis(5), m, null).start();
            try {
                WireEndToEndTest.await("loss record for the corrupt record", 10_000, () -> m.value("syndrop_agent_loss_records_total") == 1);
                assertEquals(RECORDS_PER_BATCH, m.value("syndrop_agent_spool_skipped_records_total"));
                assertEquals(starts.get(4) - starts.get(3), m.value("syndrop_agent_spool_skipped_bytes_total"));
                List<LossRecord> losses = new ArrayList<>();
                Spool.Cursor c = s.start();
                SpooledBatch b;
                while ((b = s.next(c, 0)) != null) {
                    if (b.boot() == p.boot()) {
                        losses.addAll(b.parse().getLossesList());
                    }
                }
                assertEquals(1, losses.size(), losses.toString());
                assertEquals(LossRecord.Stage.AGENT_SPOOL, losses.get(0).getStage());
                assertEquals(RECORDS_PER_BATCH, losses.get(0).getCount());
                assertTrue(losses.get(0).getDetail().contains("seq 16..20 of boot 3"), losses.get(0).getDetail());
            } finally {
                p.close();
            }
        }
        // Corruption that appears after open (the disk changed bytes this process read fine): the reader resynchronises too.
        Files.list(dir).filter(f -> f.toString().endsWith(".seg")).forEach(f -> {
            try {
                Files.delete(f);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        try (Spool s = new Spool(dir, 1 << 20, 1 << 20, false)) {
            long[] at = new long[11];
            for (int i = 0; i < 10; i++) {
                at[i] = s.bytes();
                assertTrue(s.append(SpoolTest.batch(9, 1 + i * RECORDS_PER_BATCH, RECORDS_PER_BATCH), -1));
            }
            at[10] = s.bytes();
            flip(at[6] + 30); // the seventh batch, seq 31..35
            assertEquals(List.of(1L, 6L, 11L, 16L, 21L, 26L, 36L, 41L, 46L), firstSeqs(s));
            List<Spool.Skipped> sk = s.takeSkipped();
            assertEquals(1, sk.size(), sk.toString());
            assertEquals(RECORDS_PER_BATCH, sk.get(0).records());
            assertEquals(at[7] - at[6], sk.get(0).bytes());
            assertEquals(9, firstSeqs(s).size(), "a second reader skips the known hole");
            assertEquals(List.of(), s.takeSkipped(), "and does not report it again");
        }
    }

    @Test
    void aSlowSyncDelaysOnlyItsOwnAppendNotReadersOrAcknowledgements() throws Exception {
        CountDownLatch inSync = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean syncedUnderLock = new AtomicBoolean();
        AtomicBoolean block = new AtomicBoolean();
        Spool[] ref = new Spool[1];
        try (Spool s = new Spool(dir, 1 << 20, 1 << 20, true, ch -> {
            if (Thread.holdsLock(ref[0])) {
                syncedUnderLock.set(true);
            }
            if (block.get()) {
                inSync.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            ch.force(false);
        })) {
            ref[0] = s;
            try {
                assertTrue(s.append(SpoolTest.batch(4, 1, 5), -1));
                assertFalse(syncedUnderLock.get(), "the spool's lock was held during a sync");
                slowSyncLeavesReadersAndAcksFree(s, block, inSync, release);
            } finally {
                release.countDown(); // so that a failure does not leave close() waiting behind the hanging sync
            }
            assertFalse(syncedUnderLock.get(), "the spool's lock was held during a sync");
        }
    }

    private static void slowSyncLeavesReadersAndAcksFree(Spool s, AtomicBoolean block, CountDownLatch inSync, CountDownLatch release)
            throws Exception {
        Spool.Cursor c = s.start();
        assertEquals(1, s.next(c, 0).firstSeq());
        block.set(true);
        CompletableFuture<Boolean> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return s.append(SpoolTest.batch(4, 6, 5), -1);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(inSync.await(30, TimeUnit.SECONDS), "the second append never reached its sync");
        // While that sync hangs: the sender reads the new batch and an acknowledgement is processed.
        CompletableFuture<Long> others = CompletableFuture.supplyAsync(() -> {
            try {
                SpooledBatch b = s.next(c, 0);
                s.ack(4, 5);
                return b.firstSeq();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try {
            // A deadlock guard, not a timing assertion: with the sync under the lock this never completes.
            assertEquals(6L, others.get(30, TimeUnit.SECONDS));
        } catch (TimeoutException e) {
            throw new AssertionError("reader and ack waited behind a hanging fsync");
        }
        assertFalse(slow.isDone(), "append returned before its record was synced");
        release.countDown();
        assertTrue(slow.get(30, TimeUnit.SECONDS));
    }

    @Test
    void fullDiskLosesCountedRecordsAndRecoversWhenSpaceReturns() throws Exception {
        Path mnt = dir.resolve("small");
        Files.createDirectories(mnt);
        run("mount", "-t", "tmpfs", "-o", "size=512k", "syndrop-spool-test", mnt.toString());
        try {
            Path spoolDir = mnt.resolve("spool");
            Metrics m = new Metrics();
            int offered = 0;
            try (Spool s = new Spool(spoolDir, 64L << 20, 64 << 10, true)) {
                EventPipeline p = new EventPipeline("full-disk", "n", s, 100_000, 50, Duration.ofMillis(5), m, null).start();
                try {
                    for (int i = 0; i < 100; i++, offered++) {
                        p.offer(TestEvents.event(offered));
                    }
                    WireEndToEndTest.await("first events spooled", 10_000, p::idle);
                    assertEquals(100, m.value("syndrop_agent_spooled_total"));
                    Path filler = mnt.resolve("filler");
                    fill(filler);
                    for (int i = 0; i < 500; i++, offered++) {
                        p.offer(TestEvents.event(offered));
                    }
                    WireEndToEndTest.await("events offered to a full disk handled", 60_000, p::idle);
                    assertTrue(m.value("syndrop_agent_spool_lost_total") > 0, "a full disk loses records");
                    Files.delete(filler);
                    for (int i = 0; i < 100; i++, offered++) {
                        p.offer(TestEvents.event(offered));
                    }
                    WireEndToEndTest.await("recovered", 20_000, () -> p.idle() && m.value("syndrop_agent_loss_records_total") > 0);
                } finally {
                    p.close();
                }
                // Every offered event is in the spool or in an AGENT_SPOOL loss record, and the sequence has no gap.
                long events = 0;
                long lost = 0;
                long expect = 1;
                Spool.Cursor c = s.start();
                SpooledBatch b;
                while ((b = s.next(c, 0)) != null) {
                    assertEquals(expect, b.firstSeq(), "no gap in the sequence");
                    expect = b.lastSeq() + 1;
                    Batch batch = b.parse();
                    events += batch.getEventsCount();
                    for (LossRecord l : batch.getLossesList()) {
                        assertEquals(LossRecord.Stage.AGENT_SPOOL, l.getStage());
                        assertTrue(l.getDetail().contains("No space left"), l.getDetail());
                        lost += l.getCount();
                    }
                }
                assertEquals(m.value("syndrop_agent_spool_lost_total"), lost, "loss records match the metric");
                assertEquals(offered, events + lost, "every event is spooled or counted lost");
                assertEquals(m.value("syndrop_agent_spooled_total"), expect - 1);
            }
            // The partial records a full disk left behind were taken back: a reopen finds nothing torn.
            try (Spool s = new Spool(spoolDir, 64L << 20, 64 << 10, true)) {
                assertEquals(List.of(), s.takeSkipped());
            }
        } finally {
            run("umount", mnt.toString());
        }
    }

    /** Writes until the file system is full. */
    private static void fill(Path filler) throws IOException {
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (true) {
                b.clear();
                ch.write(b);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (this test needs root): " + out);
        }
    }
}
