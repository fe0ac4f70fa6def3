package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.Sink;
import io.syndrop.sink.Sinks;
import io.syndrop.metrics.Metrics;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A syslog receiver that accepts and then never reads: the sink's writes time out instead of
 * blocking the committer for good, the sink is reported stalled (metrics, one log line), nothing
 * is acknowledged that the receiver did not take, the JSON sink is held at the same point, and
 * once the receiver reads, every event arrives (at least once; exactly once by externalId).
 */
class StalledSinkTest {
    @TempDir
    Path tmp;

    @Test
    void receiverThatStopsReadingStallsTheSinkThenGetsEveryEvent() throws Exception {
        int n = 6000; // about 2.5 MB of syslog: far more than the receiver's and our socket buffers hold
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        Path json = tmp.resolve("events.json");
        try (StallingSyslogReceiver rx = new StallingSyslogReceiver(); LogCapture log = new LogCapture()) {
            Sink syslog = Sinks.open("syslog+tcp://127.0.0.1:" + rx.port() + "?timeout=1s", false, System.out);
            String sl = "sink=\"" + syslog.name() + "\"";
            String jl = "sink=\"json:" + json + "\"";
            try (CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null, null, 0, tmp.resolve("state"), 0),
                    List.of(new JsonFileSink(json, System.out, false, 0, null), syslog), cm);
                 Agent a = new Agent(WireTestKit.agentConfig("stall", c.port(), tmp.resolve("spool")), am)) {
                for (int i = 0; i < n; i++) {
                    a.pipeline().offer(TestEvents.event(i));
                }
                // Two stalls mean the committer came back from the first one and retried on a new connection.
                WireTestKit.await("syslog sink reported stalled twice", 120_000,
                        () -> cm.value("syndrop_collector_sink_stalls_total", sl) >= 2 && cm.value("syndrop_collector_sink_stalled", sl) == 1);
                assertEquals(0, cm.value("syndrop_collector_sink_up", sl));
                assertTrue(cm.value("syndrop_collector_sink_reconnects_total", sl) >= 1, "reconnected after the first stall");
                assertTrue(cm.value("syndrop_collector_sink_last_error_timestamp_seconds", sl) > 0);
                assertTrue(log.any("WARNING", "sink " + syslog.name() + " is DOWN", "is the receiver reading", "Nothing more is acknowledged"), "one clear log line: " + log.messages);
                assertEquals(1, log.messages.stream().filter(m -> m.contains(" is DOWN")).count(), "one line per state change, not per retry: " + log.messages);
                long acked = am.value("syndrop_agent_acknowledged_total");
                assertTrue(acked < n, "not everything acknowledged while the receiver does not read: " + acked);
                // Held consistently: the JSON sink has exactly what was committed, which is what was acknowledged.
                assertEquals(cm.value("syndrop_collector_written_total", jl), cm.value("syndrop_collector_written_total", sl));
                assertTrue(cm.value("syndrop_collector_acknowledged_total") <= cm.value("syndrop_collector_written_total", sl) + cm.value("syndrop_collector_deduplicated_total"));
                assertTrue(acked <= cm.value("syndrop_collector_written_total", sl), "acknowledged only what the syslog receiver took");

                rx.startReading();
                WireTestKit.await("all acknowledged", 180_000, () -> am.value("syndrop_agent_acknowledged_total") == n);
                WireTestKit.await("every event at the receiver", 60_000, () -> rx.received().size() == n);
                assertEquals(1, cm.value("syndrop_collector_sink_up", sl));
                assertEquals(0, cm.value("syndrop_collector_sink_stalled", sl));
                assertTrue(log.any("INFO", "sink " + syslog.name() + " is UP again"), log.messages.toString());
            }
            Set<Long> seqs = new TreeSet<>();
            String prefix = null;
            for (String id : rx.received().keySet()) {
                int colon = id.lastIndexOf(':');
                String p = id.substring(0, colon);
                assertTrue(prefix == null || prefix.equals(p), "one agent and boot: " + prefix + " vs " + p);
                prefix = p;
                seqs.add(Long.parseLong(id.substring(colon + 1)));
            }
            assertEquals(n, seqs.size());
            assertEquals(1L, (long) ((TreeSet<Long>) seqs).first());
            assertEquals((long) n, (long) ((TreeSet<Long>) seqs).last());
            for (String p : rx.problems()) {
                assertTrue(p.startsWith("connection ended inside a frame"), "only frames cut by a closed connection: " + p);
            }
            assertTrue(rx.problems().size() < rx.connections(), "at most one cut frame per connection given up");
            System.out.println("stalled-sink: " + rx.frames() + " frames for " + n + " events over " + rx.connections() + " connections; "
                    + cm.value("syndrop_collector_sink_stalls_total", sl) + " stalls");
        }
        assertEquals(n, TestEvents.dropLines(json), "JSON sink: every event exactly once");
    }
}
