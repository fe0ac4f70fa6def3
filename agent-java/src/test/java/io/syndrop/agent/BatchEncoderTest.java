package io.syndrop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.MessageLite;
import io.syndrop.format.RecordJsonTest;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import io.syndrop.proto.v1.LossRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import io.syndrop.wire.SpooledBatch;

/** The encoder's bytes must parse to exactly the Batch the generated builders make. */
class BatchEncoderTest {
    private record Recs(List<MessageLite> msgs, List<Long> seqs) implements BatchEncoder.Records {
        public int size() { return msgs.size(); }
        public MessageLite get(int i) { return msgs.get(i); }
        public long seqOf(int i) { return seqs.get(i); }
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
                } else if (kind == 2) {
                    DropSummary d = DropSummary.newBuilder().setSeq(seq).setAgentId("agent-\u00e9")
                            .setAgentBoot(1_795_000_000_000_000_123L).setNode("node-1").setReason(Reason.KERNEL_REASON)
                            .setKernelReason("NO_SOCKET").setNetnsIno(r.nextLong()).setDstPort(r.nextInt(65536))
                            .setSrcPrefix("198.51.100.0/24").setCount(r.nextInt(1_000_000)).setDetailed(r.nextInt(300))
                            .setOverflow(r.nextBoolean()).setWindowStartUnixNano(r.nextLong()).build();
                    recs.msgs.add(d);
                    want.addSummaries(d);
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
