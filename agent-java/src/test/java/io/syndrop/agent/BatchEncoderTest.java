package io.syndrop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.MessageLite;
import io.syndrop.format.RecordJsonTest;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import io.syndrop.event.EncodedEvents;
import io.syndrop.event.EventDecoder;
import io.syndrop.event.EventLayout;
import io.syndrop.event.EventWireEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import io.syndrop.wire.SpooledBatch;

/** The encoder's bytes must parse to exactly the Batch the generated builders make. */
class BatchEncoderTest {
    private record Recs(List<MessageLite> msgs, List<Long> seqs) implements BatchEncoder.Records {
        public int size() { return msgs.size(); }
        public MessageLite get(int i) { return msgs.get(i); }
        public long seqOf(int i) { return seqs.get(i); }
    }

    /** Encoded events (the drain's fast path, entries without seq) mixed with messages. */
    private record Mixed(List<MessageLite> msgs, List<Long> seqs, EncodedEvents chunk, List<Integer> idx) implements BatchEncoder.Records {
        public int size() { return msgs.size(); }
        public MessageLite get(int i) { return msgs.get(i); }
        public long seqOf(int i) { return seqs.get(i); }
        public EncodedEvents encodedChunk(int i) { return idx.get(i) < 0 ? null : chunk; }
        public int encodedIndex(int i) { return idx.get(i); }
    }

    @Test
    void encodedEventsAreTheNumberedEvents() throws Exception {
        Random r = new Random(12);
        String agent = "agent-1";
        long boot = 1_795_000_000_000_000_123L;
        BatchEncoder enc = new BatchEncoder(agent, "node-1", boot);
        EventDecoder d = new EventDecoder("node-1", agent, boot, v -> "R" + v);
        EventWireEncoder wire = d.wireEncoder();
        ByteBuffer ring = ByteBuffer.allocate(EventLayout.SIZE * 600).order(ByteOrder.LITTLE_ENDIAN);
        for (int round = 0; round < 50; round++) {
            r.nextBytes(ring.array());
            long first = 1 + r.nextInt(1 << 30);
            int n = 1 + r.nextInt(600);
            EncodedEvents chunk = new EncodedEvents(8);
            Mixed recs = new Mixed(new ArrayList<>(), new ArrayList<>(), chunk, new ArrayList<>());
            Batch.Builder want = Batch.newBuilder().setAgentId(agent).setAgentBoot(boot)
                    .setFirstSeq(first).setLastSeq(first + n - 1).setNode("node-1");
            for (int i = 0; i < n; i++) {
                long seq = first + i;
                if (r.nextInt(30) == 0) {
                    LossRecord l = LossRecord.newBuilder().setStage(LossRecord.Stage.AGENT_QUEUE).setCount(3).setSeq(seq).build();
                    recs.msgs.add(l);
                    recs.idx.add(-1);
                    want.addLosses(l);
                } else {
                    wire.encode(ring, i * EventLayout.SIZE, chunk);
                    recs.msgs.add(null);
                    recs.idx.add(chunk.size() - 1);
                    want.addEvents(d.decode(ring, i * EventLayout.SIZE, seq));
                }
                recs.seqs.add(seq);
            }
            SpooledBatch got = enc.encode(recs, first, first + n - 1);
            assertEquals(want.build(), got.parse(), "round " + round);
        }
    }

    @Test
    void sameBatchAsTheBuilders() throws Exception {
        Random r = new Random(11);
        BatchEncoder enc = new BatchEncoder("agent-\u00e9", "node-1", 1_795_000_000_000_000_123L);
        for (int round = 0; round < 100; round++) {
            long first = 1 + r.nextInt(1_000_000);
            int n = round == 0 ? 0 : r.nextInt(round < 10 ? 5 : 600);
            Recs recs = new Recs(new ArrayList<>(), new ArrayList<>());
            Batch.Builder want = Batch.newBuilder().setAgentId("agent-\u00e9").setAgentBoot(1_795_000_000_000_000_123L)
                    .setFirstSeq(first).setLastSeq(first + n - 1).setNode("node-1");
            for (int i = 0; i < n; i++) {
                long seq = first + i;
                int kind = r.nextInt(20);
                if (kind == 0) {
                    LossRecord l = LossRecord.newBuilder().setStage(LossRecord.Stage.AGENT_QUEUE).setCount(r.nextInt(9000))
                            .setSeq(seq).setAgentId("agent-\u00e9").setDetail("queue full").build();
                    recs.msgs.add(l);
                    want.addLosses(l);
                } else if (kind == 1) {
                    CounterSample c = CounterSample.newBuilder().setSeq(seq).putCounters("TcpExt:ListenDrops", r.nextLong())
                            .putSysctls("net.ipv4.tcp_syncookies", "1").build();
                    recs.msgs.add(c);
                    want.addCounters(c);
                } else {
                    // Events from sources that set everything, nothing, a seq of their own, or another agent's id.
                    DropEvent e = RecordJsonTest.randomEvent(r);
                    switch (r.nextInt(4)) {
                        case 0 -> e = e.toBuilder().setSeq(0).setNode("").setAgentId("").setAgentBoot(0).build();
                        case 1 -> e = e.toBuilder().setAgentId("agent-\u00e9").setAgentBoot(1_795_000_000_000_000_123L).build();
                        default -> { }
                    }
                    recs.msgs.add(e);
                    DropEvent.Builder eb = e.toBuilder().setSeq(seq).setAgentId("agent-\u00e9").setAgentBoot(1_795_000_000_000_000_123L);
                    if (eb.getNode().isEmpty()) {
                        eb.setNode("node-1");
                    }
                    want.addEvents(eb);
                }
                recs.seqs.add(seq);
            }
            SpooledBatch got = enc.encode(recs, first, first + n - 1);
            // Through bytes on both sides: strings that are not valid UTF-16 come back as '?' either way.
            assertEquals(Batch.parseFrom(want.build().toByteArray()), got.parse(), "round " + round);
            SpooledBatch scanned = SpooledBatch.scan(got.array(), got.offset(), got.length());
            assertEquals(1_795_000_000_000_000_123L, scanned.boot());
            assertEquals(first, scanned.firstSeq());
            assertEquals(first + n - 1, scanned.lastSeq());
        }
    }
}
