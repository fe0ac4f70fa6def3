package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.format.RecordJsonTest;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.RecordGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The indexed batch must give the sinks, the dedupe and the agent what the parsed Batch gives. */
class ReceivedBatchTest {
    @TempDir
    Path tmp;

    /** A batch in seq order, events with and without agent id/boot/node, losses and counters between. */
    private static Batch batch(Random r, long first, int n) {
        Batch.Builder b = Batch.newBuilder().setAgentId("a1").setAgentBoot(77).setFirstSeq(first).setLastSeq(first + n - 1).setNode("node-1");
        for (int i = 0; i < n; i++) {
            long seq = first + i;
            switch (r.nextInt(25)) {
                case 0 -> b.addLosses(LossRecord.newBuilder().setSeq(seq).setStage(LossRecord.Stage.AGENT_QUEUE).setCount(4));
                case 1 -> b.addCounters(CounterSample.newBuilder().setSeq(seq).putCounters("TcpExt:ListenDrops", 3));
                default -> {
                    DropEvent.Builder e = RecordJsonTest.randomEvent(r).toBuilder().setSeq(seq);
                    if (r.nextBoolean()) {
                        e.setAgentId("a1").setAgentBoot(77).setNode("node-1");
                    }
                    b.addEvents(e);
                }
            }
        }
        return b.build();
    }

    /** The bytes as syndrop's agent writes them: records in seq order across the three fields. */
    private static byte[] inSeqOrder(Batch b) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Batch.newBuilder(b).clearEvents().clearLosses().clearCounters().build().writeTo(out);
        int e = 0, l = 0, c = 0;
        for (long s = b.getFirstSeq(); s <= b.getLastSeq(); s++) {
            if (e < b.getEventsCount() && b.getEvents(e).getSeq() == s) {
                Batch.newBuilder().addEvents(b.getEvents(e++)).build().writeTo(out);
            } else if (l < b.getLossesCount() && b.getLosses(l).getSeq() == s) {
                Batch.newBuilder().addLosses(b.getLosses(l++)).build().writeTo(out);
            } else {
                Batch.newBuilder().addCounters(b.getCounters(c++)).build().writeTo(out);
            }
        }
        return out.toByteArray();
    }

    private String json(ReceivedBatch b, long hwm, LongAdder lost, int[] dups) throws Exception {
        Path f = Files.createTempFile(tmp, "sink", ".json");
        try (JsonFileSink s = new JsonFileSink(f, System.out, false, 0, null)) {
            RecordGroup g = new RecordGroup();
            dups[0] = b.addTo(g, hwm, lost);
            s.write(g);
            s.flush();
        }
        return Files.readString(f);
    }

    @Test
    void indexedBatchesWriteWhatParsedOnesWrite() throws Exception {
        Random r = new Random(4);
        for (int round = 0; round < 200; round++) {
            long first = 1 + r.nextInt(1000);
            Batch b = batch(r, first, 1 + r.nextInt(300));
            byte[] bytes = inSeqOrder(b);
            ReceivedBatch fast = ReceivedBatch.parse(bytes);
            ReceivedBatch slow = ReceivedBatch.of(Batch.parseFrom(bytes));
            assertTrue(fast.indexed(), "round " + round);
            assertEquals(slow.problem(), fast.problem());
            assertEquals(null, fast.problem());
            assertEquals(slow.records(), fast.records());
            long hwm = r.nextBoolean() ? 0 : first + r.nextInt(b.getEventsCount() + 1);
            LongAdder lostFast = new LongAdder(), lostSlow = new LongAdder();
            int[] dupFast = {0}, dupSlow = {0};
            assertEquals(json(slow, hwm, lostSlow, dupSlow), json(fast, hwm, lostFast, dupFast), "round " + round);
            assertEquals(dupSlow[0], dupFast[0]);
            assertEquals(lostSlow.sum(), lostFast.sum());
            // The group's parsed view (other sinks, live viewers) is the parsed batch's.
            RecordGroup gf = new RecordGroup(), gs = new RecordGroup();
            fast.addTo(gf, hwm, new LongAdder());
            slow.addTo(gs, hwm, new LongAdder());
            assertEquals(gs.items(), gf.items());
        }
    }

    @Test
    void whatTheIndexCannotVouchForTakesTheParsedPath() throws Exception {
        // The generated serialisation writes events, then losses: seq 1, 3, then the loss 2.
        Batch mixed = Batch.newBuilder().setAgentId("a1").setAgentBoot(1).setFirstSeq(1).setLastSeq(3)
                .addEvents(DropEvent.newBuilder().setSeq(1).setDstPort(80)).addEvents(DropEvent.newBuilder().setSeq(3).setDstPort(81))
                .addLosses(LossRecord.newBuilder().setSeq(2).setCount(1)).build();
        ReceivedBatch out = ReceivedBatch.parse(mixed.toByteArray());
        assertFalse(out.indexed());
        assertEquals(null, out.problem());
        String lines = json(out, 0, new LongAdder(), new int[1]);
        assertTrue(lines.indexOf("\"seq\":\"1\"") < lines.indexOf("\"seq\":\"2\"") && lines.indexOf("\"seq\":\"2\"") < lines.indexOf("\"seq\":\"3\""), lines);
        // storm summaries (field 9): parsed path
        Batch withSummary = Batch.newBuilder().setAgentId("a1").setAgentBoot(1).setFirstSeq(1).setLastSeq(1)
                .addSummaries(DropSummary.newBuilder().setSeq(1).setCount(9)).build();
        assertFalse(ReceivedBatch.parse(withSummary.toByteArray()).indexed());
        // bad batches get the same answer either way
        for (Batch bad : new Batch[] {
                Batch.newBuilder().setAgentBoot(1).setFirstSeq(1).setLastSeq(1).addEvents(DropEvent.newBuilder().setSeq(1)).build(),
                Batch.newBuilder().setAgentId("a").setFirstSeq(1).setLastSeq(1).addEvents(DropEvent.newBuilder().setSeq(1)).build(),
                Batch.newBuilder().setAgentId("a").setAgentBoot(1).setFirstSeq(1).setLastSeq(2).addEvents(DropEvent.newBuilder().setSeq(1)).build(),
                Batch.newBuilder().setAgentId("a").setAgentBoot(1).setFirstSeq(5).setLastSeq(5).addEvents(DropEvent.newBuilder().setSeq(6)).build(),
                Batch.newBuilder().setAgentId("a").setAgentBoot(1).setFirstSeq(1).setLastSeq(2)
                        .addEvents(DropEvent.newBuilder().setSeq(1)).addEvents(DropEvent.newBuilder().setSeq(1)).build()}) {
            ReceivedBatch fast = ReceivedBatch.parse(bad.toByteArray());
            assertEquals(Batches.problem(bad), fast.problem(), bad.toString());
        }
    }
}
