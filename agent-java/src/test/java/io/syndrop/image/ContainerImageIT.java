package io.syndrop.image;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.it.JarProcess;
import io.syndrop.it.RequireRoot;
import io.syndrop.probe.AgentCapabilities;
import io.syndrop.demo.CloseFirstServer;
import io.syndrop.demo.ExecResult;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.Shell;
import io.syndrop.demo.Syn;
import io.syndrop.demo.SynCrafter;
import io.syndrop.demo.Topology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image deploy/image/build.sh makes, run the way deploy/kubernetes runs it: as its non-root
 * user, host PID and network, the mounts of agent-mounts.txt and no capability but those of
 * agent-capabilities.txt, in a real containerd and a real Docker Engine this class starts once.
 * `watch` inside sees crafted TIME-WAIT PAWS drops in a namespace of the host with the fields a
 * watch outside sees; the agent inside delivers them to a collector in a Docker container; a
 * capability taken away is named. Docker 20.10 (Debian 12's) knows no CAP_BPF or CAP_PERFMON, so
 * there the agent can only be shown to say what it lacks.
 */
class ContainerImageIT {
    /** containerd's default set for a container (oci.defaultUnixCaps): every one is dropped, as Kubernetes' drop: [ALL] does. */
    private static final List<String> CONTAINERD_DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    private static final Map<String, Integer> CAP_NUMBERS = Map.of("CAP_DAC_READ_SEARCH", 2, "CAP_SYS_PTRACE", 19,
            "CAP_PERFMON", 38, "CAP_BPF", 39);
    /** Fields that differ between two observers of the same drop: when and by whom it was seen. */
    private static final Set<String> OBSERVER_FIELDS = Set.of("seq", "timeUnixNano", "node", "agentId", "agentBoot");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger IDS = new AtomicInteger();

    private static ContainerEngines engines;

    @BeforeAll
    static void startEngines() throws Exception {
        RequireRoot.check();
        SyndropImage.built();
        engines = ContainerEngines.start();
        engines.ctr(Duration.ofMinutes(2), "images", "import", "--base-name", "docker.io/library/syndrop",
                SyndropImage.ociArchive().toString()).orThrow();
        engines.docker(Duration.ofMinutes(3), "load", "-i", SyndropImage.dockerArchive().toString()).orThrow();
    }

    @AfterAll
    static void stopEngines() throws Exception {
        if (engines != null) {
            engines.close();
        }
    }

    @Test
    void theImageIsSmallRunsAsItsOwnUserAndIsLabelled() throws Exception {
        JsonObject cfg = JsonParser.parseString(engines.docker(Duration.ofSeconds(30), "image", "inspect",
                SyndropImage.DOCKER_REF).orThrow().stdout()).getAsJsonArray().get(0).getAsJsonObject();
        JsonObject c = cfg.getAsJsonObject("Config");
        assertEquals(SyndropImage.UID + ":" + SyndropImage.UID, c.get("User").getAsString());
        JsonObject labels = c.getAsJsonObject("Labels");
        assertEquals(SyndropImage.VERSION, labels.get("org.opencontainers.image.version").getAsString());
        assertFalse(labels.get("org.opencontainers.image.revision").getAsString().isBlank());
        assertFalse(labels.get("org.opencontainers.image.source").getAsString().isBlank());
        assertTrue(c.getAsJsonArray("Entrypoint").toString().contains("@/opt/syndrop/agent.jvmopts"),
                "the JVM options of scripts/agent.jvmopts: " + c.getAsJsonArray("Entrypoint"));
        long size = cfg.get("Size").getAsLong();
        System.out.printf("image %s: %d MB unpacked, %d MB OCI archive%n", SyndropImage.DOCKER_REF, size >> 20,
                Files.size(SyndropImage.ociArchive()) >> 20);
        assertTrue(size < 150L << 20, "under 150 MB: " + (size >> 20) + " MB");
        // containerd and Docker hold the same image: the two archives are the same blobs.
        String dockerId = cfg.get("Id").getAsString();
        String ctrImages = engines.ctr(Duration.ofSeconds(30), "images", "ls").orThrow().stdout();
        assertTrue(ctrImages.contains(SyndropImage.CONTAINERD_REF), ctrImages);
        ExecResult ctrConfig = engines.ctr(Duration.ofSeconds(30), "content", "get", dockerId);
        assertTrue(ctrConfig.ok() && ctrConfig.stdout().contains("org.opencontainers.image.version"),
                "the image config Docker loaded is the one containerd imported: " + ctrConfig.describe());
    }

    @Test
    void watchInContainerdSeesCraftedTimewaitPawsDropsWithTheFieldsOfAWatchOutside() throws Exception {
        try (Topology t = Topology.pair().build();
             CloseFirstServer server = CloseFirstServer.start(t.server(), t.serverAddress(), 0)) {
            CloseFirstServer.TimeWaitConnection tw = server.connectAndLeaveTimeWait(t.client(), t.clientAddress(), 0);
            SynCrafter.dropOutgoingRsts(t.client()); // or the client's RST would end the TIME-WAIT
            String id = "watch-" + IDS.incrementAndGet();
            String port = Integer.toString(server.port());
            try (JarProcess inside = JarProcess.startCommand(agentContainer(id, documented(), null,
                         "watch", "--json", "--port", port));
                 JarProcess outside = JarProcess.start(null, "watch", "--json", "--port", port);
                 SynCrafter crafter = SynCrafter.open(t.client(), t.clientAddress())) {
                inside.awaitStderr(l -> l.startsWith("attached: tracepoint"), WAIT);
                outside.awaitStderr(l -> l.startsWith("attached:"), WAIT);
                assertInContainer(id, documented());

                Nstat before = Nstat.read(t.server());
                for (int i = 0; i < 3; i++) {
                    crafter.send(Syn.to(t.serverAddress(), server.port(), tw.client().getPort(), 1000 + i,
                            (tw.lastClientTsVal() - 1000 + i) & 0xffffffffL));
                }
                List<JsonObject> in = drops(inside, t.server().inode(), 3);
                List<JsonObject> out = drops(outside, t.server().inode(), 3);
                assertEquals(3L, Nstat.read(t.server()).minus(before).nonZero().getOrDefault("TcpExt:PAWSTimewait", 0L),
                        "the kernel counted 3 TIME-WAIT PAWS rejects");
                for (int i = 0; i < 3; i++) {
                    JsonObject e = in.get(i);
                    assertEquals("TIMEWAIT_PAWS", e.get("reason").getAsString(), e.toString());
                    assertEquals("TCP_RFC7323_TW_PAWS", e.get("kernelReason").getAsString());
                    assertEquals(tw.lastClientTsVal(), Integer.toUnsignedLong(e.get("cachedTs").getAsInt()));
                    assertEquals(Long.toString(t.server().inode()), e.get("netnsIno").getAsString());
                    assertEquals(withoutObserver(out.get(i)), withoutObserver(e),
                            "the same drop, seen from inside the container and outside");
                }
            }
        }
    }

    @Test
    void theAgentInContainerdDeliversToACollectorInDocker() throws Exception {
        Path events = engines.newDirectory("collector-" + IDS.incrementAndGet());
        Path spool = engines.newDirectory("spool-" + IDS.incrementAndGet());
        chown(events);
        chown(spool);
        int grpc = freePort();
        String collector = engines.docker(Duration.ofMinutes(1), "run", "-d", "--network", "host", "--cap-drop", "ALL",
                "--read-only", "--tmpfs", "/tmp:exec,mode=1777", "--security-opt", "no-new-privileges",
                "-v", events + ":/out", "--entrypoint", "/opt/java/bin/java", SyndropImage.DOCKER_REF,
                "-jar", "/opt/syndrop/syndrop.jar", "collect", "--insecure", "--listen", "127.0.0.1:" + grpc,
                "--sink", "json:/out/events.jsonl").orThrow().stdout().strip();
        awaitListening(grpc, collector);
        try (Topology t = Topology.pair().build();
             CloseFirstServer server = CloseFirstServer.start(t.server(), t.serverAddress(), 0)) {
            CloseFirstServer.TimeWaitConnection tw = server.connectAndLeaveTimeWait(t.client(), t.clientAddress(), 0);
            SynCrafter.dropOutgoingRsts(t.client());
            String id = "agent-" + IDS.incrementAndGet();
            try (JarProcess agent = JarProcess.startCommand(agentContainer(id, documented(), spool, "agent",
                         "--collector", "127.0.0.1:" + grpc, "--insecure", "--node", "container-test",
                         "--spool-dir", "/var/lib/syndrop/spool", "--port", Integer.toString(server.port())));
                 SynCrafter crafter = SynCrafter.open(t.client(), t.clientAddress())) {
                agent.awaitStderr(l -> l.startsWith("attached: tracepoint"), WAIT);
                Nstat before = Nstat.read(t.server());
                for (int i = 0; i < 3; i++) {
                    crafter.send(Syn.to(t.serverAddress(), server.port(), tw.client().getPort(), 2000 + i,
                            (tw.lastClientTsVal() - 500 + i) & 0xffffffffL));
                }
                List<JsonObject> delivered = new ArrayList<>();
                long end = System.nanoTime() + WAIT.toNanos();
                Path file = events.resolve("events.jsonl");
                while (delivered.size() < 3 && System.nanoTime() < end) {
                    Thread.sleep(250);
                    delivered.clear();
                    if (Files.exists(file)) {
                        for (String line : Files.readAllLines(file)) {
                            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                            if (o.toString().contains(Long.toString(t.server().inode()))) {
                                delivered.add(o);
                            }
                        }
                    }
                }
                assertEquals(3, delivered.size(), "events in the collector's file: " + delivered + "; agent: "
                        + agent.stderrSoFar() + "; collector: " + engines.docker(Duration.ofSeconds(20), "logs", collector).describe());
                assertEquals(3L, Nstat.read(t.server()).minus(before).nonZero().getOrDefault("TcpExt:PAWSTimewait", 0L));
                for (JsonObject o : delivered) {
                    assertEquals("TIMEWAIT_PAWS", o.get("reason").getAsString(), o.toString());
                    assertEquals(server.port(), o.get("dstPort").getAsInt(), o.toString());
                }
            }
        }
    }

    @Test
    void eachDocumentedCapabilityTakenAwayInContainerdIsNamed() throws Exception {
        for (String removed : documented()) {
            List<String> fewer = documented().stream().filter(c -> !c.equals(removed)).toList();
            try (JarProcess p = JarProcess.startCommand(agentContainer("nocap-" + IDS.incrementAndGet(), fewer, null,
                    "watch", "--duration", "5s"))) {
                assertTrue(p.process().waitFor(90, TimeUnit.SECONDS), "watch without " + removed + " did not exit");
                String err = p.stderrSoFar();
                if (AgentCapabilities.forIdentity().contains(removed)) {
                    // Identity is an enrichment: watch runs its 5 s, warning once that it names fewer listeners.
                    assertEquals(0, p.process().exitValue(), "exit status without " + removed + ": " + err);
                    assertEquals(1, err.lines().filter(l -> l.contains("warning: missing capability " + removed + ":")).count(),
                            "one warning naming " + removed + ": " + err);
                    assertTrue(err.contains("attached: "), err);
                    continue;
                }
                assertEquals(1, p.process().exitValue(), "exit status without " + removed + ": " + err);
                assertTrue(err.contains("missing capability " + removed + " (") && err.contains("grant " + removed),
                        "the error names " + removed + ": " + err);
            }
        }
    }

    /**
     * Docker 20.10 refuses CAP_BPF and CAP_PERFMON by name, so the most it can grant of the set is
     * CAP_SYS_PTRACE: the agent says which two it lacks. With no-new-privileges (Kubernetes'
     * allowPrivilegeEscalation: false) the kernel ignores the file capabilities of java altogether.
     */
    @Test
    void inDocker2010TheAgentNamesWhatTheEngineCannotGrant() throws Exception {
        ExecResult refused = engines.docker(Duration.ofMinutes(1), dockerAgent(List.of("BPF", "PERFMON", "SYS_PTRACE"), false));
        assertNotEquals(0, refused.exitCode());
        assertTrue(refused.stderr().contains("unknown capability: \"CAP_BPF\""), refused.describe());

        ExecResult r = engines.docker(Duration.ofMinutes(1), dockerAgent(List.of("SYS_PTRACE"), false));
        assertEquals(1, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("missing capabilities CAP_BPF and CAP_PERFMON ("), r.describe());

        ExecResult nnp = engines.docker(Duration.ofMinutes(1), dockerAgent(List.of("SYS_PTRACE"), true));
        assertEquals(1, nnp.exitCode(), nnp.describe());
        assertTrue(nnp.stderr().contains("missing capabilities CAP_BPF and CAP_PERFMON and CAP_SYS_PTRACE ("), nnp.describe());
        assertTrue(nnp.stderr().contains("keep allowPrivilegeEscalation true, no-new-privileges off"),
                "the hint says why capabilities granted to the container did not arrive: " + nnp.describe());
    }

    private static String[] dockerAgent(List<String> caps, boolean noNewPrivileges) {
        List<String> a = new ArrayList<>(List.of("run", "--rm", "--pid", "host", "--network", "host", "--cap-drop", "ALL"));
        for (String c : caps) {
            a.addAll(List.of("--cap-add", c));
        }
        if (noNewPrivileges) {
            a.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        a.addAll(List.of("--read-only"));
        for (AgentMounts.Mount m : AgentMounts.all()) {
            if (m.mode() == AgentMounts.Mode.RO) {
                a.addAll(List.of("-v", m.path() + ":" + m.path() + ":ro"));
            } else if (m.mode() == AgentMounts.Mode.TMPFS) {
                a.addAll(List.of("--tmpfs", m.path() + ":exec,mode=1777")); // Docker's default is noexec: JNA maps its library from there
            }
        }
        a.addAll(List.of(SyndropImage.DOCKER_REF, "watch", "--duration", "5s"));
        return a.toArray(String[]::new);
    }

    /** ctr run of the image as deploy/kubernetes runs it; the spool mount only when given a node directory for it. */
    private static List<String> agentContainer(String id, List<String> caps, Path spool, String... syndrop) {
        List<String> a = new ArrayList<>(List.of("run", "--rm", "--net-host",
                "--with-ns", "pid:/proc/" + ProcessHandle.current().pid() + "/ns/pid", "--seccomp", "--read-only"));
        for (String c : CONTAINERD_DEFAULT_CAPS) {
            a.addAll(List.of("--cap-drop", c));
        }
        for (String c : caps) {
            a.addAll(List.of("--cap-add", c));
        }
        for (AgentMounts.Mount m : AgentMounts.all()) {
            switch (m.mode()) {
                case RO -> a.addAll(List.of("--mount", "type=bind,src=" + nodeSource(m.path()) + ",dst=" + m.path()
                        + ",options=rbind:ro"));
                case RW -> {
                    if (spool != null) {
                        a.addAll(List.of("--mount", "type=bind,src=" + spool + ",dst=" + m.path() + ",options=rbind:rw"));
                    }
                }
                case TMPFS -> a.addAll(List.of("--mount", "type=tmpfs,src=tmpfs,dst=" + m.path() + ",options=mode=1777"));
            }
        }
        a.addAll(List.of(SyndropImage.CONTAINERD_REF, id, "/opt/java/bin/java", "@/opt/syndrop/agent.jvmopts",
                "-jar", "/opt/syndrop/syndrop.jar"));
        a.addAll(List.of(syndrop));
        return engines.ctrCommand(a.toArray(String[]::new));
    }

    /**
     * Where a read-only mount comes from on this machine: the node's own path, except the runtimes'
     * socket directories, which are this test's (the private containerd's, whose socket is then
     * /run/containerd/containerd.sock inside; an empty one for CRI-O, which does not run here).
     */
    private static String nodeSource(String path) {
        try {
            return switch (path) {
                case "/run/containerd" -> engines.containerdSocket().getParent().toString();
                case "/run/crio" -> engines.newDirectory("no-crio").toString();
                default -> path;
            };
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The agent in containerd names another container's pod through the socket of agent-mounts.txt:
     * a pod's container (the kubelet's labels, containerd namespace k8s.io) in a namespace of its
     * own, SYNs refused on a closed port there. Its socket is root:root 0660 as containerd makes it:
     * the agent (uid 10001) is refused, says so in one line naming the socket and the fix, and its
     * events still flow, unnamed. Given the socket's group, as the DaemonSet's supplementalGroups
     * does (ctr 1.6 cannot add supplementary groups, so the socket is given the agent's own group
     * here instead, as containerd's [grpc] gid would), the same agent with `--pod shop/web` names
     * the pod, and the kernel, reduced to that pod's namespace by a non-root agent, delivers that
     * pod's drops only (Tcp:OutRsts of its namespace).
     */
    @Test
    void theAgentInContainerdNamesAnotherContainersPodThroughTheMountedSocket() throws Exception {
        Path work = engines.newDirectory("busybox-" + IDS.incrementAndGet());
        io.syndrop.identity.BusyboxImage busybox = io.syndrop.identity.BusyboxImage.build(work);
        Shell.run(Duration.ofMinutes(1), engines.ctrCommandIn("k8s.io", "images", "import", "--index-name",
                io.syndrop.identity.BusyboxImage.REF, busybox.ociArchive().toString())).orThrow();
        Path socket = engines.containerdSocket();
        try (io.syndrop.demo.Netns pod = io.syndrop.demo.Netns.create("webpod")) {
            String web = "web-" + IDS.incrementAndGet();
            Shell.run(Duration.ofMinutes(1), engines.ctrCommandIn("k8s.io", "run", "-d", "--with-ns", "network:" + pod.path(),
                    "--label", "io.kubernetes.pod.namespace=shop", "--label", "io.kubernetes.pod.name=web",
                    "--label", "io.kubernetes.container.name=server", io.syndrop.identity.BusyboxImage.REF, web,
                    "/bin/" + io.syndrop.identity.BusyboxImage.LISTENER, "8080", "4")).orThrow();
            try {
                assertEquals("0 0 660", Shell.run(List.of("stat", "-c", "%u %g %a", socket.toString())).orThrow().stdout().strip(),
                        "containerd's own socket: root:root 0660");
                // refused: one line naming the socket and the fix; the drops still flow, unnamed
                try (JarProcess refused = JarProcess.startCommand(agentContainer("sock-" + IDS.incrementAndGet(), documented(),
                        null, "watch", "--json", "--port", "8081", "--duration", "20s"))) {
                    refused.awaitStderr(l -> l.startsWith("attached: "), WAIT);
                    Thread.sleep(1000);
                    refuseClosedPort(pod, 3);
                    List<JsonObject> unnamed = drops(refused, pod.inode(), 3);
                    assertTrue(refused.process().waitFor(60, TimeUnit.SECONDS));
                    String err = refused.stderrSoFar();
                    assertEquals(1, err.lines().filter(l -> l.contains("cannot connect to containerd at /run/containerd/containerd.sock:"
                            + " permission denied (uid 0, gid 0, mode 0660")).count(), "one line: " + err);
                    assertTrue(err.contains("supplementalGroups"), "the line says the fix: " + err);
                    for (JsonObject o : unnamed) {
                        assertEquals("", o.get("podName").getAsString(), o.toString());
                    }
                }
                // the socket's group given to the agent: names the pod, and the kernel passes its drops only
                Shell.run(List.of("chgrp", Integer.toString(SyndropImage.UID), socket.toString())).orThrow();
                try (JarProcess named = JarProcess.startCommand(agentContainer("sock-" + IDS.incrementAndGet(), documented(),
                        null, "watch", "--json", "--pod", "shop/web", "--duration", "20s"))) {
                    // from this line on the kernel passes the pod's namespace, already named: every drop there shows
                    awaitStderrContains(named, "the kernel passes the drops of 1 network namespace(s) now [" + pod.inode() + "]");
                    Nstat before = Nstat.read(pod);
                    refuseClosedPort(pod, 4);
                    // drops in a namespace no workload owns: the kernel must keep them
                    long otherRsts;
                    try (io.syndrop.demo.Netns other = io.syndrop.demo.Netns.create("otherns")) {
                        Nstat otherBefore = Nstat.read(other);
                        refuseClosedPort(other, 3);
                        otherRsts = Nstat.read(other).minus(otherBefore).get("Tcp:OutRsts");
                    }
                    long rsts = Nstat.read(pod).minus(before).get("Tcp:OutRsts");
                    List<JsonObject> shown = drops(named, pod.inode(), 4);
                    for (JsonObject o : shown) {
                        assertEquals("shop", o.get("podNamespace").getAsString(), o.toString());
                        assertEquals("web", o.get("podName").getAsString(), o.toString());
                        assertEquals("server", o.get("containerName").getAsString(), o.toString());
                        assertEquals(web, o.get("containerId").getAsString(), o.toString());
                    }
                    assertTrue(named.process().waitFor(60, TimeUnit.SECONDS));
                    String err = named.stderrSoFar();
                    assertFalse(err.contains("cannot connect to containerd"), err);
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) drop\\(s\\) shown of (\\d+) the kernel delivered")
                            .matcher(err);
                    assertTrue(m.find(), err);
                    assertEquals(4, rsts, "refused in the pod");
                    assertEquals(3, otherRsts, "refused in the other namespace");
                    assertEquals(rsts, Long.parseLong(m.group(2)), "the kernel delivered the pod's drops only: " + err);
                }
            } finally {
                Shell.run(List.of("chgrp", "0", socket.toString()));
                Shell.run(Duration.ofSeconds(30), engines.ctrCommandIn("k8s.io", "task", "rm", "-f", web));
                Shell.run(Duration.ofSeconds(30), engines.ctrCommandIn("k8s.io", "container", "rm", web));
            }
        }
    }

    private static void awaitStderrContains(JarProcess p, String text) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!p.stderrSoFar().contains(text) && System.nanoTime() < end && p.process().isAlive()) {
            Thread.sleep(50);
        }
        assertTrue(p.stderrSoFar().contains(text), "stderr says \"" + text + "\": " + p.stderrSoFar());
    }

    /** n SYNs to a closed port (8081) on the namespace's loopback, each refused with an RST. */
    private static void refuseClosedPort(io.syndrop.demo.Netns ns, int n) throws Exception {
        ns.call(() -> {
            for (int i = 0; i < n; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 8081), 2000);
                    throw new AssertionError("8081 accepted in " + ns.name());
                } catch (java.net.ConnectException expected) {
                    // refused: the drop
                }
            }
            return null;
        });
    }

    /** The container's java, seen from the host: the image's user, and nothing but the documented set in reach. */
    private static void assertInContainer(String id, List<String> caps) throws Exception {
        String tasks = engines.ctr(Duration.ofSeconds(20), "tasks", "ls").orThrow().stdout();
        long pid = tasks.lines().filter(l -> l.startsWith(id + " ")).map(l -> Long.parseLong(l.trim().split("\\s+")[1]))
                .findFirst().orElseThrow(() -> new AssertionError("no task " + id + ": " + tasks));
        Map<String, String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.contains(":")).collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')),
                        l -> l.substring(l.indexOf(':') + 1).trim(), (x, y) -> x));
        long want = caps.stream().mapToLong(c -> 1L << CAP_NUMBERS.get(c)).reduce(0, (x, y) -> x | y);
        assertEquals(Integer.toString(SyndropImage.UID), status.get("Uid").split("\\s+")[1], "runs as the image's user");
        assertEquals(want, Long.parseUnsignedLong(status.get("CapBnd"), 16), "bounding set: " + status.get("CapBnd"));
        assertEquals(want, Long.parseUnsignedLong(status.get("CapPrm"), 16), "permitted, from java's file capabilities");
        assertEquals(0, Long.parseUnsignedLong(status.get("CapAmb"), 16), "no ambient capabilities in a container");
    }

    private static List<String> documented() {
        return new ArrayList<>(AgentCapabilities.granted().keySet());
    }

    private static List<JsonObject> drops(JarProcess p, long netnsIno, int n) throws InterruptedException {
        List<JsonObject> out = new ArrayList<>();
        while (out.size() < n) {
            String line = p.awaitStdout(l -> l.startsWith("{"), Duration.ofSeconds(20));
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (o.get("netnsIno").getAsString().equals(Long.toString(netnsIno))) {
                out.add(o);
            }
        }
        return out;
    }

    private static JsonObject withoutObserver(JsonObject e) {
        JsonObject copy = e.deepCopy();
        OBSERVER_FIELDS.forEach(copy::remove);
        return copy;
    }

    private static void chown(Path dir) {
        Shell.run(List.of("chown", SyndropImage.UID + ":" + SyndropImage.UID, dir.toString())).orThrow();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(int port, String container) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(250);
            }
        }
        throw new AssertionError("the collector container did not listen on " + port + ": "
                + engines.docker(Duration.ofSeconds(20), "logs", container).describe());
    }
}
