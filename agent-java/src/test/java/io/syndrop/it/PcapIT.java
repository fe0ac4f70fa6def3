package io.syndrop.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.demo.CloseFirstServer;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.Syn;
import io.syndrop.demo.SynCrafter;
import io.syndrop.demo.Topology;
import io.syndrop.pcap.Tshark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dropped packet in Wireshark's hands, end to end on this host's kernel (tracepoint mode):
 * crafted SYNs rejected by PAWS on a server-side TIME-WAIT socket in namespaces the test builds,
 * seen by `syndrop watch --pcap` (written off the drain thread) and by `syndrop agent --pcap`
 * (after its spool) publishing to `syndrop collect --sink pcapng:`. tshark reads all three files:
 * each packet's source, ports and TSval equal the event's, its comment names the reason, and the
 * packet counts equal the events and the server namespace's TcpExt:PAWSTimewait.
 */
class PcapIT {
    private static final int SYNS = 3;
    /** How long watch and agent run after attaching: the scenario takes a few seconds of it. */
    private static final int RUN_SECONDS = 30;
    private static final String[] FIELDS = {"ip.src", "tcp.srcport", "tcp.dstport", "tcp.options.timestamp.tsval", "frame.comment",
            "frame.interface_name"};

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void timeWaitPawsSynsReachTsharkFromWatchAgentAndTheCollectorsSink(@TempDir Path dir) throws Exception {
        Path watchPcap = dir.resolve("watch.pcapng");
        Path agentPcap = dir.resolve("agent.pcapng");
        Path sinkPcap = dir.resolve("sink.pcapng");
        int collectorPort = freePort();
        try (Topology t = Topology.pair().build();
             CloseFirstServer server = CloseFirstServer.start(t.server(), t.serverAddress(), 0);
             JarProcess collector = JarProcess.start(null, "collect", "--listen", "127.0.0.1:" + collectorPort, "--insecure",
                     "--sink", "pcapng://" + sinkPcap + "?max-bytes=1M&max-total=4M", "--dedupe-dir", dir.resolve("state").toString())) {
            String port = Integer.toString(server.port());
            collector.awaitStderr(l -> l.contains("listening on port"), Duration.ofSeconds(90));
            try (JarProcess watch = JarProcess.start(null, "watch", "--json", "--backend", "tracepoint", "--port", port, "--pcap", watchPcap.toString(),
                    "--duration", RUN_SECONDS + "s");
                 JarProcess agent = JarProcess.start(null, "agent", "--collector", "127.0.0.1:" + collectorPort, "--insecure",
                         "--backend", "tracepoint", "--port", port, "--spool-dir", dir.resolve("spool").toString(),
                         "--counters-interval", "1h", "--print", "--json", "--pcap", agentPcap.toString(), "--duration", RUN_SECONDS + "s")) {
                watch.awaitStderr(l -> l.startsWith("attached: "), Duration.ofSeconds(120));
                agent.awaitStderr(l -> l.startsWith("attached: "), Duration.ofSeconds(120));
                CloseFirstServer.TimeWaitConnection tw = server.connectAndLeaveTimeWait(t.client(), t.clientAddress(), 0);
                SynCrafter.dropOutgoingRsts(t.client());
                int clientPort = tw.client().getPort();
                long tsval = (tw.lastClientTsVal() - 1000) & 0xffffffffL;
                Nstat before = Nstat.read(t.server());
                try (SynCrafter c = SynCrafter.open(t.client(), t.clientAddress())) {
                    for (int i = 0; i < SYNS; i++) {
                        c.send(new Syn(t.serverAddress(), server.port(), clientPort, 0x12345678L + i, tsval, 0, 29200, false));
                        Thread.sleep(200);
                    }
                }
                List<JsonObject> watched = events(watch, SYNS);
                List<JsonObject> agented = events(agent, SYNS);
                Map<String, Long> delta = Nstat.read(t.server()).minus(before).nonZero();
                assertEquals((long) SYNS, delta.getOrDefault("TcpExt:PAWSTimewait", 0L), "the kernel's count: " + delta);
                for (JsonObject e : watched) {
                    assertEquals("TIMEWAIT_PAWS", e.get("reason").getAsString(), e.toString());
                    assertEquals(t.clientAddress().getHostAddress(), e.get("srcAddr").getAsString());
                    assertEquals(clientPort, e.get("srcPort").getAsInt());
                    assertEquals(tsval, e.get("tsval").getAsLong());
                }
                awaitSize(sinkPcap, Duration.ofSeconds(30));
                Thread.sleep(1500); // the recorders sync once a second; a duplicate in the sink would show by now
                // watch and agent are stopped (SIGTERM) before their files are read: close() writes what is queued.
                // Both end by themselves (--duration), each closing its capture as a run's end does.
                assertEquals(0, watch.waitFor(RUN_SECONDS * 1000L + 60_000), watch.stderrSoFar());
                assertEquals(0, agent.waitFor(RUN_SECONDS * 1000L + 60_000), agent.stderrSoFar());
                // The process is gone; its last lines may still be on their way through the pipe.
                String told = "";
                for (long end = System.nanoTime() + 15_000_000_000L; System.nanoTime() < end && !told.contains("syndrop watch: pcap: "); ) {
                    Thread.sleep(200);
                    told = watch.stderrSoFar();
                }
                assertTrue(told.contains("syndrop watch: pcap: " + SYNS + " packet(s) written to " + watchPcap), told);
                assertFile(watchPcap, watched.get(0), t, clientPort, tsval);
                assertFile(agentPcap, agented.get(0), t, clientPort, tsval);
                assertFile(sinkPcap, agented.get(0), t, clientPort, tsval);
            }
        }
    }

    private static void assertFile(Path f, JsonObject event, Topology t, int clientPort, long tsval) throws Exception {
        List<Map<String, String>> rows = Tshark.read(f, FIELDS);
        assertEquals(SYNS, rows.size(), f + ": one packet per drop: " + rows);
        for (Map<String, String> r : rows) {
            assertEquals(event.get("srcAddr").getAsString(), r.get("ip.src"), f + ": " + r);
            assertEquals(t.clientAddress().getHostAddress(), r.get("ip.src"));
            assertEquals(String.valueOf(clientPort), r.get("tcp.srcport"));
            assertEquals(event.get("srcPort").getAsString(), r.get("tcp.srcport"));
            assertEquals(event.get("dstPort").getAsString(), r.get("tcp.dstport"));
            assertEquals(Long.toString(tsval), r.get("tcp.options.timestamp.tsval"));
            assertEquals(event.get("tsval").getAsString(), r.get("tcp.options.timestamp.tsval"));
            String c = r.get("frame.comment");
            assertTrue(c.contains("reason=TIMEWAIT_PAWS"), f + ": " + c);
            assertTrue(c.contains("cached_ts=" + event.get("cachedTs").getAsString()), f + ": " + c);
            assertTrue(r.get("frame.interface_name").endsWith("@netns:" + t.server().inode()), f + ": " + r);
        }
    }

    /** The first n drop events a process printed as JSON lines. */
    private static List<JsonObject> events(JarProcess p, int n) throws Exception {
        List<JsonObject> out = new ArrayList<>();
        while (out.size() < n) {
            String line = p.awaitStdout(l -> l.startsWith("{") && l.contains("\"reason\"") && out.stream().noneMatch(o -> o.toString().equals(JsonParser.parseString(l).toString())),
                    Duration.ofSeconds(30));
            out.add(JsonParser.parseString(line).getAsJsonObject());
        }
        return out;
    }

    private static void awaitSize(Path f, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (Files.exists(f) && Tshark.read(f, "ip.src").size() >= SYNS) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(f + " did not get " + SYNS + " packets in " + timeout);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
