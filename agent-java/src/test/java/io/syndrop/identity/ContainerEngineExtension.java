package io.syndrop.identity;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one way the tests get a real container engine: a containerd or a Docker Engine of the
 * class's own (its root, state and socket; nothing shared on the machine is touched), started
 * before the class's first test and stopped, with everything it made, after its last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ContainerEngineExtension engines = ContainerEngineExtension.withContainerd();
 * ... engines.containerd().ctr("k8s.io", "run", ...) ...
 * }</pre>
 *
 * <p>What is shared: the busybox image ({@link BusyboxImage}), built once per test JVM and
 * removed when the JVM's tests end; it is only read. What is not: the engine. Each class's
 * containers, caches of unknown namespaces and cleanup stay its own, so one class's leftovers or a
 * crash of its engine cannot fail another class. Needs root; fails loudly without it.
 */
public final class ContainerEngineExtension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

    private enum Kind { CONTAINERD, DOCKER }

    private final Kind kind;
    private Path work;
    private ContainerdEngine containerd;
    private DockerEngine docker;
    private RuntimeContainerLookup lookup;

    private ContainerEngineExtension(Kind kind) {
        this.kind = kind;
    }

    /** A containerd (namespaces default and k8s.io have the image; its CRI plugin serves runtime.v1). */
    public static ContainerEngineExtension withContainerd() {
        return new ContainerEngineExtension(Kind.CONTAINERD);
    }

    /** A Docker Engine with the image as {@link DockerEngine#IMAGE}. */
    public static ContainerEngineExtension withDocker() {
        return new ContainerEngineExtension(Kind.DOCKER);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Commands.requireRoot();
        BusyboxImage image = SharedImage.get(context);
        work = Files.createTempDirectory(Path.of("/var/tmp"), "syndrop-engine-work-");
        switch (kind) {
            case CONTAINERD -> containerd = ContainerdEngine.start(image);
            case DOCKER -> docker = DockerEngine.start(image);
            default -> throw new AssertionError(kind);
        }
    }

    /** Closes the test's lookup: a namespace inode one test saw die (and cached as unknown) may be reused by the next. */
    @Override
    public void afterEach(ExtensionContext context) {
        if (lookup != null) {
            lookup.close();
            lookup = null;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try (AutoCloseable c = containerd; AutoCloseable d = docker) {
            containerd = null;
            docker = null;
        } finally {
            if (work != null) {
                EngineCleanup.removeTrees(work);
            }
        }
    }

    public ContainerdEngine containerd() {
        if (containerd == null) {
            throw new IllegalStateException("no containerd: register ContainerEngineExtension.withContainerd()");
        }
        return containerd;
    }

    DockerEngine docker() {
        if (docker == null) {
            throw new IllegalStateException("no Docker Engine: register ContainerEngineExtension.withDocker()");
        }
        return docker;
    }

    /** A directory of this class's own under /var/tmp (engines' mounts and a VM see it), removed after the class. */
    public Path work() {
        return work;
    }

    /**
     * The runtime sockets a lookup asks: this class's engine at its own socket, every other
     * runtime at a path where nothing listens (never the machine's own runtimes).
     */
    public ContainerRuntimeSockets sockets() {
        return ContainerRuntimeSockets.defaults()
                .withContainerd(containerd != null ? containerd.socket : noSocket("containerd"))
                .withDocker(docker != null ? docker.socket : noSocket("docker"))
                .withCrio(noSocket("crio"));
    }

    /** A lookup of this class's engine ({@link #sockets()}), one per test, closed after it. */
    public RuntimeContainerLookup lookup() {
        if (lookup == null) {
            lookup = RuntimeContainerLookup.open(sockets());
        }
        return lookup;
    }

    /** None of the runtimes: what a lookup knows from cgroup paths alone. */
    public ContainerRuntimeSockets noSockets() {
        return ContainerRuntimeSockets.defaults().withContainerd(noSocket("containerd"))
                .withDocker(noSocket("docker")).withCrio(noSocket("crio"));
    }

    /** A socket path where nothing listens: the runtimes a test does not start. */
    public Path noSocket(String runtime) {
        return work.resolve("no-" + runtime + "-here.sock");
    }

    /** The image, built once in the root context's store and removed when the test JVM's tests end. */
    private static final class SharedImage implements AutoCloseable {
        private final Path dir;
        private final BusyboxImage image;

        private SharedImage(Path dir, BusyboxImage image) {
            this.dir = dir;
            this.image = image;
        }

        static BusyboxImage get(ExtensionContext context) {
            ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.create(SharedImage.class));
            return store.getOrComputeIfAbsent(SharedImage.class, k -> build(), SharedImage.class).image;
        }

        private static SharedImage build() {
            Path dir = null;
            try {
                dir = Files.createTempDirectory(Path.of("/var/tmp"), "syndrop-image-");
                return new SharedImage(dir, BusyboxImage.build(dir));
            } catch (Exception e) {
                if (dir != null) {
                    try {
                        EngineCleanup.removeTrees(dir);
                    } catch (Exception cleanup) {
                        e.addSuppressed(cleanup);
                    }
                }
                throw new AssertionError("could not build the busybox test image: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws Exception {
            EngineCleanup.removeTrees(dir);
        }
    }
}
