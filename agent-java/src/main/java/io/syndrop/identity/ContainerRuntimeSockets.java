package io.syndrop.identity;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where the container runtimes' APIs listen, and how long to wait for them.
 *
 * @param containerd           containerd's gRPC socket
 * @param docker               Docker Engine's API socket
 * @param crio                 CRI-O's socket, asked through the Kubernetes CRI (runtime.v1)
 * @param containerdNamespaces the containerd namespaces asked, in order: the kubelet's CRI plugin
 *                             uses {@code k8s.io}, {@code ctr} uses {@code default}
 * @param timeout              the longest one call to a runtime may take
 */
public record ContainerRuntimeSockets(Path containerd, Path docker, Path crio, List<String> containerdNamespaces,
                                      Duration timeout) {

    public static final Path DEFAULT_CONTAINERD = Path.of("/run/containerd/containerd.sock");
    public static final Path DEFAULT_DOCKER = Path.of("/var/run/docker.sock");
    public static final Path DEFAULT_CRIO = Path.of("/run/crio/crio.sock");
    public static final List<String> DEFAULT_NAMESPACES = List.of("k8s.io", "default");
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public ContainerRuntimeSockets {
        containerdNamespaces = List.copyOf(containerdNamespaces);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the container runtime timeout must be positive, not " + timeout);
        }
    }

    public static ContainerRuntimeSockets defaults() {
        return new ContainerRuntimeSockets(DEFAULT_CONTAINERD, DEFAULT_DOCKER, DEFAULT_CRIO, DEFAULT_NAMESPACES, DEFAULT_TIMEOUT);
    }

    public ContainerRuntimeSockets withContainerd(Path socket) {
        return new ContainerRuntimeSockets(socket, docker, crio, containerdNamespaces, timeout);
    }

    public ContainerRuntimeSockets withDocker(Path socket) {
        return new ContainerRuntimeSockets(containerd, socket, crio, containerdNamespaces, timeout);
    }

    public ContainerRuntimeSockets withCrio(Path socket) {
        return new ContainerRuntimeSockets(containerd, docker, socket, containerdNamespaces, timeout);
    }
}
