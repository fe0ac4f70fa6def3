package io.syndrop.image;

import io.syndrop.demo.ExecResult;
import io.syndrop.demo.Shell;
import io.syndrop.identity.ContainerdEngine;
import io.syndrop.identity.DockerEngine;
import io.syndrop.identity.EngineCleanup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A private containerd and a Docker Engine on top of it, started by the same harness as the
 * identity tests' ({@link ContainerdEngine}, {@link DockerEngine}): their own roots under
 * /var/tmp, state and sockets under /run, no bridge and no iptables changes, so nothing shared on
 * the machine is touched. Closing stops both and removes everything they made.
 */
final class ContainerEngines implements AutoCloseable {
    static final String NAMESPACE = "syndrop-test";
    private final ContainerdEngine containerd;
    private final DockerEngine docker;
    private final Path work;

    private ContainerEngines(ContainerdEngine containerd, DockerEngine docker, Path work) {
        this.containerd = containerd;
        this.docker = docker;
        this.work = work;
    }

    static ContainerEngines start() throws Exception {
        ContainerdEngine c = ContainerdEngine.start();
        DockerEngine d = null;
        try {
            d = DockerEngine.onContainerd(c);
            ContainerEngines e = new ContainerEngines(c, d,
                    Files.createTempDirectory(Path.of("/var/tmp"), "syndrop-image-work-"));
            e.docker(Duration.ofSeconds(30), "version").orThrow();
            return e;
        } catch (Exception | AssertionError x) {
            EngineCleanup.closeAfter(x, d, c); // Docker first, then the containerd it runs on
            throw x;
        }
    }

    /** ctr against the private containerd, in this test's containerd namespace. */
    List<String> ctrCommand(String... args) {
        return ctrCommandIn(NAMESPACE, args);
    }

    /** ctr against the private containerd, in containerd namespace {@code namespace} (k8s.io: the kubelet's). */
    List<String> ctrCommandIn(String namespace, String... args) {
        return containerd.ctrCommand(namespace, args);
    }

    /** The private containerd's socket; its directory is what the agent's container mounts as /run/containerd. */
    Path containerdSocket() {
        return containerd.socket;
    }

    ExecResult ctr(Duration timeout, String... args) {
        return Shell.run(timeout, ctrCommand(args));
    }

    List<String> dockerCommand(String... args) {
        return docker.command(args);
    }

    ExecResult docker(Duration timeout, String... args) {
        return Shell.run(timeout, dockerCommand(args));
    }

    /** A fresh directory under this run's own (not /tmp: the engines' mounts must see it). */
    Path newDirectory(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    @Override
    public void close() throws Exception {
        try (AutoCloseable c = containerd; AutoCloseable d = docker) {
            // Docker first (its containers run on that containerd), then containerd
        } finally {
            EngineCleanup.removeTrees(work);
        }
    }
}
