package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.Sink;
import io.syndrop.sink.Sinks;
import io.syndrop.metrics.Metrics;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Shell;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
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
 * The route to a real rsyslogd black-holes in the middle of the stream (an iptables DROP in the
 * receiver's network namespace, reached over a veth pair the test creates) and comes back: while
 * it is down nothing more is acknowledged to the agent, the sink is reported stalled and keeps
 * trying to reconnect, and once the rule is gone the collector recovers by itself and rsyslog ends
 * with every event. Needs root (namespaces, iptables) and rsyslog; fails loudly without them.
 */
class BlackHoledSinkTest {
    private static final Pattern EXTERNAL_ID = Pattern.compile("externalId=(\\S+)");

    @TempDir
    Path tmp;

    @Test
    void dropRuleMidStreamThenRemovedEveryEventReachesRsyslog() throws Exception {
        int before = 800;
        int during = 1200;
        int n = before + during;
        // 198.18.0.0/15 is for benchmarks (RFC 2544): nothing real on this machine uses it.
        long pid = ProcessHandle.current().pid();
        String net = "198.18." + (pid % 250 + 1);
        String hostIf = "sdtsink" + pid % 100000;
        try (Netns ns = Netns.create("sinkrx")) {
            try {
                Shell.check("ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", ns.name());
                Shell.check("ip", "addr", "add", net + ".1/30", "dev", hostIf);
                Shell.check("ip", "link", "set", hostIf, "up");
                ns.exec("ip", "addr", "add", net + ".2/30", "dev", "eth0").orThrow();
                ns.exec("ip", "link", "set", "eth0", "up").orThrow();
                try (Rsyslog rs = Rsyslog.start(tmp.resolve("rsyslog"), null, net + ".2", ns)) {
                    run(ns, rs, net + ".2", before, during, n);
                }
            } finally {
                Shell.run(List.of("ip", "link", "del", hostIf)); // also goes with the namespace; this is for a failed setup
            }
        }
    }

    private void run(Netns ns, Rsyslog rs, String rsAddr, int before, int during, int n) throws Exception {
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        Path json = tmp.resolve("events.json");
        Sink syslog = Sinks.open("syslog+tcp://" + rsAddr + ":" + rs.tcpPort + "?timeout=2s", false, System.out);
        String sl = "sink=\"" + syslog.name() + "\"";
        List<String> drop = List.of("INPUT", "-p", "tcp", "--dport", Integer.toString(rs.tcpPort), "-j", "DROP");
        try (CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null, null, 0, tmp.resolve("state"), 0),
                List.of(new JsonFileSink(json, System.out, false, 0, null), syslog), cm);
             Agent a = new Agent(WireTestKit.agentConfig("blackhole", c.port(), tmp.resolve("spool")), am)) {
            for (int i = 0; i < before; i++) {
                a.pipeline().offer(TestEvents.event(i));
            }
            WireTestKit.await("first part acknowledged", 60_000, () -> am.value("syndrop_agent_acknowledged_total") == before);

            ns.exec(java.time.Duration.ofSeconds(20), concat("iptables", "-I", drop)).orThrow();
            for (int i = before; i < n; i++) {
                a.pipeline().offer(TestEvents.event(i));
            }
            WireTestKit.await("sink stalled and failing to reconnect", 120_000,
                    () -> cm.value("syndrop_collector_sink_stalls_total", sl) >= 1 && cm.value("syndrop_collector_sink_errors_total", sl) >= 3);
            assertEquals(0, cm.value("syndrop_collector_sink_up", sl));
            assertEquals(before, am.value("syndrop_agent_acknowledged_total"), "nothing acknowledged while the receiver cannot take it");
            long dropped = Long.parseLong(ns.exec("iptables", "-L", "INPUT", "-v", "-n", "-x").orThrow().stdout().lines()
                    .filter(l -> l.contains("DROP")).findFirst().orElseThrow().trim().split("\\s+")[0]);
            assertTrue(dropped > 0, "the rule dropped packets: " + dropped);

            ns.exec(java.time.Duration.ofSeconds(20), concat("iptables", "-D", drop)).orThrow();
            WireTestKit.await("all acknowledged after the route came back", 180_000, () -> am.value("syndrop_agent_acknowledged_total") == n);
            assertEquals(1, cm.value("syndrop_collector_sink_up", sl));
            assertTrue(cm.value("syndrop_collector_sink_reconnects_total", sl) >= 1);
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
        Set<Long> seqs = new HashSet<>();
        for (String id : ids) {
            seqs.add(Long.parseLong(id.substring(id.lastIndexOf(':') + 1)));
        }
        for (long s = 1; s <= n; s++) {
            assertTrue(seqs.contains(s), "seq " + s + " reached rsyslog");
        }
        assertEquals(n, TestEvents.dropLines(json), "JSON sink: every event exactly once");
        System.out.println("black-holed sink: " + Rsyslog.lines(rs.out).size() + " lines in rsyslog for " + n + " events; stalls "
                + cm.value("syndrop_collector_sink_stalls_total", sl) + ", errors " + cm.value("syndrop_collector_sink_errors_total", sl)
                + ", reconnects " + cm.value("syndrop_collector_sink_reconnects_total", sl));
    }

    private static List<String> concat(String cmd, String op, List<String> rule) {
        List<String> l = new java.util.ArrayList<>(List.of(cmd, op));
        l.addAll(rule);
        return l;
    }
}
