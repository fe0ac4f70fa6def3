package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.demo.Topology;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.ProbeRecorder;
import io.syndrop.proto.v1.DropEvent;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End to end on this machine's kernel (tracepoint mode): a server in a pod's container (a real
 * containerd of the test's own, namespace k8s.io, the kubelet's labels) in the test bed's server
 * namespace; its drops carry the pod, the container and the listening process, resolved through
 * the identity stage and {@link RuntimeContainerLookup}; once the container is removed, later drops
 * in its namespace carry no name of it.
 */
class ContainerDropsIdentityTest {

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withContainerd();

    private static final String UID = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
    private static final int PORT = 8080;
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void acceptQueueAndClosedPortDropsNameThePodContainerAndProcess() throws Exception {
        try (Topology t = Topology.pair().build();
             IdentityStage stage = new IdentityStage(Path.of("/proc"), RuntimeContainerLookup.open(
                     engines.sockets()), s -> { });
             ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode(), stage)) {
            engines.containerd().ctr("k8s.io", "run", "-d", "--with-ns", "network:" + t.server().path(),
                    "--label", "io.kubernetes.pod.namespace=ingress-nginx",
                    "--label", "io.kubernetes.pod.name=ingress-nginx-controller-7d9",
                    "--label", "io.kubernetes.pod.uid=" + UID, "--label", "io.kubernetes.container.name=controller",
                    BusyboxImage.REF, "controller-1", "/bin/" + BusyboxImage.LISTENER, Integer.toString(PORT), "4");
            int pid = engines.containerd().taskPid("k8s.io", "controller-1");
            long ino = awaitListener(t.server(), PORT);

            List<DropEvent> overflows = ListenerIdentityTest.overflowUntilNamed(t, (client, n) -> connect(client, t,
                    PORT, n), rec, stage, ino);
            DropEvent named = overflows.get(overflows.size() - 1);
            assertEquals(pid, named.getProcessPid(), named.toString());
            assertEquals("listen_never_ac", named.getProcessComm(), "comm is 15 bytes: " + named);
            assertEquals("controller-1", named.getContainerId(), named.toString());
            assertEquals("controller", named.getContainerName(), named.toString());
            assertEquals(BusyboxImage.REF, named.getContainerImage(), named.toString());
            assertEquals("containerd", named.getContainerRuntime(), named.toString());
            assertEquals("ingress-nginx", named.getPodNamespace(), named.toString());
            assertEquals("ingress-nginx-controller-7d9", named.getPodName(), named.toString());
            assertEquals(UID, named.getPodUid(), named.toString());

            // a closed port has no listener: the namespace names the pod
            InetSocketAddress closedPort = new InetSocketAddress(t.serverAddress(), PORT + 1);
            DropEvent closed = closedPortUntilNamed(t.client(), closedPort, rec);
            assertEquals("controller-1", closed.getContainerId(), closed.toString());
            assertEquals("ingress-nginx-controller-7d9", closed.getPodName(), closed.toString());
            assertEquals(0, closed.getProcessPid(), "no listener, no process: " + closed);

            // removed while drops keep coming in its namespace: they stop naming it, and stay so
            engines.containerd().remove("k8s.io", "controller-1");
            closedPortUntilUnnamed(t.client(), closedPort, rec);
            int seen = rec.events().size();
            for (SocketChannel c : NonBlockingClients.open(t.client(), closedPort, 3)) {
                c.close();
            }
            for (DropEvent e : rec.await(seen + 3, WAIT).subList(seen, seen + 3)) {
                assertEquals("", e.getContainerId(), "no stale name after removal: " + e);
                assertEquals("", e.getPodName(), "no stale name after removal: " + e);
            }
        }
    }

    static long awaitListener(io.syndrop.demo.Netns server, int port) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return ListenerIdentityTest.listenerInode(server, port);
            } catch (AssertionError notYet) {
                if (System.nanoTime() > end) {
                    throw notYet;
                }
                Thread.sleep(50);
            }
        }
    }

    /** Sends SYNs to {@code closed} (no listener) from {@code client} until a drop of them names its pod (up to WAIT). */
    static DropEvent closedPortUntilNamed(io.syndrop.demo.Netns client, InetSocketAddress closed, ProbeRecorder rec)
            throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            int seen = rec.events().size();
            for (SocketChannel c : NonBlockingClients.open(client, closed, 1)) {
                c.close();
            }
            for (DropEvent e : rec.await(seen + 1, Duration.ofSeconds(2))) {
                if (e.getDstPort() == closed.getPort() && !e.getPodName().isEmpty()) {
                    return e;
                }
            }
        }
        throw new AssertionError("no closed-port drop named its pod within " + WAIT + ": " + rec.events());
    }

    /** Drops go on in the namespace after its container is removed; waits (up to WAIT) for one without its name. */
    static void closedPortUntilUnnamed(io.syndrop.demo.Netns client, InetSocketAddress closed, ProbeRecorder rec)
            throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            int seen = rec.events().size();
            for (SocketChannel c : NonBlockingClients.open(client, closed, 1)) {
                c.close();
            }
            List<DropEvent> all = rec.await(seen + 1, Duration.ofSeconds(2));
            if (all.size() > seen && all.get(all.size() - 1).getPodName().isEmpty()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("closed-port drops still name the removed pod after " + WAIT + ": "
                + rec.events().get(rec.events().size() - 1));
    }

    private static List<SocketChannel> connect(io.syndrop.demo.Netns client, Topology t, int port, int n)
            throws Exception {
        return NonBlockingClients.open(client, new InetSocketAddress(t.serverAddress(), port), n);
    }
}
