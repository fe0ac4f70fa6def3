package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.sink.Sink;
import io.syndrop.sink.Sinks;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestCerts;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent -> collector -> real rsyslogd over syslog+tcp (octet counting), syslog+udp and syslog+tls
 * (rsyslog's gtls driver): every event arrives once on each, its RFC 5424 header parses in rsyslog,
 * and its CEF body carries the event's addresses, ports and reason.
 */
class SyslogRsyslogTest {
    @TempDir
    Path tmp;

    @Test
    void everyEventReachesRsyslogAsCef() throws Exception {
        int n = 400;
        TestCerts certs = TestCerts.make(tmp.resolve("pki"));
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        try (Rsyslog plain = Rsyslog.start(tmp.resolve("rs-plain"), null);
             Rsyslog tls = Rsyslog.start(tmp.resolve("rs-tls"), new Path[] {certs.ca(), certs.serverCert(), certs.serverKey()})) {
            List<Sink> sinks = List.of(
                    Sinks.open("syslog+tcp://127.0.0.1:" + plain.tcpPort, false, System.out),
                    Sinks.open("syslog+udp://127.0.0.1:" + plain.udpPort, false, System.out),
                    Sinks.open("syslog+tls://127.0.0.1:" + tls.tcpPort + "?ca=" + certs.ca(), false, System.out));
            try (CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null, null, 0, null, 0), sinks, cm);
                 Agent a = new Agent(WireTestKit.agentConfig("syslog-agent", c.port(), tmp.resolve("spool")), am)) {
                for (DropEvent e : TestEvents.events(n)) {
                    a.pipeline().offer(e);
                }
                WireTestKit.await("acknowledged", 30_000, () -> am.value("syndrop_agent_acknowledged_total") == n);
                for (Sink s : sinks) {
                    assertEquals(n, cm.value("syndrop_collector_written_total", "sink=\"" + s.name() + "\""), s.name());
                }
            }
            for (Path f : List.of(plain.out, plain.udpOut(), tls.out)) {
                WireTestKit.await(n + " lines in " + f, 15_000, () -> {
                    try {
                        return Rsyslog.lines(f).size() >= n;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
                check(Rsyslog.lines(f), n, f.toString());
            }
        }
    }

    private static void check(List<String> lines, int n, String what) {
        assertEquals(n, lines.size(), what);
        Map<Integer, String> byTsval = new TreeMap<>();
        for (String line : lines) {
            String[] f = line.split("\\|", 6);
            assertEquals("1", f[0], "RFC 5424 version parsed by rsyslog: " + line);
            assertEquals("node-syslog-agent", f[1], "hostname: " + line);
            assertEquals("syndrop", f[2], "app-name: " + line);
            assertEquals("drop", f[4], "msgid: " + line);
            String msg = f[5].startsWith(" ") ? f[5].substring(1) : f[5];
            CefParser cef = CefParser.parse(msg);
            assertEquals(List.of("CEF:0", "syndrop", "syndrop"), cef.header.subList(0, 3), line);
            int tsval = Integer.parseInt(cef.ext.get("cn1"));
            DropEvent e = TestEvents.event(tsval);
            assertEquals(e.getReason().name(), cef.header.get(4), line);
            assertEquals(e.getSrcAddr(), cef.ext.get("src"), line);
            assertEquals(Integer.toString(e.getSrcPort()), cef.ext.get("spt"), line);
            assertEquals(e.getDstAddr(), cef.ext.get("dst"), line);
            assertEquals(Integer.toString(e.getDstPort()), cef.ext.get("dpt"), line);
            assertEquals("tsval", cef.ext.get("cn1Label"));
            assertTrue(cef.ext.get("externalId").startsWith("syslog-agent:"), line);
            assertEquals(null, byTsval.put(tsval, line), "duplicate in " + what);
        }
        assertEquals(n, byTsval.size());
    }
}
