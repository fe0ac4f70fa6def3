package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The container side of the end-to-end identity test: a server in a pod's container (containerd,
 * namespace k8s.io, the kubelet's labels) in a network namespace the test bed made, so the test
 * bed's tools can send it traffic; its accept queue overflows (the kernel's own counter says so)
 * and the lookup names the listener's process and its namespace until the container is removed.
 */
class ContainerServerTest {

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withContainerd();

    private static final String UID = "7c1e4a9b-2d3f-4b6a-8e5c-0a9b8c7d6e5f";
    private static final int PORT = 8080;

    @Test
    void aPodsListenerThatNeverAcceptsOverflowsAndIsNamed() throws Exception {
        try (Netns pod = Netns.create("pod");
             RuntimeContainerLookup lookup = RuntimeContainerLookup.open(engines.sockets())) {
            engines.containerd().ctr("k8s.io", "run", "-d", "--with-ns", "network:" + pod.path(),
                    "--label", "io.kubernetes.pod.namespace=payments", "--label", "io.kubernetes.pod.name=api-5c9d",
                    "--label", "io.kubernetes.pod.uid=" + UID, "--label", "io.kubernetes.container.name=server",
                    "--label", "io.cri-containerd.kind=container",
                    BusyboxImage.REF, "server-1", "/bin/" + BusyboxImage.LISTENER, Integer.toString(PORT), "1");
            int pid = engines.containerd().taskPid("k8s.io", "server-1");
            assertEquals(pod.inode(), Commands.netnsInode(pid), "the container runs in the test bed's namespace");
            awaitListening(pod);

            Nstat before = Nstat.read(pod);
            List<SocketChannel> clients = connect(pod, 16);
            try {
                long overflows = awaitOverflows(pod, before);
                assertTrue(overflows > 0, "TcpExt:ListenOverflows in the pod's namespace: " + overflows);
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }

            ContainerInfo expected = new ContainerInfo("containerd", "server-1", "server", BusyboxImage.REF, UID,
                    "payments", "api-5c9d");
            assertEquals(Optional.of(expected), lookup.byPid(pid), "the listener's process");
            assertEquals(Optional.of(expected), lookup.byNetns(pod.inode()), "the listener's namespace");

            engines.containerd().remove("k8s.io", "server-1");
            assertEquals(Optional.empty(), lookup.byPid(pid));
            assertEquals(Optional.empty(), lookup.byNetns(pod.inode()), "a namespace whose container is gone");
        }
    }

    private static List<SocketChannel> connect(Netns ns, int n) throws Exception {
        return NonBlockingClients.open(ns, new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT), n);
    }

    /** Waits (up to 20 s, not a timing assertion) for the container's socket to listen on PORT. */
    private static void awaitListening(Netns ns) throws InterruptedException {
        String local = String.format(":%04X 00000000:0000 0A", PORT);
        for (int i = 0; i < 400; i++) {
            if (ns.readProc("/proc/net/tcp").contains(local)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing listens on port " + PORT + " in " + ns + ":\n" + ns.readProc("/proc/net/tcp"));
    }

    /** The SYNs' and final ACKs' retransmissions keep meeting the full queue: wait until the counter moves. */
    private static long awaitOverflows(Netns ns, Nstat before) throws InterruptedException {
        long n = 0;
        for (int i = 0; i < 400 && n == 0; i++) {
            n = Nstat.read(ns).minus(before).getOrDefault("TcpExt:ListenOverflows", 0);
            if (n == 0) {
                Thread.sleep(50);
            }
        }
        return n;
    }
}
