package io.syndrop.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.proto.v1.CounterSample;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import io.syndrop.os.NetnsTarget;

class CounterWatcherTest {
    record Tick(CounterSample sample, List<CounterChange> changes) {}

    private static final CounterWatcher.Origin ORIGIN = new CounterWatcher.Origin("node-a", "agent-1", 7);

    @Test
    void reportsListenOverflowsOfARealOverflowOnLoopback() throws Exception {
        LinkedBlockingQueue<Tick> ticks = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Exception> errors = new LinkedBlockingQueue<>();
        try (CounterWatcher w = new CounterWatcher(new CounterReader(NetnsTarget.host(), true), Duration.ofMillis(200),
                ORIGIN, new CounterWatcher.Listener() {
                    @Override
                    public void onSample(CounterSample sample, List<CounterChange> changes) {
                        ticks.add(new Tick(sample, changes));
                    }

                    @Override
                    public void onError(Exception e) {
                        errors.add(e);
                    }
                }).start();
             LoopbackOverflow overflow = new LoopbackOverflow()) {
            Tick baseline = ticks.poll(5, TimeUnit.SECONDS);
            assertNotNull(baseline, "no baseline sample");
            assertTrue(baseline.changes().isEmpty());
            assertEquals("node-a", baseline.sample().getNode());
            assertEquals(7, baseline.sample().getAgentBoot());
            assertTrue(baseline.sample().getCountersMap().containsKey("TcpExt:ListenDrops"));
            assertTrue(baseline.sample().getSysctlsMap().containsKey("net.core.somaxconn"));
            assertTrue(baseline.sample().getTimeUnixNano() > 0);

            overflow.burst(8);
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen == 0 && System.nanoTime() < deadline) {
                Tick t = ticks.poll(1, TimeUnit.SECONDS);
                if (t == null) {
                    continue;
                }
                for (CounterChange c : t.changes()) {
                    assertTrue(WatchedCounters.RELEVANT.contains(c.key()), "unwatched counter reported: " + c);
                    assertTrue(c.delta() != 0);
                    if (c.key().equals(WatchedCounters.LISTEN_OVERFLOWS)) {
                        seen = c.delta();
                        assertTrue(c.perSecond() > 0, "rate of " + c);
                    }
                }
            }
            assertTrue(seen > 0, "ListenOverflows did not move after an overflow on port " + overflow.port());
            assertTrue(errors.isEmpty(), "errors: " + errors);
        }
    }

    @Test
    void failedSamplesGoToOnErrorAndTheNextOneDiffsAgainstTheLastGood() throws Exception {
        CounterSnapshot a = SnapshotDirReader.read("accept-overflow-5.10", "0000");
        CounterSnapshot b = SnapshotDirReader.read("accept-overflow-5.10", "0002");
        List<Object> script = List.of(a, new IOException("netns went away"), b);
        int[] i = {0};
        LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
        CounterWatcher w = new CounterWatcher(() -> {
            Object next = script.get(i[0]++);
            if (next instanceof IOException e) {
                throw e;
            }
            return (CounterSnapshot) next;
        }, Duration.ofSeconds(1), ORIGIN, new CounterWatcher.Listener() {
            @Override
            public void onSample(CounterSample sample, List<CounterChange> changes) {
                got.add(changes);
            }

            @Override
            public void onError(Exception e) {
                got.add(e);
            }
        });
        w.tick();
        w.tick();
        w.tick();
        w.close();
        assertEquals(List.of(), got.poll());
        assertTrue(got.poll() instanceof IOException);
        @SuppressWarnings("unchecked")
        List<CounterChange> changes = (List<CounterChange>) got.poll();
        assertEquals(List.of(WatchedCounters.PASSIVE_OPENS, WatchedCounters.LISTEN_DROPS, WatchedCounters.LISTEN_OVERFLOWS),
                changes.stream().map(CounterChange::key).sorted().toList());
        assertEquals(25, changes.stream().filter(c -> c.key().equals(WatchedCounters.LISTEN_OVERFLOWS)).findFirst().orElseThrow().delta());
        assertEquals(25 / 60.0, changes.stream().filter(c -> c.key().equals(WatchedCounters.LISTEN_OVERFLOWS)).findFirst().orElseThrow().perSecond(), 1e-9);
    }

    @Test
    void protoRoundTripKeepsCountersAndSysctls() throws Exception {
        CounterSnapshot s = SnapshotDirReader.read("tw-recycle-3.16", "0002");
        CounterSample p = CounterSamples.toProto(s, "n", "a", 3);
        assertEquals(s.counters().size(), p.getCountersCount());
        assertEquals(71, p.getCountersOrThrow("TcpExt:PAWSPassive"));
        assertEquals("1", p.getSysctlsOrThrow("net.ipv4.tcp_tw_recycle"));
        assertEquals(1795800060L * 1_000_000_000L, p.getTimeUnixNano());
        CounterSnapshot back = CounterSamples.fromProto(p);
        assertEquals(s.counters(), back.counters());
        assertEquals(s.sysctls(), back.sysctls());
        assertEquals(s.time(), back.time());
        CounterSample small = CounterSamples.toProto(s, "n", "a", 3, WatchedCounters.RELEVANT::contains);
        assertTrue(small.getCountersCount() < 20 && small.containsCounters("TcpExt:ListenDrops"));
    }

    /** Reads one snapshot of a fixture story. */
    static final class SnapshotDirReader {
        static CounterSnapshot read(String story, String snap) throws IOException {
            return SnapshotDir.read(Fixtures.story(story).resolve(snap));
        }
    }
}
