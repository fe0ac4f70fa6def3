package io.syndrop.cli;

import io.syndrop.event.EventEnricher;
import io.syndrop.identity.ContainerRuntimeSockets;
import io.syndrop.identity.IdentityStage;
import io.syndrop.input.UsageException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the container runtimes' APIs listen, for container and pod names (watch and agent). */
public final class ContainerRuntimeOptions {

    @Option(names = "--containerd-socket", paramLabel = "PATH",
            description = "containerd's API socket, asked for container and pod names (default "
                    + "/run/containerd/containerd.sock); none there only means no names from containerd")
    Path containerd = ContainerRuntimeSockets.DEFAULT_CONTAINERD;

    @Option(names = "--docker-socket", paramLabel = "PATH",
            description = "Docker Engine's API socket, asked for container and pod names (default "
                    + "/var/run/docker.sock); none there only means no names from Docker")
    Path docker = ContainerRuntimeSockets.DEFAULT_DOCKER;

    @Option(names = "--crio-socket", paramLabel = "PATH",
            description = "CRI-O's socket, asked through the Kubernetes CRI for container and pod names (default "
                    + "/run/crio/crio.sock); none there only means no names from CRI-O")
    Path crio = ContainerRuntimeSockets.DEFAULT_CRIO;

    @Option(names = "--no-identity", description = "do not name listeners, containers and pods (no /proc scans, no "
            + "runtime API calls; events carry the listener inode and netns only, and the workload filters match nothing)")
    boolean noIdentity;

    /** The identity stage for these sockets, or none with --no-identity; its warnings go to {@code err}. */
    public EventEnricher enricher(java.io.PrintStream err) {
        ContainerRuntimeSockets s = sockets();
        return noIdentity ? EventEnricher.NONE : IdentityStage.forNode(s, err);
    }

    /** The sockets, or null with --no-identity (nothing to resolve). */
    public ContainerRuntimeSockets socketsOrNone() {
        ContainerRuntimeSockets s = sockets();
        return noIdentity ? null : s;
    }

    public ContainerRuntimeSockets sockets() {
        if (containerd.toString().isBlank() || docker.toString().isBlank() || crio.toString().isBlank()) {
            throw new UsageException("--containerd-socket, --docker-socket and --crio-socket need a path (or leave"
                    + " them out)");
        }
        return ContainerRuntimeSockets.defaults().withContainerd(containerd).withDocker(docker).withCrio(crio);
    }
}
