package io.syndrop.collector;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.syndrop.format.RecordJsonTest;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.SinkRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The collector's byte path against its parse path: the same batches, indexed from their bytes
 * and written by the JSON sink from there, must give the same file as the parsed batches written
 * as messages; the index must refuse what the parser refuses and judge batches as Batches.problem does.
 */
class ReceivedBatchTest {
    /** A batch of random events (some without agent id/boot/node), losses and counters, seqs shuffled or in order. */
    static Batch randomBatch(Random r, long first) {
        int n = 1 + r.nextInt(40);
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            seqs.add(first + i);
        }
        if (r.nextInt(4) == 0) {
            Collections.shuffle(seqs, r);
        }
        Batch.Builder b = Batch.newBuilder().setAgentId("agent-" + r.nextInt(3)).setAgentBoot(1 + r.nextInt(5))
                .setFirstSeq(first).setLastSeq(first + n - 1).setNode("node-r");
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(20);
            if (kind == 0) {
                b.addLosses(LossRecord.newBuilder().setSeq(seqs.get(i)).setCount(r.nextInt(100)).setStage(LossRecord.Stage.AGENT_QUEUE));
            } else if (kind == 1) {
                b.addCounters(CounterSample.newBuilder().setSeq(seqs.get(i)).setNetnsIno(4026531840L).putCounters("TcpExt:ListenDrops", 3));
            } else {
                DropEvent.Builder e = RecordJsonTest.randomEvent(r).toBuilder().setSeq(seqs.get(i));
                if (r.nextBoolean()) {
                    e.clearAgentId().clearAgentBoot();
                }
                if (r.nextInt(3) == 0) {
                    e.clearNode();
                }
                b.addEvents(e);
            }
        }
        return b.build();
    }

    @Test
    void theJsonSinkWritesFromBytesWhatItWritesFromMessages(@TempDir Path dir) throws Exception {
        Random r = new Random(42);
        Metrics metrics = new Metrics();
        try (JsonFileSink bytes = new JsonFileSink(dir.resolve("bytes.json"), System.out, false, 0, null);
             JsonFileSink parsed = new JsonFileSink(dir.resolve("parsed.json"), System.out, false, 0, null)) {
            bytes.registerMetrics(metrics);
            long events = 0;
            for (int k = 0; k < 300; k++) {
                Batch batch = randomBatch(r, 1 + 100L * k);
                ReceivedBatch rb = ReceivedBatch.of(batch);
                GroupRecords g = new GroupRecords();
                for (int rec : Batches.orderOf(rb)) {
                    g.add(rb, rec);
                }
                bytes.write((SinkRecords) g);
                parsed.write(Batches.itemsInOrder(batch));
                events += batch.getEventsCount();
            }
            bytes.flush();
            parsed.flush();
            assertArrayEquals(Files.readAllBytes(dir.resolve("parsed.json")), Files.readAllBytes(dir.resolve("bytes.json")));
            assertEquals(events, metrics.value("syndrop_collector_encoded_events_total", Metrics.label("sink", bytes.name())), "every event took the byte path");
        }
    }

    /** A sink that takes messages (ECS JSON) gets the parse path's records, parsed on arrival or on demand. */
    @Test
    void aMessageSinkGetsTheParsedRecordsEitherWay(@TempDir Path dir) throws Exception {
        Random r = new Random(43);
        try (JsonFileSink early = new JsonFileSink(dir.resolve("early.json"), System.out, true, 0, null);
             JsonFileSink late = new JsonFileSink(dir.resolve("late.json"), System.out, true, 0, null);
             JsonFileSink parsed = new JsonFileSink(dir.resolve("parsed.json"), System.out, true, 0, null)) {
            assertEquals(false, early.takesBytes(), "ECS has no byte path");
            for (int k = 0; k < 100; k++) {
                Batch batch = randomBatch(r, 1 + 100L * k);
                ReceivedBatch onArrival = ReceivedBatch.of(batch);
                onArrival.parseEvents();
                ReceivedBatch onDemand = ReceivedBatch.of(batch);
                GroupRecords a = new GroupRecords();
                GroupRecords b = new GroupRecords();
                for (int rec : Batches.orderOf(onArrival)) {
                    a.add(onArrival, rec);
                    b.add(onDemand, rec);
                }
                early.write((SinkRecords) a);
                late.write((SinkRecords) b);
                parsed.write(Batches.itemsInOrder(batch));
            }
        }
        byte[] want = Files.readAllBytes(dir.resolve("parsed.json"));
        assertArrayEquals(want, Files.readAllBytes(dir.resolve("early.json")));
        assertArrayEquals(want, Files.readAllBytes(dir.resolve("late.json")));
    }

    @Test
    void anEventWithAFieldOfANewerSchemaIsParsedAndWrittenTheSame(@TempDir Path dir) throws Exception {
        DropEvent e = DropEvent.newBuilder().setSeq(1).setSrcAddr("10.0.0.1").setNode("n").setAgentId("a").setAgentBoot(2).build();
        DropEvent withUnknown = DropEvent.parseFrom(e.toByteString().concat(ByteString.copyFrom(new byte[] {(byte) (60 << 3), 1, 7})));
        Batch batch = Batch.newBuilder().setAgentId("a").setAgentBoot(2).setFirstSeq(1).setLastSeq(2).addEvents(withUnknown)
                .addEvents(e.toBuilder().setSeq(2)).build();
        Metrics metrics = new Metrics();
        try (JsonFileSink s = new JsonFileSink(dir.resolve("e.json"), System.out, false, 0, null)) {
            s.registerMetrics(metrics);
            GroupRecords g = new GroupRecords();
            ReceivedBatch rb = ReceivedBatch.of(batch);
            g.add(rb, 0);
            g.add(rb, 1);
            s.write((SinkRecords) g);
            s.flush();
        }
        assertEquals("{\"type\":\"drop\",\"seq\":\"1\",\"node\":\"n\",\"srcAddr\":\"10.0.0.1\",\"agentId\":\"a\",\"agentBoot\":\"2\"}\n"
                + "{\"type\":\"drop\",\"seq\":\"2\",\"node\":\"n\",\"srcAddr\":\"10.0.0.1\",\"agentId\":\"a\",\"agentBoot\":\"2\"}\n",
                Files.readString(dir.resolve("e.json")));
        assertEquals(1, metrics.value("syndrop_collector_encoded_events_total", Metrics.label("sink", "json:" + dir.resolve("e.json"))), "the second only: the fallback is not counted as the byte path");
    }

    @Test
    void judgedAsTheParsedBatchIs() throws Exception {
        DropEvent e1 = DropEvent.newBuilder().setSeq(1).build();
        DropEvent e2 = DropEvent.newBuilder().setSeq(2).build();
        Batch ok = Batch.newBuilder().setAgentId("a").setAgentBoot(2).setFirstSeq(1).setLastSeq(2).addEvents(e1).addEvents(e2).build();
        List<Batch> cases = List.of(ok,
                ok.toBuilder().setAgentId("").build(),
                ok.toBuilder().setAgentId("x".repeat(257)).build(),
                ok.toBuilder().setAgentBoot(0).build(),
                ok.toBuilder().setFirstSeq(0).build(),
                ok.toBuilder().setLastSeq(3).build(),
                ok.toBuilder().setEvents(1, e1).build(),
                ok.toBuilder().setEvents(1, e2.toBuilder().setSeq(9)).build(),
                ok.toBuilder().setEvents(1, e2.toBuilder().clearSeq()).build(),
                ok.toBuilder().clearEvents().addEvents(e1).addLosses(LossRecord.newBuilder().setSeq(1)).build());
        for (Batch b : cases) {
            assertEquals(Batches.problem(b), Batches.problem(ReceivedBatch.of(b)), b.toString());
        }
        assertEquals(null, Batches.problem(ReceivedBatch.of(ok)));
    }

    @Test
    void refusesWhatTheParserRefuses() {
        // An event whose src_addr is not UTF-8: Batch.parseFrom refuses the whole batch, and so must the index.
        byte[] event = {(byte) (DropEvent.SRC_ADDR_FIELD_NUMBER << 3 | 2), 2, (byte) 0xc3, (byte) 0x28};
        byte[] batch = new byte[event.length + 2];
        batch[0] = (byte) (Batch.EVENTS_FIELD_NUMBER << 3 | 2);
        batch[1] = (byte) event.length;
        System.arraycopy(event, 0, batch, 2, event.length);
        assertThrows(InvalidProtocolBufferException.class, () -> Batch.parseFrom(batch));
        assertThrows(InvalidProtocolBufferException.class, () -> ReceivedBatch.index(batch));
        byte[] truncated = java.util.Arrays.copyOf(batch, batch.length - 1);
        assertThrows(InvalidProtocolBufferException.class, () -> Batch.parseFrom(truncated));
        assertThrows(InvalidProtocolBufferException.class, () -> ReceivedBatch.index(truncated));
        assertTrue(true);
    }
}
