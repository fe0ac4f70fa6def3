package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.cli.Cli;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.filter.EventFilter;
import io.syndrop.filter.WorkloadFilter;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.ProbeRecorder;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workload filters reduced in the kernel, against a real containerd of the test's own: pods in
 * their own network namespaces (the kubelet's labels, namespace k8s.io), SYNs refused on a closed
 * port in each (loopback, so nothing else on this machine counts in those namespaces). Only the
 * named pods' namespaces are in the kernel's map, the kernel delivers only their drops (counted on
 * the drain side before any Java filter, and reconciled with each namespace's Tcp:OutRsts), a pod
 * started after attach is picked up, a removed one leaves the map. Tracepoint mode (this machine's
 * kernel): the closed-port drops are KERNEL_REASON NO_SOCKET there.
 *
 * <p>The engine is the class's own ({@link ContainerEngineExtension}).
 */
class WorkloadKernelFilterTest {

    private static final int LISTEN_PORT = 8080;
    private static final int CLOSED_PORT = 8081;
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger IDS = new AtomicInteger();

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withContainerd();

    @Test
    void onlyTheNamedPodsDropsLeaveTheKernelAndPodsStartedLaterArePickedUp() throws Exception {
        int n = 5;
        try (Netns a = Netns.create("poda"); Netns b = Netns.create("podb"); Netns late = Netns.create("podl");
             IdentityStage stage = stage()) {
            String idA = runPod(a, "shop", "a");
            String idB = runPod(b, "shop", "b");
            EventFilter filter = EventFilter.ALL.withWorkload(WorkloadFilter.of(List.of("shop/a", "shop/late"),
                    List.of(), List.of(), List.of()));
            try (ProbeRecorder rec = ProbeRecorder.startKernelFiltered(AttachMode.TRACEPOINT, filter, stage)) {
                var map = rec.session().workloadNetns().orElseThrow();
                assertEquals(Set.of(a.inode()), stage.kernelNamespaces(), "filled before the drain started");
                assertEquals(Set.of(a.inode()), map.contents(), "the kernel's map read back");

                Nstat beforeA = Nstat.read(a);
                Nstat beforeB = Nstat.read(b);
                refuse(a, n);
                refuse(b, n);
                List<DropEvent> got = rec.await(n, WAIT);
                assertEquals(n, Nstat.read(a).minus(beforeA).get("Tcp:OutRsts"), "the kernel refused n SYNs in a");
                assertEquals(n, Nstat.read(b).minus(beforeB).get("Tcp:OutRsts"), "the kernel refused n SYNs in b");
                assertEquals(n, got.size(), "one record per refused SYN of a, none of b: " + got);
                assertTrue(got.stream().allMatch(e -> e.getNetnsIno() == a.inode() && e.getDstPort() == CLOSED_PORT),
                        "only a's namespace (" + a.inode() + "), not b's (" + b.inode() + "): " + got);
                assertTrue(got.stream().allMatch(e -> e.getReason() == Reason.KERNEL_REASON), got.toString());

                // started after attach: in the map within a refresh or two, and its drops flow
                String idLate = runPod(late, "shop", "late");
                awaitKernelNamespaces(stage, Set.of(a.inode(), late.inode()));
                assertEquals(Set.of(a.inode(), late.inode()), map.contents(), "the kernel's map after the late pod");
                Nstat beforeLate = Nstat.read(late);
                int seen = rec.events().size();
                refuse(late, n);
                refuse(b, n);
                List<DropEvent> more = rec.await(seen + n, WAIT).subList(seen, rec.events().size());
                assertEquals(n, Nstat.read(late).minus(beforeLate).get("Tcp:OutRsts"), "refused in the late pod");
                assertEquals(n, more.size(), "the late pod's drops, none of b: " + more);
                assertTrue(more.stream().allMatch(e -> e.getNetnsIno() == late.inode()), more.toString());
                // Java's exact match still applies on top: a named event of those is the late pod's
                assertTrue(more.stream().filter(filter::matches).allMatch(e -> e.getPodName().equals("late")), more.toString());

                // a removed pod's namespace leaves the map
                engines.containerd().remove("k8s.io", idA);
                awaitKernelNamespaces(stage, Set.of(late.inode()));
                assertEquals(Set.of(late.inode()), map.contents(), "the kernel's map after a was removed");
                engines.containerd().remove("k8s.io", idLate);
            }
            engines.containerd().remove("k8s.io", idB);
        }
    }

    /** --process reduces to the namespaces of the process's threads: a pid names its own pod's only. */
    @Test
    void processFilterReducesToThatProcesssNamespace() throws Exception {
        try (Netns a = Netns.create("proca"); Netns b = Netns.create("procb");
             RuntimeContainerLookup lookup = lookup()) {
            String idA = runPod(a, "shop", "pa");
            String idB = runPod(b, "shop", "pb");
            try {
                int pidA = engines.containerd().taskPid("k8s.io", idA);
                assertEquals(Set.of(a.inode()), WorkloadNamespaces.of(WorkloadFilter.of(List.of(), List.of(), List.of(),
                        List.of(Integer.toString(pidA))), lookup, ProcFiles.system()), "by pid");
                Set<Long> byComm = WorkloadNamespaces.of(WorkloadFilter.of(List.of(), List.of(), List.of(),
                        List.of("listen_never_ac")), lookup, ProcFiles.system());
                assertTrue(byComm.containsAll(Set.of(a.inode(), b.inode())), "by comm, both pods' listeners: " + byComm);
                assertEquals(Set.of(b.inode()), WorkloadNamespaces.of(WorkloadFilter.of(List.of("shop/pb"), List.of(),
                        List.of(), List.of("listen_never_ac")), lookup, ProcFiles.system()), "comm and pod together");
                assertEquals(Set.of(a.inode(), b.inode()), WorkloadNamespaces.of(WorkloadFilter.of(List.of(),
                        List.of("shop"), List.of(), List.of()), lookup, ProcFiles.system()), "a Kubernetes namespace");
            } finally {
                engines.containerd().remove("k8s.io", idA);
                engines.containerd().remove("k8s.io", idB);
            }
        }
    }

    /**
     * `syndrop watch --pod shop/a` in this JVM, every namespace watched: it shows only a's drops and
     * says how many records the kernel delivered, which equals a's refused SYNs (Tcp:OutRsts) while
     * b's and everything else on this machine stayed in the kernel.
     */
    @Test
    void watchWithPodFilterReceivesOnlyThatPodsDropsFromTheKernel() throws Exception {
        int n = 6;
        try (Netns a = Netns.create("wpa"); Netns b = Netns.create("wpb")) {
            String idA = runPod(a, "shop", "wa");
            String idB = runPod(b, "shop", "wb");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SyncBytes err = new SyncBytes();
            int[] code = {-1};
            Thread watch = new Thread(() -> code[0] = Cli.run(new String[] {"watch", "--json", "--pod", "shop/wa",
                    "--backend", "tracepoint", "--duration", "15s", "--containerd-socket", engines.containerd().socket.toString(),
                    "--docker-socket", engines.noSocket("docker").toString(), "--crio-socket", engines.noSocket("crio").toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)),
                    "watch");
            try {
                watch.start();
                // the kernel passes a's namespace from here on, and a is named already: every drop shows
                String passing = "the kernel passes the drops of 1 network namespace(s) now [" + a.inode() + "]";
                long end = System.nanoTime() + WAIT.toNanos();
                while (!err.text().contains(passing) && System.nanoTime() < end) {
                    Thread.sleep(50);
                }
                assertTrue(err.text().contains(passing), err.text());
                Nstat beforeA = Nstat.read(a);
                Nstat beforeB = Nstat.read(b);
                refuse(a, n);
                refuse(b, n);
                long rstsA = Nstat.read(a).minus(beforeA).get("Tcp:OutRsts");
                long rstsB = Nstat.read(b).minus(beforeB).get("Tcp:OutRsts");
                watch.join(WAIT.toMillis() + 15_000);
                assertEquals(0, code[0], err.text());
                assertEquals(n, rstsA, "refused in a");
                assertEquals(n, rstsB, "refused in b");
                Matcher m = Pattern.compile("(\\d+) drop\\(s\\) shown of (\\d+) the kernel delivered").matcher(err.text());
                assertTrue(m.find(), err.text());
                assertEquals(n, Long.parseLong(m.group(2)), "the kernel delivered a's drops only: " + err.text());
                List<String> lines = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{")).toList();
                assertEquals(Long.parseLong(m.group(1)), lines.size(), out.toString(StandardCharsets.UTF_8));
                assertEquals(n, lines.size(), "every drop of a shown, the first one too (its namespace was named when"
                        + " the kernel started to pass it): " + lines);
                for (String l : lines) {
                    assertTrue(l.contains("\"podName\": \"wa\"") || l.contains("\"podName\":\"wa\""), l);
                    assertTrue(l.contains(Long.toString(a.inode())), l);
                }
            } finally {
                watch.join(60_000);
                System.err.println("watch's stderr:\n" + err.text());
                engines.containerd().remove("k8s.io", idA);
                engines.containerd().remove("k8s.io", idB);
            }
        }
    }

    private static IdentityStage stage() {
        return new IdentityStage(Path.of("/proc"), lookup(), s -> System.err.println("identity: " + s));
    }

    private static RuntimeContainerLookup lookup() {
        return RuntimeContainerLookup.open(engines.sockets());
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

    private static void awaitKernelNamespaces(IdentityStage stage, Set<Long> want) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!stage.kernelNamespaces().equals(want) && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertEquals(want, stage.kernelNamespaces(), "the kernel's namespaces within " + WAIT);
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

    /** stderr of the in-process watch, readable while it runs. */
    private static final class SyncBytes extends ByteArrayOutputStream {
        synchronized String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }
}
