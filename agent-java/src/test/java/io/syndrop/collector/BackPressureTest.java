package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.Sinks;
import io.syndrop.metrics.Metrics;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failing sink stalls the agent through flow control: the collector holds at most a window of
 * batches per connection, the agent keeps the rest in its spool, and everything is delivered once
 * the sink works again.
 */
class BackPressureTest {
    @TempDir
    Path tmp;

    @Test
    void failingSinkStallsAgentsInsteadOfGrowingMemory() throws Exception {
        int n = 20_000;
        int window = 4;
        int syslogPort = Rsyslog.freePort();
        Path json = tmp.resolve("events.json");
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        try (CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null, null, 0, null, window),
                List.of(new JsonFileSink(json, System.out, false, 0, null), Sinks.open("syslog+tcp://127.0.0.1:" + syslogPort, false, System.out)), cm);
             Agent a = new Agent(WireTestKit.agentConfig("bp", c.port(), tmp.resolve("spool")), am)) {
            for (int i = 0; i < n; i++) {
                a.pipeline().offer(TestEvents.event(i));
            }
            WireTestKit.await("all spooled", 20_000, () -> a.pipeline().idle());
            WireTestKit.await("sink failing", 20_000, () -> cm.value("syndrop_collector_sink_errors_total", "sink=\"syslog+tcp://127.0.0.1:" + syslogPort + "\"") >= 3);
            Thread.sleep(500);
            assertTrue(cm.value("syndrop_collector_pending_batches") <= window, "collector holds at most the window: " + cm.value("syndrop_collector_pending_batches"));
            assertTrue(am.value("syndrop_agent_sent_batches_total") <= 8, "agent stopped sending: " + am.value("syndrop_agent_sent_batches_total"));
            assertEquals(0, am.value("syndrop_agent_acknowledged_total"));
            assertEquals(n, am.value("syndrop_agent_spooled_total"), "the rest waits in the agent's spool");
            try (ServerSocket syslog = new ServerSocket()) {
                syslog.bind(new InetSocketAddress("127.0.0.1", syslogPort));
                Thread t = new Thread(() -> {
                    try (Socket s = syslog.accept(); InputStream in = s.getInputStream()) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (Exception ignored) {
                        // test over
                    }
                });
                t.setDaemon(true);
                t.start();
                WireTestKit.await("all acknowledged", 60_000, () -> am.value("syndrop_agent_acknowledged_total") == n);
            }
        }
        assertEquals(n, TestEvents.dropLines(json));
    }
}
