package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.syndrop.identity.RuntimeApi.RuntimeContainer;
import io.syndrop.identity.RuntimeApi.RuntimeTask;
import io.syndrop.proto.cri.ContainerConfig;
import io.syndrop.proto.cri.ContainerMetadata;
import io.syndrop.proto.cri.CreateContainerRequest;
import io.syndrop.proto.cri.ImageSpec;
import io.syndrop.proto.cri.LinuxContainerConfig;
import io.syndrop.proto.cri.LinuxContainerSecurityContext;
import io.syndrop.proto.cri.LinuxPodSandboxConfig;
import io.syndrop.proto.cri.LinuxSandboxSecurityContext;
import io.syndrop.proto.cri.NamespaceMode;
import io.syndrop.proto.cri.NamespaceOption;
import io.syndrop.proto.cri.PodSandboxConfig;
import io.syndrop.proto.cri.PodSandboxMetadata;
import io.syndrop.proto.cri.RemoveContainerRequest;
import io.syndrop.proto.cri.RemovePodSandboxRequest;
import io.syndrop.proto.cri.RunPodSandboxRequest;
import io.syndrop.proto.cri.RuntimeServiceGrpc;
import io.syndrop.proto.cri.StartContainerRequest;
import io.syndrop.proto.cri.StopContainerRequest;
import io.syndrop.proto.cri.StopPodSandboxRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CRI client ({@link CriApi}, what syndrop asks CRI-O through) against a real CRI server:
 * containerd's CRI plugin on the test's own containerd. No CRI-O package exists in the Debian
 * releases this project installs from, and containerd's plugin serves the same
 * {@code runtime.v1.RuntimeService}. The pod is made as the kubelet makes one, through CRI calls
 * ({@code RunPodSandbox}, {@code CreateContainer}, {@code StartContainer}) with a locally built
 * image; it uses the node's network (no CNI here), and its cgroup parent is a kubelet-style
 * {@code .../pod<uid>} path, so the container's cgroup path names its id but no runtime, as under
 * the kubelet's cgroupfs driver. The lookup then has only the CRI to ask, under the runtime name
 * "cri-o": containerd's own API and Docker are pointed at sockets that do not exist.
 */
class CriLookupTest {

    private static final String UID = "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b";
    private static final Duration CALL = Duration.ofSeconds(60);

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withContainerd();

    private static EventLoopGroup group;
    private static ManagedChannel channel;
    private static String cgroupRoot;

    @BeforeAll
    static void connect() {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = UnixSocketGrpc.open(engines.containerd().socket, 4 * 1024 * 1024, group);
        cgroupRoot = "syndrop-cri-" + ProcessHandle.current().pid();
    }

    @AfterAll
    static void disconnect() throws IOException {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        removeCgroups(cgroupRoot);
    }

    @Test
    void aPodMadeThroughTheCriIsNamedByPidUntilItIsRemoved() throws Exception {
        PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("checkout-6f7").setNamespace("shop").setUid(UID))
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/" + cgroupRoot + "/pod" + UID)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(node())))
                .build();
        String sandbox;
        try {
            sandbox = cri().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
        } catch (RuntimeException e) {
            throw new AssertionError("RunPodSandbox: " + e.getMessage() + "\ncontainerd's log:\n"
                    + engines.containerd().logTail(), e);
        }
        String container = null;
        try (RuntimeContainerLookup lookup = RuntimeContainerLookup.open(
                engines.noSockets().withCrio(engines.containerd().socket))) {
            // the kubelet's labels, as it sets them on every container it creates
            container = cri().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox)
                    .setSandboxConfig(pod)
                    .setConfig(ContainerConfig.newBuilder()
                            .setMetadata(ContainerMetadata.newBuilder().setName("cart"))
                            .setImage(ImageSpec.newBuilder().setImage(BusyboxImage.REF))
                            .addAllCommand(List.of("/bin/sleep", "300"))
                            .putLabels(Labels.POD_NAMESPACE, "shop").putLabels(Labels.POD_NAME, "checkout-6f7")
                            .putLabels(Labels.POD_UID, UID).putLabels(Labels.CONTAINER_NAME, "cart")
                            .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                                    LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(node()))))
                    .build()).getContainerId();
            cri().startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());
            int pid = pidInCgroup(container);
            String cgroup = Files.readString(Path.of("/proc", Integer.toString(pid), "cgroup"));
            assertTrue(cgroup.contains("/" + cgroupRoot + "/pod" + UID + "/" + container), cgroup);

            ContainerInfo expected = new ContainerInfo("cri-o", container, "cart", BusyboxImage.REF, UID, "shop",
                    "checkout-6f7");
            assertEquals(Optional.of(expected), lookup.byPid(pid));
            assertEquals(Optional.of(expected), lookup.byPid(pid), "again, from the cache");

            // the API itself: the sandbox is a pod without a container name, both are listed as running
            try (CriApi api = new CriApi("cri-o", engines.containerd().socket, Duration.ofSeconds(10), group)) {
                RuntimeContainer s = api.inspect(sandbox, "").orElseThrow();
                assertTrue(s.sandbox());
                assertEquals(new ContainerInfo("cri-o", sandbox, "", "", UID, "shop", "checkout-6f7"), s.info());
                assertTrue(s.pid() > 0, "the sandbox's process id comes from the verbose info: " + s);
                RuntimeContainer c = api.inspect(container, "").orElseThrow();
                assertEquals(pid, c.pid(), "the container's init pid comes from the verbose info");
                List<String> running = api.running().stream().map(RuntimeTask::containerId).toList();
                assertTrue(running.containsAll(List.of(sandbox, container)), running.toString());
                assertEquals(Optional.empty(), api.inspect("0".repeat(64), ""), "an unknown id is no container");
            }

            cri().stopContainer(StopContainerRequest.newBuilder().setContainerId(container).setTimeout(0).build());
            cri().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(container).build());
            container = null;
            assertEquals(Optional.empty(), lookup.byPid(pid), "a removed container's pid names nothing");
        } finally {
            if (container != null) {
                cri().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(container).build());
            }
            cri().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
            cri().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
        }
    }

    @Test
    void aSocketThatIsNoCriServerSaysSo() throws Exception {
        // containerd's ttrpc socket is a socket, but no gRPC server: an error, not "not found"
        Path ttrpc = engines.containerd().socket.resolveSibling("containerd.sock.ttrpc");
        try (CriApi api = new CriApi("cri-o", ttrpc, Duration.ofSeconds(2), group)) {
            RuntimeUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(
                    RuntimeUnavailableException.class, () -> api.inspect("a".repeat(64), ""));
            assertTrue(!e.absent() && e.getMessage().contains(ttrpc.toString()), e.getMessage());
        }
        try (CriApi api = new CriApi("cri-o", engines.noSocket("crio"), Duration.ofSeconds(2), group)) {
            RuntimeUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(
                    RuntimeUnavailableException.class, api::running);
            assertTrue(e.absent(), e.getMessage());
        }
    }

    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub cri() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static NamespaceOption node() {
        return NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setPid(NamespaceMode.CONTAINER)
                .setIpc(NamespaceMode.POD).build();
    }

    /** The container's init process: the one process in its cgroup (pids hierarchy, as runc made it). */
    private static int pidInCgroup(String container) throws IOException {
        Path procs = Path.of("/sys/fs/cgroup/pids", cgroupRoot, "pod" + UID, container, "cgroup.procs");
        if (!Files.exists(procs)) {
            procs = Path.of("/sys/fs/cgroup", cgroupRoot, "pod" + UID, container, "cgroup.procs");
        }
        List<String> pids = Files.readAllLines(procs).stream().filter(s -> !s.isBlank()).toList();
        assertEquals(1, pids.size(), "one process in " + procs + ": " + pids);
        return Integer.parseInt(pids.get(0).trim());
    }

    /** The pod's cgroup parents the runtime left (runc removes only the containers' own), in every hierarchy. */
    private static void removeCgroups(String name) throws IOException {
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                for (Path root : List.of(h.resolve(name), h.getParent().resolve(name))) {
                    if (Files.isDirectory(root)) {
                        try (Stream<Path> dirs = Files.walk(root)) {
                            for (Path d : dirs.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                                Files.deleteIfExists(d);
                            }
                        }
                    }
                }
            }
        }
    }
}
