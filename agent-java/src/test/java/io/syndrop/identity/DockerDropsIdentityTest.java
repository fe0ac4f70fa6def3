package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syndrop.demo.Netns;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.ProbeRecorder;
import io.syndrop.proto.v1.DropEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed's own setting: the dropping listener runs in a Docker container (a real Docker Engine
 * of the test's own, the kubelet's labels, {@code --network none}, so a network namespace of its
 * own that nothing else on this machine sends to). The drops are made on that namespace's
 * loopback and seen on this machine's kernel (tracepoint mode); they carry the pod, the container
 * (Docker's 64-hex id, the kubelet's container name, the image) and the listening process, named
 * through Docker Engine's API (what the seed's engineer got from {@code docker inspect}); once the
 * container is removed, drops in the namespace (kept alive by the test's name for it) name nothing.
 */
class DockerDropsIdentityTest {

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withDocker();

    private static final String UID = "0f1e2d3c-4b5a-4697-8877-665544332211";
    private static final int PORT = 8080;
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void acceptQueueAndClosedPortDropsInADockerContainerNameThePodContainerAndProcess() throws Exception {
        String id = engines.docker().docker("run", "-d", "--name", "controller-d", "--network", "none",
                "--label", "io.kubernetes.pod.namespace=ingress-nginx",
                "--label", "io.kubernetes.pod.name=ingress-nginx-controller-5f8",
                "--label", "io.kubernetes.pod.uid=" + UID, "--label", "io.kubernetes.container.name=controller",
                DockerEngine.IMAGE, "/bin/" + BusyboxImage.LISTENER, Integer.toString(PORT), "4");
        int pid = engines.docker().pid("controller-d");
        InetAddress lo = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        boolean removed = false;
        try (Netns pod = Netns.attach("dockerpod", pid);
             IdentityStage stage = new IdentityStage(Path.of("/proc"), RuntimeContainerLookup.open(engines.sockets()),
                     s -> { });
             ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, pod.inode(), stage)) {
            long ino = ContainerDropsIdentityTest.awaitListener(pod, PORT);

            // clients and listener share the container's loopback
            List<DropEvent> overflows = ListenerIdentityTest.overflowUntilNamed(pod, pod,
                    (client, n) -> NonBlockingClients.open(client, new InetSocketAddress(lo, PORT), n), rec, stage, ino);
            DropEvent named = overflows.get(overflows.size() - 1);
            assertEquals(pid, named.getProcessPid(), named.toString());
            assertEquals("listen_never_ac", named.getProcessComm(), "comm is 15 bytes: " + named);
            assertEquals(id, named.getContainerId(), "Docker's full id, as docker run printed it: " + named);
            assertEquals("controller", named.getContainerName(), "the kubelet's container name: " + named);
            assertEquals(DockerEngine.IMAGE, named.getContainerImage(), named.toString());
            assertEquals("docker", named.getContainerRuntime(), named.toString());
            assertEquals("ingress-nginx", named.getPodNamespace(), named.toString());
            assertEquals("ingress-nginx-controller-5f8", named.getPodName(), named.toString());
            assertEquals(UID, named.getPodUid(), named.toString());

            // a closed port has no listener: the namespace names the pod
            InetSocketAddress closedPort = new InetSocketAddress(lo, PORT + 1);
            DropEvent closed = ContainerDropsIdentityTest.closedPortUntilNamed(pod, closedPort, rec);
            assertEquals(id, closed.getContainerId(), closed.toString());
            assertEquals("ingress-nginx-controller-5f8", closed.getPodName(), closed.toString());
            assertEquals(0, closed.getProcessPid(), "no listener, no process: " + closed);

            // removed while drops keep coming in its namespace: they stop naming it, and stay so
            engines.docker().docker("rm", "-f", "controller-d");
            removed = true;
            ContainerDropsIdentityTest.closedPortUntilUnnamed(pod, closedPort, rec);
            int seen = rec.events().size();
            for (SocketChannel c : NonBlockingClients.open(pod, closedPort, 3)) {
                c.close();
            }
            for (DropEvent e : rec.await(seen + 3, WAIT).subList(seen, seen + 3)) {
                assertEquals("", e.getContainerId(), "no stale name after removal: " + e);
                assertEquals("", e.getPodName(), "no stale name after removal: " + e);
            }
        } finally {
            if (!removed) {
                engines.docker().docker("rm", "-f", "controller-d");
            }
        }
    }
}
