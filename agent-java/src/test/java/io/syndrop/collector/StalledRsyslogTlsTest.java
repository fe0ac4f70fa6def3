package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.Sink;
import io.syndrop.sink.Sinks;
import io.syndrop.metrics.Metrics;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestCerts;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real rsyslogd behind syslog+tls is stopped (SIGSTOP) in the middle of the stream: the TLS
 * sink stalls in a write or in the wait for the receiver's acknowledgement, its reconnects time out
 * in the TLS handshake, and after SIGCONT the collector recovers by itself and rsyslog ends with
 * every event.
 */
class StalledRsyslogTlsTest {
    private static final Pattern EXTERNAL_ID = Pattern.compile("externalId=(\\S+)");

    @TempDir
    Path tmp;

    @Test
    void stoppedRsyslogOverTlsStallsTheSinkThenGetsEveryEvent() throws Exception {
        int before = 100;
        int n = 5100; // about 2 MB after the stop: more than the stopped receiver's window
        TestCerts certs = TestCerts.make(tmp.resolve("pki"));
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        Path json = tmp.resolve("events.json");
        try (Rsyslog rs = Rsyslog.start(tmp.resolve("rs"), new Path[] {certs.ca(), certs.serverCert(), certs.serverKey()})) {
            Sink syslog = Sinks.open("syslog+tls://127.0.0.1:" + rs.tcpPort + "?ca=" + certs.ca() + "&timeout=2s", false, System.out);
            String sl = "sink=\"" + syslog.name() + "\"";
            try (CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null, null, 0, tmp.resolve("state"), 0),
                    List.of(new JsonFileSink(json, System.out, false, 0, null), syslog), cm);
                 Agent a = new Agent(WireTestKit.agentConfig("tls-stall", c.port(), tmp.resolve("spool")), am)) {
                for (int i = 0; i < before; i++) {
                    a.pipeline().offer(TestEvents.event(i));
                }
                WireTestKit.await("first part acknowledged", 60_000, () -> am.value("syndrop_agent_acknowledged_total") == before);
                rs.pause();
                try {
                    for (int i = before; i < n; i++) {
                        a.pipeline().offer(TestEvents.event(i));
                    }
                    WireTestKit.await("TLS sink stalled, then reconnects failing", 120_000,
                            () -> cm.value("syndrop_collector_sink_stalls_total", sl) >= 1 && cm.value("syndrop_collector_sink_errors_total", sl) >= 2);
                    assertEquals(0, cm.value("syndrop_collector_sink_up", sl));
                    assertTrue(am.value("syndrop_agent_acknowledged_total") < n, "not everything acknowledged while rsyslogd is stopped");
                } finally {
                    rs.resume();
                }
                WireTestKit.await("all acknowledged after rsyslogd continued", 180_000, () -> am.value("syndrop_agent_acknowledged_total") == n);
                assertEquals(1, cm.value("syndrop_collector_sink_up", sl));
            }
            Set<String> ids = new HashSet<>();
            WireTestKit.await("every event in rsyslog's file", 120_000, () -> {
                ids.clear();
                try {
                    for (String line : Rsyslog.lines(rs.out)) {
                        Matcher m = EXTERNAL_ID.matcher(line);
                        if (m.find()) {
                            ids.add(m.group(1));
                        }
                    }
                } catch (java.io.IOException e) {
                    return false;
                }
                return ids.size() == n;
            });
            System.out.println("stalled TLS rsyslog: " + Rsyslog.lines(rs.out).size() + " lines for " + n + " events; stalls "
                    + cm.value("syndrop_collector_sink_stalls_total", sl) + ", errors " + cm.value("syndrop_collector_sink_errors_total", sl));
        }
        assertEquals(n, TestEvents.dropLines(json), "JSON sink: every event exactly once");
    }
}
