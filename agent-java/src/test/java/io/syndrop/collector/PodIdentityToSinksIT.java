package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.demo.CloseFirstServer;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.Syn;
import io.syndrop.demo.SynCrafter;
import io.syndrop.demo.Topology;
import io.syndrop.identity.BusyboxImage;
import io.syndrop.identity.ContainerEngineExtension;
import io.syndrop.identity.NonBlockingClients;
import io.syndrop.it.JarProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14 end to end with real processes: a pod's container (the test's own containerd, namespace
 * k8s.io, the kubelet's labels) in the test bed's server namespace, a listener in it that never
 * accepts; `syndrop agent` processes (tracepoint probes, that namespace, that containerd) publish to
 * `syndrop collect` processes whose JSON sink, ECS JSON sink (`--ecs`) and syslog/CEF sink into a
 * real rsyslogd get the drops. Final-ACK accept-queue overflows name the pod, the container and the
 * listening process; TIME-WAIT PAWS drops (crafted SYNs with an older TSval on a 4-tuple the server
 * closed first) and closed-port drops have no listener: they name the pod from the namespace and no
 * process. Each kind is reconciled with the namespace's kernel counters (ListenOverflows,
 * PAWSTimewait, OutRsts). After the container is removed, no sink sees its name on later drops.
 *
 * <p>Two agent/collector pairs because `--ecs` is per collector: A writes JSON and CEF, B writes ECS.
 * The TIME-WAIT server is a thread of this JVM in the pod's namespace: a TIME-WAIT socket belongs to
 * the namespace, not to a process, so it is the namespace that must name the pod.
 */
class PodIdentityToSinksIT {

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withContainerd();

    private static final String UID = "0d1c2b3a-4f5e-4a6b-9c8d-7e6f5a4b3c2d";
    private static final String POD_NS = "ingress-nginx";
    private static final String POD = "ingress-nginx-controller-7d9";
    private static final String CONTAINER = "controller";
    private static final String CID = "controller-e2e";
    private static final int PORT = 8080;
    private static final int CLOSED = 8081;
    private static final int AFTER_REMOVAL = 8082;
    private static final int BACKLOG = 4;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void podContainerAndProcessReachJsonEcsAndCefAndReconcileWithTheKernel() throws Exception {
        Path dir = Files.createDirectories(engines.work().resolve("run"));
        Path plain = dir.resolve("events.json");
        Path ecs = dir.resolve("ecs.json");
        int portA = Rsyslog.freePort();
        int portB = Rsyslog.freePort();
        try (Topology t = Topology.pair().build();
             Rsyslog rs = Rsyslog.start(dir.resolve("rsyslog"), null);
             JarProcess collectorA = JarProcess.startLogged(dir.resolve("collector-a.log"), "collect",
                     "--listen", "127.0.0.1:" + portA, "--insecure", "--sink", "json:" + plain,
                     "--sink", "syslog+tcp://127.0.0.1:" + rs.tcpPort, "--dedupe-dir", dir.resolve("dedupe-a").toString());
             JarProcess collectorB = JarProcess.startLogged(dir.resolve("collector-b.log"), "collect", "--ecs",
                     "--listen", "127.0.0.1:" + portB, "--insecure", "--sink", "json:" + ecs,
                     "--dedupe-dir", dir.resolve("dedupe-b").toString())) {
            engines.containerd().ctr("k8s.io", "run", "-d", "--with-ns", "network:" + t.server().path(),
                    "--label", "io.kubernetes.pod.namespace=" + POD_NS, "--label", "io.kubernetes.pod.name=" + POD,
                    "--label", "io.kubernetes.pod.uid=" + UID, "--label", "io.kubernetes.container.name=" + CONTAINER,
                    BusyboxImage.REF, CID, "/bin/" + BusyboxImage.LISTENER, Integer.toString(PORT),
                    Integer.toString(BACKLOG));
            int pid = engines.containerd().taskPid("k8s.io", CID);
            awaitListening(t.server(), PORT);
            collectorA.awaitStderr(l -> l.contains("listening on port"), Duration.ofSeconds(60));
            collectorB.awaitStderr(l -> l.contains("listening on port"), Duration.ofSeconds(60));
            try (JarProcess agentA = agent(dir, "a", portA, t.server());
                 JarProcess agentB = agent(dir, "b", portB, t.server())) {
                List<JsonObject> seen = new ArrayList<>(); // agent A's printed events, in order

                // 1. final-ACK accept-queue overflow: named pod, container and listening process
                Nstat before = Nstat.read(t.server());
                List<SocketChannel> clients = overflow(t);
                JsonObject named = awaitEvent(agentA, seen, e -> str(e, "reason").equals("ACCEPT_QUEUE_FULL")
                        && pid(e) != 0, Duration.ofSeconds(40));
                for (SocketChannel c : clients) {
                    c.setOption(StandardSocketOptions.SO_LINGER, 0); // RST: ends the server's requests, no more overflows
                    c.close();
                }
                long overflows = settle(t.server(), before, "TcpExt:ListenOverflows");
                awaitCount(agentA, seen, "ACCEPT_QUEUE_FULL", reason("ACCEPT_QUEUE_FULL"), overflows);
                assertEquals(pid, named.get("processPid").getAsInt(), named.toString());
                assertEquals("listen_never_ac", str(named, "processComm"), named.toString());
                assertPod(named);

                // 2. closed port: the pod from the namespace, no process; one RST per SYN
                before = Nstat.read(t.server());
                for (int i = 0; i < 3; i++) {
                    closedPort(t, CLOSED);
                }
                long rsts = settle(t.server(), before, "Tcp:OutRsts");
                assertEquals(3, rsts, "one RST per SYN to the closed port: " + Nstat.read(t.server()).minus(before));
                awaitCount(agentA, seen, "drops at closed port " + CLOSED, port(CLOSED), rsts);

                // 3. TIME-WAIT PAWS from crafted SYNs: the pod from the namespace, no process
                try (CloseFirstServer tw = CloseFirstServer.start(t.server(), t.serverAddress(), 0)) {
                    CloseFirstServer.TimeWaitConnection c = tw.connectAndLeaveTimeWait(t.client(), t.clientAddress(), 0);
                    assertTrue(c.lastClientTsVal() > 100, "client TSval known: " + c);
                    SynCrafter.dropOutgoingRsts(t.client());
                    before = Nstat.read(t.server());
                    try (SynCrafter crafter = SynCrafter.open(t.client(), t.clientAddress())) {
                        for (int i = 0; i < 3; i++) {
                            crafter.send(Syn.to(t.serverAddress(), tw.port(), c.client().getPort(), 1000 + i,
                                    (c.lastClientTsVal() - 1000 + i) & 0xffffffffL));
                        }
                    }
                    long paws = settle(t.server(), before, "TcpExt:PAWSTimewait");
                    assertEquals(3, paws, "kernel counters: " + Nstat.read(t.server()).minus(before));
                    awaitCount(agentA, seen, "TIMEWAIT_PAWS", reason("TIMEWAIT_PAWS"), paws);
                }
                for (JsonObject e : seen) {
                    if (port(CLOSED).test(e) || reason("TIMEWAIT_PAWS").test(e)) {
                        assertPod(e);
                        assertTrue(pid(e) == 0 && str(e, "processComm").isEmpty()
                                && (str(e, "listenerIno").isEmpty() || str(e, "listenerIno").equals("0")),
                                "no listener, no process: " + e);
                    }
                }

                // 4. the container goes: later drops in its namespace name nobody, in every sink
                engines.containerd().remove("k8s.io", CID);
                long end = System.nanoTime() + WAIT.toNanos();
                while (true) {
                    closedPort(t, CLOSED);
                    JsonObject e = awaitEvent(agentA, seen, x -> x.get("dstPort").getAsInt() == CLOSED,
                            Duration.ofSeconds(10));
                    if (str(e, "podName").isEmpty()) {
                        break;
                    }
                    assertTrue(System.nanoTime() < end, "drops still name the removed pod after " + WAIT + ": " + e);
                    Thread.sleep(300);
                }
                for (int i = 0; i < 3; i++) {
                    closedPort(t, AFTER_REMOVAL);
                }

                // every sink: the same events, the same names
                awaitEvent(agentA, seen, x -> false, Duration.ofSeconds(3)); // the rest agent A printed
                int n = countIn(seen, null);
                List<JsonObject> inPlain = awaitLines(plain, n, o -> o.has("reason"));
                List<JsonObject> inEcs = awaitLines(ecs, n, o -> o.has("event")
                        && "event".equals(o.getAsJsonObject("event").get("kind").getAsString()));
                List<CefParser> inCef = awaitCef(rs, n);
                assertEquals(n, inPlain.size(), "JSON sink: each of agent A's events once");
                assertEquals(n, inEcs.size(), "ECS sink: each event once (agent B sees the same drops)");
                assertEquals(n, inCef.size(), "rsyslog: each event once");
                checkPlain(inPlain, pid);
                checkEcs(inEcs, pid);
                checkCef(inCef, pid);
            }
        }
    }

    // ---- the sinks

    private static void checkPlain(List<JsonObject> events, int pid) {
        int named = 0;
        for (JsonObject e : events) {
            int port = e.get("dstPort").getAsInt();
            if (port == AFTER_REMOVAL) {
                assertTrue(str(e, "podName").isEmpty() && str(e, "containerId").isEmpty()
                        && str(e, "containerName").isEmpty(), "stale name: " + e);
            } else if (str(e, "reason").equals("ACCEPT_QUEUE_FULL") && pid(e) != 0) {
                assertEquals(pid, e.get("processPid").getAsInt(), e.toString());
                assertEquals("listen_never_ac", str(e, "processComm"), e.toString());
                assertPod(e);
                named++;
            } else if (!str(e, "reason").equals("ACCEPT_QUEUE_FULL") && port != CLOSED) {
                assertPod(e); // TIME-WAIT
                assertEquals(0, pid(e), "no process: " + e);
            }
        }
        assertTrue(named > 0, "a named listener drop in the JSON sink: " + events);
    }

    private static void checkEcs(List<JsonObject> events, int pid) {
        int named = 0;
        int afterRemoval = 0;
        int timeWait = 0;
        for (JsonObject e : events) {
            String flat = e.toString();
            int port = e.getAsJsonObject("destination").get("port").getAsInt();
            JsonElement process = e.get("process");
            JsonElement orch = e.get("orchestrator");
            JsonElement container = e.get("container");
            if (port == AFTER_REMOVAL) {
                assertTrue(orch == null && container == null && process == null, "stale name in ECS: " + e);
                afterRemoval++;
            } else if (process != null) {
                JsonObject p = process.getAsJsonObject();
                assertEquals(pid, p.get("pid").getAsInt(), flat);
                assertEquals("listen_never_ac", p.get("name").getAsString(), flat);
                assertEcsPod(e);
                named++;
            } else if ("TIMEWAIT_PAWS".equals(e.getAsJsonObject("event").get("reason").getAsString())) {
                assertEcsPod(e);
                timeWait++;
            }
        }
        assertTrue(named > 0 && timeWait == 3 && afterRemoval == 3,
                "ECS: named " + named + ", TIME-WAIT " + timeWait + ", after removal " + afterRemoval + ": " + events);
    }

    private static void assertEcsPod(JsonObject e) {
        JsonObject o = e.getAsJsonObject("orchestrator");
        JsonObject c = e.getAsJsonObject("container");
        assertTrue(o != null && c != null, "pod and container in ECS: " + e);
        assertEquals(POD_NS, o.get("namespace").getAsString(), e.toString());
        assertEquals(POD, o.getAsJsonObject("resource").get("name").getAsString(), e.toString());
        assertEquals(UID, o.getAsJsonObject("resource").get("id").getAsString(), e.toString());
        assertEquals(CID, c.get("id").getAsString(), e.toString());
        assertEquals(CONTAINER, c.get("name").getAsString(), e.toString());
    }

    private static void checkCef(List<CefParser> events, int pid) {
        int named = 0;
        int noProcess = 0;
        for (CefParser c : events) {
            Map<String, String> x = c.ext;
            String port = x.get("dpt");
            if (port.equals(Integer.toString(AFTER_REMOVAL))) {
                assertFalse(x.containsKey("cs3") || x.containsKey("cs4") || x.containsKey("cs5"), "stale name in CEF: " + x);
                continue;
            }
            if (x.containsKey("dpid")) {
                assertEquals(Integer.toString(pid), x.get("dpid"), x.toString());
                assertEquals("listen_never_ac", x.get("dproc"), x.toString());
                named++;
            } else if (!c.header.get(4).equals("ACCEPT_QUEUE_FULL")) {
                noProcess++;
            }
            if (x.containsKey("dpid") || c.header.get(4).equals("TIMEWAIT_PAWS")) {
                assertEquals("containerId", x.get("cs3Label"), x.toString());
                assertEquals(CID, x.get("cs3"), x.toString());
                assertEquals("pod", x.get("cs4Label"), x.toString());
                assertEquals(POD_NS + "/" + POD, x.get("cs4"), x.toString());
                assertEquals("containerName", x.get("cs5Label"), x.toString());
                assertEquals(CONTAINER, x.get("cs5"), x.toString());
            }
        }
        assertTrue(named > 0 && noProcess >= 6, "CEF: named " + named + ", without process " + noProcess);
    }

    private static List<JsonObject> awaitLines(Path f, int n, Predicate<JsonObject> event) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        List<JsonObject> out = read(f, event);
        while (out.size() < n && System.nanoTime() < end) {
            Thread.sleep(200);
            out = read(f, event);
        }
        Thread.sleep(1000); // a duplicate would show now
        return read(f, event);
    }

    private static List<JsonObject> read(Path f, Predicate<JsonObject> event) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f)) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                if (event.test(o)) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    private static List<CefParser> awaitCef(Rsyslog rs, int n) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (cef(rs).size() < n && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        Thread.sleep(1000);
        return cef(rs);
    }

    private static List<CefParser> cef(Rsyslog rs) throws IOException {
        List<CefParser> out = new ArrayList<>();
        for (String line : Rsyslog.lines(rs.out)) {
            String[] f = line.split("\\|", 6);
            if (f.length == 6 && f[5].contains("CEF:")) {
                CefParser c = CefParser.parse(f[5].substring(f[5].indexOf("CEF:")));
                if (c.ext.containsKey("dpt")) { // a drop, not a counter sample or a loss
                    out.add(c);
                }
            }
        }
        return out;
    }

    // ---- the agent and its printed events

    private static JarProcess agent(Path dir, String id, int collectorPort, Netns ns) throws Exception {
        JarProcess a = JarProcess.startLogged(dir.resolve("agent-" + id + ".log"), "agent", "--collector",
                "127.0.0.1:" + collectorPort, "--insecure", "--agent-id", "pod-e2e-" + id, "--backend", "tracepoint",
                "--netns", ns.name(), "--containerd-socket", engines.containerd().socket.toString(),
                "--docker-socket", engines.noSocket("docker").toString(), "--crio-socket", engines.noSocket("crio").toString(),
                "--spool-dir", dir.resolve("spool-" + id).toString(), "--counters-interval", "1h", "--print", "--json");
        a.awaitLog("(syndrop agent: id )", 60_000); // printed once the probes are attached
        Thread.sleep(1000);
        return a;
    }

    /** Reads agent A's printed events into {@code seen} until one matches; null when {@code want} never holds. */
    private static JsonObject awaitEvent(JarProcess agent, List<JsonObject> seen, Predicate<JsonObject> want,
                                         Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String line;
            try {
                line = agent.awaitStdout(l -> l.startsWith("{"), Duration.ofMillis(Math.max(100,
                        (end - System.nanoTime()) / 1_000_000)));
            } catch (AssertionError none) {
                break;
            }
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            seen.add(o);
            if (want.test(o)) {
                return o;
            }
        }
        return null;
    }

    /** Waits until agent A printed exactly {@code n} events of a kind (and no more within a second). */
    private static void awaitCount(JarProcess agent, List<JsonObject> seen, String what, Predicate<JsonObject> kind,
                                   long n) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (seen.stream().filter(kind).count() < n && System.nanoTime() < end) {
            awaitEvent(agent, seen, kind, Duration.ofSeconds(2));
        }
        awaitEvent(agent, seen, o -> false, Duration.ofSeconds(1));
        assertEquals(n, seen.stream().filter(kind).count(), "events of " + what + " against the kernel's counter; events: "
                + seen.stream().map(o -> str(o, "reason") + ":" + o.get("dstPort")).collect(Collectors.joining(" ")));
    }

    private static Predicate<JsonObject> reason(String r) {
        return o -> str(o, "reason").equals(r);
    }

    private static Predicate<JsonObject> port(int p) {
        return o -> o.get("dstPort").getAsInt() == p;
    }

    private static int countIn(List<JsonObject> seen, String reason) {
        return (int) seen.stream().filter(o -> reason == null || str(o, "reason").equals(reason)).count();
    }

    // ---- drops and counters

    private static List<SocketChannel> overflow(Topology t) throws Exception {
        List<SocketChannel> clients = new ArrayList<>(connect(t, PORT, BACKLOG));
        Thread.sleep(500);
        String[] rule = {"OUTPUT", "-p", "tcp", "--tcp-flags", "ALL", "ACK", "-j", "DROP"};
        t.client().exec(concat("-A", rule)).orThrow();
        try {
            clients.addAll(connect(t, PORT, BACKLOG));
            Thread.sleep(300);
        } finally {
            t.client().exec(concat("-D", rule)).orThrow();
        }
        return clients;
    }

    private static String[] concat(String op, String[] rule) {
        String[] out = new String[rule.length + 3];
        out[0] = "iptables";
        out[1] = "-w";
        out[2] = op;
        System.arraycopy(rule, 0, out, 3, rule.length);
        return out;
    }

    private static List<SocketChannel> connect(Topology t, int port, int n) throws Exception {
        return NonBlockingClients.open(t.client(), new InetSocketAddress(t.serverAddress(), port), n);
    }

    private static void closedPort(Topology t, int port) throws Exception {
        for (SocketChannel c : connect(t, port, 1)) {
            Thread.sleep(100);
            c.close();
        }
    }

    /** The counter's delta since {@code before}, once it has not moved for 1.5 s. */
    private static long settle(Netns ns, Nstat before, String key) throws InterruptedException {
        long last = -1;
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            long now = Nstat.read(ns).minus(before).getOrDefault(key, 0L);
            if (now == last && now > 0) {
                return now;
            }
            last = now;
            Thread.sleep(1500);
        }
        return last;
    }

    private static void awaitListening(Netns ns, int port) throws InterruptedException {
        String hex = String.format(":%04X ", port);
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (String line : ns.readProc("/proc/net/tcp").split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && (f[1] + " ").endsWith(hex) && f[3].equals("0A")) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing listens on " + port + " in " + ns.name());
    }

    private static void assertPod(JsonObject e) {
        assertEquals(POD_NS, str(e, "podNamespace"), e.toString());
        assertEquals(POD, str(e, "podName"), e.toString());
        assertEquals(UID, str(e, "podUid"), e.toString());
        assertEquals(CONTAINER, str(e, "containerName"), e.toString());
        assertEquals(CID, str(e, "containerId"), e.toString());
    }

    private static int pid(JsonObject o) {
        return o.has("processPid") ? o.get("processPid").getAsInt() : 0;
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : "";
    }
}
