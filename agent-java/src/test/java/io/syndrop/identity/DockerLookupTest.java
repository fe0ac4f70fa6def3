package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real Docker Engine (its own data root and socket), containers with the kubelet's labels, each with its own netns. */
class DockerLookupTest {

    private static Path work;
    private static DockerEngine engine;
    private RuntimeContainerLookup lookup;

    @BeforeAll
    static void startDocker() throws Exception {
        Commands.requireRoot();
        work = Files.createTempDirectory(Path.of("/var/tmp"), "syndrop-image-");
        engine = DockerEngine.start(BusyboxImage.build(work));
    }

    @AfterAll
    static void stopDocker() throws Exception {
        try {
            if (engine != null) {
                engine.close();
            }
        } finally {
            if (work != null) {
                EngineCleanup.removeTrees(work);
            }
        }
    }

    /** One lookup per test: a namespace inode one test saw die (and cached as unknown) may be reused by the next. */
    @BeforeEach
    void openLookup() {
        lookup = RuntimeContainerLookup.open(ContainerRuntimeSockets.defaults().withDocker(engine.socket)
                .withContainerd(work.resolve("no-containerd-here.sock")));
    }

    @AfterEach
    void closeLookup() {
        lookup.close();
    }

    @Test
    void kubeletLabelledContainerIsNamedByPidAndNetnsUntilItIsRemoved() {
        String id = engine.docker("run", "-d", "--name", "web1", "--network", "none",
                "--label", "io.kubernetes.pod.name=web-0", "--label", "io.kubernetes.pod.namespace=shop",
                "--label", "io.kubernetes.container.name=nginx", DockerEngine.IMAGE, "/bin/sleep", "300");
        int pid = engine.pid("web1");
        long netns = Commands.netnsInode(pid);
        assertNotEquals(Commands.netnsInode(ProcessHandle.current().pid()), netns, "the container has its own netns");

        ContainerInfo expected = new ContainerInfo("docker", id, "nginx", DockerEngine.IMAGE, "", "shop", "web-0");
        assertEquals(Optional.of(expected), lookup.byPid(pid));
        assertEquals(Optional.of(expected), lookup.byNetns(netns));
        assertEquals(Optional.of(expected), lookup.byNetns(netns));

        engine.docker("rm", "-f", "web1");
        assertEquals(Optional.empty(), lookup.byPid(pid), "a removed container's pid names nothing");
        assertEquals(Optional.empty(), lookup.byNetns(netns), "a removed container's netns names nothing");
    }

    @Test
    void aPlainContainerIsNamedByDockersOwnName() {
        String id = engine.docker("run", "-d", "--name", "plain", "--network", "none", DockerEngine.IMAGE,
                "/bin/sleep", "300");
        try {
            int pid = engine.pid("plain");
            ContainerInfo expected = new ContainerInfo("docker", id, "plain", DockerEngine.IMAGE, "", "", "");
            assertEquals(Optional.of(expected), lookup.byPid(pid));
            assertEquals(Optional.of(expected), lookup.byNetns(Commands.netnsInode(pid)));
        } finally {
            engine.docker("rm", "-f", "plain");
        }
    }

    @Test
    void hostProcessesAndTheHostNetnsAreNoContainer() {
        long self = ProcessHandle.current().pid();
        assertEquals(Optional.empty(), lookup.byPid((int) self));
        assertEquals(Optional.empty(), lookup.byNetns(Commands.netnsInode(self)));
    }
}
