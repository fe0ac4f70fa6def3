package io.syndrop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import io.syndrop.wire.SpooledBatch;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireEndToEndTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storm summaries go through the agent's pipeline like events: one gapless sequence, Batch.summaries in the spool. */
class SummaryPipelineTest {
    @TempDir
    Path dir;

    @Test
    void summariesAreNumberedWithEventsAndSpooledInBatchSummaries() throws Exception {
        Metrics m = new Metrics();
        try (Spool s = new Spool(dir, 1 << 24, 1 << 20, false)) {
            EventPipeline p = new EventPipeline("storm", "node-s", s, 10_000, 7, Duration.ofMillis(5), m, null).start();
            int events = 0;
            int summaries = 0;
            for (int i = 0; i < 200; i++) {
                if (i % 5 == 0) {
                    p.offerSummary(DropSummary.newBuilder().setReason(Reason.KERNEL_REASON).setKernelReason("NO_SOCKET")
                            .setDstPort(9).setSrcPrefix("127.0.0.0/24").setCount(1000 + i).setDetailed(i).build());
                    summaries++;
                } else {
                    p.offer(TestEvents.event(i));
                    events++;
                }
            }
            WireEndToEndTest.await("pipeline idle", 10_000, p::idle);
            Spool.Cursor c = s.start();
            long expect = 1;
            List<DropSummary> got = new ArrayList<>();
            int gotEvents = 0;
            SpooledBatch b;
            while ((b = s.next(c, 0)) != null) {
                assertEquals(expect, b.firstSeq(), "no gaps");
                Batch batch = b.parse();
                List<Long> seqs = new ArrayList<>();
                batch.getEventsList().forEach(e -> seqs.add(e.getSeq()));
                for (DropSummary d : batch.getSummariesList()) {
                    seqs.add(d.getSeq());
                    assertEquals("storm", d.getAgentId());
                    assertEquals(p.boot(), d.getAgentBoot());
                    assertEquals("node-s", d.getNode());
                    got.add(d);
                }
                gotEvents += batch.getEventsCount();
                assertEquals(b.lastSeq() - b.firstSeq() + 1, seqs.size(), "every number of the batch is one record");
                assertEquals(seqs.size(), seqs.stream().distinct().count());
                seqs.forEach(q -> assertEquals(true, q >= batch.getFirstSeq() && q <= batch.getLastSeq()));
                expect = b.lastSeq() + 1;
            }
            assertEquals(events + summaries + 1, expect, "one sequence over events and summaries");
            assertEquals(events, gotEvents);
            assertEquals(summaries, got.size());
            assertEquals(summaries, m.value("syndrop_agent_summaries_total"));
            p.close();
        }
    }
}
