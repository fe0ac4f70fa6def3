package io.syndrop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.identity.BusyboxImage;
import io.syndrop.identity.ContainerEngineExtension;
import io.syndrop.probe.AgentCapabilities;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kernel's workload filter (map workload_netns) for an agent that is not root: `syndrop watch`
 * run as the image's uid 10001 with exactly the capabilities of agent-capabilities.txt (inheritable,
 * ambient and bounding, through setpriv) and the DaemonSet's supplementalGroups [0] (the group of
 * containerd's root:root 0660 socket). Two pods of a real containerd of the class's own, each in
 * its own network namespace, both refuse SYNs on a closed port; with `--pod` or `--process` naming
 * one of them the kernel delivers exactly that namespace's drops (the count on watch's last line,
 * taken on the drain side before any Java filter, equals its Tcp:OutRsts) and none of the other's.
 * Without the socket's group the pod cannot be named, the map stays empty, and watch says why.
 */
class NonRootWorkloadFilterIT {
    private static final String UID = "10001";
    private static final int LISTEN_PORT = 8080;
    private static final int CLOSED_PORT = 8081;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) drop\\(s\\) shown of (\\d+) the kernel delivered");
    private static Path copy;

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withContainerd();

    @Test
    void podFilterAsUid10001DeliversOnlyThatPodsDropsFromTheKernel() throws Exception {
        int n = 5;
        try (Netns a = Netns.create("nrpa"); Netns b = Netns.create("nrpb")) {
            String idA = runPod(a, "shop", "nra");
            String idB = runPod(b, "shop", "nrb");
            try (JarProcess p = watch(true, "--pod", "shop/nra")) {
                p.awaitStderr(l -> l.startsWith("attached: tracepoint"), WAIT);
                String filled = p.awaitStderr(l -> l.contains("workload filter:"), WAIT);
                assertEquals("syndrop: workload filter: the kernel passes the drops of 1 network namespace(s) now ["
                        + a.inode() + "]", filled, "the pod's namespace, found as uid 10001: " + p.stderrSoFar());
                Thread.sleep(500); // the drain starts after the header
                Nstat beforeA = Nstat.read(a);
                Nstat beforeB = Nstat.read(b);
                refuse(a, 1);
                Thread.sleep(1500); // the first drop's namespace gets named; the later ones match --pod in Java too
                refuse(a, n - 1);
                refuse(b, n);
                long rstsA = Nstat.read(a).minus(beforeA).get("Tcp:OutRsts");
                long rstsB = Nstat.read(b).minus(beforeB).get("Tcp:OutRsts");
                assertEquals(n, rstsA, "the kernel refused n SYNs in a");
                assertEquals(n, rstsB, "the kernel refused n SYNs in b too");

                Matcher m = summary(p);
                assertEquals(rstsA, Long.parseLong(m.group(2)), "the kernel delivered a's drops only: " + p.stderrSoFar());
                long shown = Long.parseLong(m.group(1));
                assertTrue(shown >= n - 1 && shown <= n, "named from the second drop on at the latest: " + p.stderrSoFar());
                for (JsonObject o : shown(p, shown)) {
                    assertEquals(a.inode(), o.get("netnsIno").getAsLong(), o.toString());
                    assertEquals(CLOSED_PORT, o.get("dstPort").getAsInt(), o.toString());
                    assertEquals("shop", o.get("podNamespace").getAsString(), o.toString());
                    assertEquals("nra", o.get("podName").getAsString(), o.toString());
                    assertEquals(idA, o.get("containerId").getAsString(), o.toString());
                }
                assertFalse(p.stderrSoFar().contains("cannot connect to containerd"), p.stderrSoFar());
            } finally {
                engines.containerd().remove("k8s.io", idA);
                engines.containerd().remove("k8s.io", idB);
            }
        }
    }

    /**
     * --process by pid reduces to that process's namespace. Closed-port drops have no listener, so
     * Java shows none of them (no drop without a listener matches a process); what the kernel let
     * through is still counted, and it is exactly that namespace's.
     */
    @Test
    void processFilterAsUid10001DeliversOnlyThatProcesssNamespaceFromTheKernel() throws Exception {
        int n = 4;
        try (Netns a = Netns.create("nrqa"); Netns b = Netns.create("nrqb")) {
            String idA = runPod(a, "shop", "nqa");
            String idB = runPod(b, "shop", "nqb");
            try {
                int pidA = engines.containerd().taskPid("k8s.io", idA);
                // a root-owned process: its /proc/PID/task/TID/ns/net is read through CAP_SYS_PTRACE
                try (JarProcess p = watch(false, "--process", Integer.toString(pidA))) {
                    p.awaitStderr(l -> l.startsWith("attached: tracepoint"), WAIT);
                    String filled = p.awaitStderr(l -> l.contains("workload filter:"), WAIT);
                    assertEquals("syndrop: workload filter: the kernel passes the drops of 1 network namespace(s) now ["
                            + a.inode() + "]", filled, p.stderrSoFar());
                    Thread.sleep(500);
                    Nstat beforeA = Nstat.read(a);
                    Nstat beforeB = Nstat.read(b);
                    refuse(a, n);
                    refuse(b, n);
                    long rstsA = Nstat.read(a).minus(beforeA).get("Tcp:OutRsts");
                    assertEquals(n, rstsA, "refused in a");
                    assertEquals(n, Nstat.read(b).minus(beforeB).get("Tcp:OutRsts"), "refused in b");
                    Matcher m = summary(p);
                    assertEquals(rstsA, Long.parseLong(m.group(2)), "the kernel delivered a's drops only: " + p.stderrSoFar());
                    assertEquals(0, Long.parseLong(m.group(1)), "no listener, no process match: " + p.stderrSoFar());
                }
            } finally {
                engines.containerd().remove("k8s.io", idA);
                engines.containerd().remove("k8s.io", idB);
            }
        }
    }

    /** Without the socket's group: refused in one line, no pod known, so the kernel passes nothing. */
    @Test
    void podFilterWithoutTheSocketsGroupSaysWhyNothingPasses() throws Exception {
        try (Netns a = Netns.create("nrra")) {
            String idA = runPod(a, "shop", "nrr");
            try (JarProcess p = watch(false, "--pod", "shop/nrr")) {
                p.awaitStderr(l -> l.startsWith("attached: tracepoint"), WAIT);
                String filled = p.awaitStderr(l -> l.contains("workload filter:"), WAIT);
                assertTrue(filled.contains("no running container or process matches it (yet)"), filled);
                Thread.sleep(500);
                refuse(a, 3);
                Matcher m = summary(p);
                assertEquals(0, Long.parseLong(m.group(2)), p.stderrSoFar());
                String err = p.stderrSoFar();
                assertTrue(err.contains("cannot connect to containerd at " + engines.containerd().socket + ": permission denied"), err);
            } finally {
                engines.containerd().remove("k8s.io", idA);
            }
        }
    }

    /** watch in tracepoint mode (this machine's kernel) for 12 s as uid 10001, at this class's containerd only. */
    private static JarProcess watch(boolean socketGroup, String... filter) throws Exception {
        List<String> args = new ArrayList<>(List.of("watch", "--json", "--backend", "tracepoint", "--duration", "12s",
                "--containerd-socket", engines.containerd().socket.toString(),
                "--docker-socket", engines.noSocket("docker").toString(),
                "--crio-socket", engines.noSocket("crio").toString()));
        args.addAll(List.of(filter));
        return JarProcess.startWrapped(setpriv(socketGroup), jarCopy(), args.toArray(String[]::new));
    }

    /** The image's user with exactly the documented capabilities; with or without the DaemonSet's group 0. */
    private static List<String> setpriv(boolean socketGroup) {
        String set = "-all," + AgentCapabilities.granted().keySet().stream()
                .map(c -> "+" + c.substring(4).toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
        return List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, socketGroup ? "--groups=0" : "--clear-groups",
                "--inh-caps=" + set, "--ambient-caps=" + set, "--bounding-set=" + set);
    }

    private static Matcher summary(JarProcess p) throws InterruptedException {
        assertTrue(p.process().waitFor(60, TimeUnit.SECONDS), "watch did not end: " + p.stderrSoFar());
        assertEquals(0, p.process().exitValue(), p.stderrSoFar());
        Matcher m = SUMMARY.matcher(p.stderrSoFar());
        assertTrue(m.find(), p.stderrSoFar());
        return m;
    }

    private static List<JsonObject> shown(JarProcess p, long count) throws InterruptedException {
        List<JsonObject> out = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            out.add(JsonParser.parseString(p.awaitStdout(l -> l.startsWith("{"), Duration.ofSeconds(5))).getAsJsonObject());
        }
        return out;
    }

    /** The jar where uid 10001 can read it (the checkout may be under /root). */
    private static Path jarCopy() throws IOException {
        if (copy == null) {
            Path dir = Files.createTempDirectory("syndrop-nonroot");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            copy = Files.copy(JarProcess.jar(), dir.resolve("syndrop.jar"));
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return copy;
    }

    @AfterAll
    static void removeCopy() throws IOException {
        if (copy != null) {
            Files.delete(copy);
            Files.delete(copy.getParent());
        }
    }

    /** A pod's container with the kubelet's labels, listening (never accepting) in namespace ns. */
    private static String runPod(Netns ns, String podNamespace, String podName) {
        String id = podName + "-" + IDS.incrementAndGet();
        engines.containerd().ctr("k8s.io", "run", "-d", "--with-ns", "network:" + ns.path(),
                "--label", "io.kubernetes.pod.namespace=" + podNamespace,
                "--label", "io.kubernetes.pod.name=" + podName,
                "--label", "io.kubernetes.pod.uid=00000000-0000-4000-8000-00000000000" + (IDS.get() % 10),
                "--label", "io.kubernetes.container.name=server",
                BusyboxImage.REF, id, "/bin/" + BusyboxImage.LISTENER, Integer.toString(LISTEN_PORT), "4");
        return id;
    }

    /** n SYNs to a closed port on the namespace's loopback, each refused with an RST. */
    private static void refuse(Netns ns, int n) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        ns.call(() -> {
            for (int i = 0; i < n; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(lo, CLOSED_PORT), 2000);
                    throw new AssertionError("port " + CLOSED_PORT + " accepted in " + ns.name());
                } catch (ConnectException expected) {
                    // refused: the drop
                } catch (SocketTimeoutException e) {
                    throw new IOException("no RST on " + ns.name() + "'s loopback", e);
                }
            }
            return null;
        });
    }
}
