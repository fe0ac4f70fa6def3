package io.syndrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's scenario, as a new user meets it: a listener with backlog 2 in a namespace other
 * than syndrop's own (as every pod has) overflows, and `watch` and `doctor`, given no --netns,
 * must see it, name the namespace and agree with its counters. One namespace has a name under
 * /var/run/netns (`ip netns add`), the other only a process in it (as a container runtime leaves it).
 */
class PodNamespacesIT {
    private static final Pattern GAP = Pattern.compile("UNATTRIBUTED (\\d+) listener drop\\(s\\) in (.+?) \\(TcpExt:ListenDrops");
    private static final String LISTEN_DROPS = "TcpExt:ListenDrops";
    private static final String LISTEN_OVERFLOWS = "TcpExt:ListenOverflows";

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    /** A backlog-2 listener on loopback that never accepts, and the clients that overflow it. */
    private static final class Overflow implements AutoCloseable {
        final ServerSocketChannel server;
        final List<SocketChannel> clients = new ArrayList<>();

        Overflow(ServerSocketChannel server) {
            this.server = server;
        }

        static ServerSocketChannel listen() throws Exception {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2);
            return s;
        }

        /** Runs on a thread inside the listener's namespace. */
        Void burst(int n) throws Exception {
            InetSocketAddress to = (InetSocketAddress) server.getLocalAddress();
            for (int i = 0; i < n; i++) {
                SocketChannel c = SocketChannel.open();
                c.configureBlocking(false);
                c.connect(to);
                clients.add(c);
            }
            return null;
        }

        void stopClients() throws Exception {
            for (SocketChannel c : clients) {
                c.close();
            }
            clients.clear();
        }

        @Override
        public void close() throws Exception {
            stopClients();
            server.close();
        }
    }

    private static String namedLabel(Netns ns) {
        return "netns " + ns.name() + " (ino " + ns.inode() + ")";
    }

    @Test
    void watchReportsTheDropsOfEveryNamespaceWithListenersNamingEach() throws Exception {
        try (Netns named = Netns.create("podwatch");
             UnnamedNetns unnamed = UnnamedNetns.start();
             Overflow a = new Overflow(named.call(Overflow::listen));
             Overflow b = new Overflow(unnamed.call(Overflow::listen));
             JarProcess watch = JarProcess.start(null, "watch", "--backend", "tracepoint", "--json")) {
            watch.awaitStderr(s -> s.startsWith("attached:"), Duration.ofSeconds(60));
            watch.awaitStderr(s -> s.contains("tracepoint mode cannot see SYNs dropped inside tcp_conn_request"), Duration.ofSeconds(10));
            String watching = watch.awaitStderr(s -> s.contains("watching the counters of"), Duration.ofSeconds(30));
            assertTrue(watching.contains(namedLabel(named)) && watching.contains(unnamed.label()), watching);

            long dropsA0 = Nstat.read(named).get(LISTEN_DROPS);
            long dropsB0 = unnamed.counter(LISTEN_DROPS);
            named.call(() -> a.burst(8));
            unnamed.call(() -> b.burst(8));
            Thread.sleep(4000); // SYN retransmissions are dropped again
            a.stopClients();
            b.stopClients();
            Thread.sleep(1000);
            long dropsA = Nstat.read(named).get(LISTEN_DROPS) - dropsA0;
            long dropsB = unnamed.counter(LISTEN_DROPS) - dropsB0;
            assertTrue(dropsA > 0 && dropsB > 0, "both accept queues overflowed: " + dropsA + ", " + dropsB);

            long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while ((unattributed(watch, namedLabel(named)) < dropsA || unattributed(watch, unnamed.label()) < dropsB)
                    && System.nanoTime() < end) {
                Thread.sleep(200);
            }
            Thread.sleep(2500); // one more sampling tick: nothing may be reported twice
            // Drops the tracepoint does see in these namespaces are events, not UNATTRIBUTED lines.
            long eventsA = listenerEvents(watch.logText(), named.inode());
            long eventsB = listenerEvents(watch.logText(), unnamed.inode());
            assertEquals(dropsA, unattributed(watch, namedLabel(named)) + eventsA,
                    "the named namespace's ListenDrops are all accounted for, once: " + watch.stderrSoFar());
            assertEquals(dropsB, unattributed(watch, unnamed.label()) + eventsB,
                    "the unnamed namespace's ListenDrops are all accounted for, once: " + watch.stderrSoFar());
        }
    }

    private static final Pattern COUNTER_LINE = Pattern.compile("COUNTERS (\\S+)\\s+\\+(\\d+) \\([^)]*\\) in (.+)$");

    /** Pods come and go while watch runs: a namespace that appears later is found, and one that goes is let go. */
    @Test
    void countersModeFollowsNamespacesThatComeAndGo() throws Exception {
        try (JarProcess watch = JarProcess.start(null, "watch", "--backend", "counters")) {
            watch.awaitStderr(s -> s.contains("counters mode sees counter changes only"), Duration.ofSeconds(60));
            watch.awaitStderr(s -> s.contains("watching the counters of"), Duration.ofSeconds(30));
            String label;
            long drops;
            try (UnnamedNetns pod = UnnamedNetns.start();
                 Overflow o = new Overflow(pod.call(Overflow::listen))) {
                label = pod.label();
                String found = watch.awaitStderr(s -> s.contains("now also watching") && s.contains(pod.label()),
                        Duration.ofSeconds(30));
                assertTrue(found.contains(pod.label()), found);
                long before = pod.counter(LISTEN_DROPS);
                pod.call(() -> o.burst(8));
                Thread.sleep(4000);
                o.stopClients();
                Thread.sleep(1000);
                drops = pod.counter(LISTEN_DROPS) - before;
                assertTrue(drops > 0, "the accept queue overflowed");
                long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (counted(watch, LISTEN_DROPS, label) < drops && System.nanoTime() < end) {
                    Thread.sleep(200);
                }
                Thread.sleep(1500); // one more sampling tick: nothing may be reported twice
                assertEquals(drops, counted(watch, LISTEN_DROPS, label), watch.logText());
            }
            String gone = watch.awaitStderr(s -> s.contains(label) && (s.contains("no longer watching") || s.contains("stopped watching")),
                    Duration.ofSeconds(30));
            assertTrue(gone.contains(label), gone);
        }
    }

    private static long counted(JarProcess watch, String counter, String label) {
        long n = 0;
        for (String line : watch.logText().split("\n")) {
            Matcher m = COUNTER_LINE.matcher(line);
            if (m.find() && m.group(1).equals(counter) && m.group(3).equals(label)) {
                n += Long.parseLong(m.group(2));
            }
        }
        return n;
    }

    /** The sum of the UNATTRIBUTED lines so far that name this namespace. */
    private static long unattributed(JarProcess watch, String label) {
        long n = 0;
        for (String line : watch.stderrSoFar().split("\n")) {
            Matcher m = GAP.matcher(line);
            if (m.find() && m.group(2).equals(label)) {
                n += Long.parseLong(m.group(1));
            }
        }
        return n;
    }

    private static long listenerEvents(String output, long netnsIno) {
        long n = 0;
        for (String line : output.split("\n")) {
            if (line.startsWith("{") && line.contains("\"reason\"")) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                String reason = o.get("reason").getAsString();
                if (o.get("netnsIno").getAsLong() == netnsIno && List.of("PEER_UNPROVEN", "SYN_QUEUE_FULL",
                        "ACCEPT_QUEUE_FULL", "CONN_REQUEST_OTHER", "PAWS_PASSIVE_REJECTED").contains(reason)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void doctorChecksEveryNamespaceWithListenersAndNamesTheOneThatOverflowed(@TempDir Path tmp) throws Exception {
        try (Netns named = Netns.create("poddoc");
             UnnamedNetns unnamed = UnnamedNetns.start();
             Overflow a = new Overflow(named.call(Overflow::listen));
             Overflow b = new Overflow(unnamed.call(Overflow::listen))) {
            Path out = tmp.resolve("doctor.json");
            Process doctor = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", JarProcess.jar().toString(), "doctor", "--duration", "20s", "--json")
                    .redirectOutput(out.toFile()).start();
            BlockingQueue<String> err = new LinkedBlockingQueue<>();
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(doctor.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        err.add(l);
                    }
                } catch (java.io.IOException ignored) {
                    // the process ended
                }
            });
            pump.setDaemon(true);
            pump.start();
            try {
                String sampling = null;
                List<String> seen = new ArrayList<>();
                while (sampling == null) {
                    String l = err.poll(60, TimeUnit.SECONDS);
                    assertTrue(l != null, "doctor did not start sampling: " + seen);
                    seen.add(l);
                    sampling = l.contains("sampling the counters of") ? l : null;
                }
                assertTrue(sampling.contains(namedLabel(named)) && sampling.contains(unnamed.label()), sampling);

                Nstat a0 = Nstat.read(named);
                long bOverflows0 = unnamed.counter(LISTEN_OVERFLOWS);
                long bDrops0 = unnamed.counter(LISTEN_DROPS);
                named.call(() -> a.burst(8));
                Thread.sleep(4000);
                a.stopClients();
                Thread.sleep(1000);
                Nstat a1 = Nstat.read(named);
                if (!doctor.waitFor(60, TimeUnit.SECONDS)) {
                    fail("doctor did not finish; its stderr: " + String.join("\n", err) + "\nits threads:\n"
                            + JarProcess.threadDump(doctor));
                }
                assertEquals(0, doctor.exitValue(), String.join("\n", err));
                long overflowsA = a1.minus(a0).get(LISTEN_OVERFLOWS);
                long dropsA = a1.minus(a0).get(LISTEN_DROPS);
                assertTrue(overflowsA > 0, "the named namespace's accept queue overflowed");
                assertEquals(bOverflows0, unnamed.counter(LISTEN_OVERFLOWS), "the other namespace was left alone");
                assertEquals(bDrops0, unnamed.counter(LISTEN_DROPS));

                JsonObject o = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
                assertFalse(o.get("healthy").getAsBoolean(), o.toString());
                JsonObject finding = null;
                for (JsonElement f : o.getAsJsonArray("findings")) {
                    JsonObject fo = f.getAsJsonObject();
                    if (fo.get("id").getAsString().equals("accept-queue-overflow")
                            && fo.has("netns") && fo.get("netns").getAsString().equals(namedLabel(named))) {
                        finding = fo;
                    }
                    assertFalse(fo.has("netns") && fo.get("netns").getAsString().equals(unnamed.label()),
                            "no finding for the namespace that dropped nothing: " + fo);
                }
                assertTrue(finding != null, "accept-queue-overflow named after " + namedLabel(named) + ": " + o);
                Map<String, Long> evidence = new HashMap<>();
                for (JsonElement c : finding.getAsJsonObject("evidence").getAsJsonArray("counters")) {
                    evidence.put(c.getAsJsonObject().get("name").getAsString(), c.getAsJsonObject().get("delta").getAsLong());
                }
                assertEquals(overflowsA, evidence.get(LISTEN_OVERFLOWS), "the finding's ListenOverflows is the namespace's own");
                assertEquals(dropsA, evidence.get(LISTEN_DROPS), "the finding's ListenDrops is the namespace's own");
                Map<String, Boolean> checked = new HashMap<>();
                for (JsonElement n : o.getAsJsonArray("namespaces")) {
                    checked.put(n.getAsJsonObject().get("netns").getAsString(), n.getAsJsonObject().get("checked").getAsBoolean());
                }
                assertEquals(Boolean.TRUE, checked.get(namedLabel(named)), checked.toString());
                assertEquals(Boolean.TRUE, checked.get(unnamed.label()), checked.toString());
                assertEquals(Boolean.TRUE, checked.get("host"), checked.toString());
            } finally {
                doctor.destroyForcibly();
            }
        }
    }
}
