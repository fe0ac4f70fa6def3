package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real Docker Engine (its own data root and socket), containers with the kubelet's labels, each with its own netns. */
class DockerLookupTest {

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withDocker();

    @Test
    void kubeletLabelledContainerIsNamedByPidAndNetnsUntilItIsRemoved() {
        String id = engines.docker().docker("run", "-d", "--name", "web1", "--network", "none",
                "--label", "io.kubernetes.pod.name=web-0", "--label", "io.kubernetes.pod.namespace=shop",
                "--label", "io.kubernetes.container.name=nginx", DockerEngine.IMAGE, "/bin/sleep", "300");
        int pid = engines.docker().pid("web1");
        long netns = Commands.netnsInode(pid);
        assertNotEquals(Commands.netnsInode(ProcessHandle.current().pid()), netns, "the container has its own netns");

        ContainerInfo expected = new ContainerInfo("docker", id, "nginx", DockerEngine.IMAGE, "", "shop", "web-0");
        assertEquals(Optional.of(expected), engines.lookup().byPid(pid));
        assertEquals(Optional.of(expected), engines.lookup().byNetns(netns));
        assertEquals(Optional.of(expected), engines.lookup().byNetns(netns));

        engines.docker().docker("rm", "-f", "web1");
        assertEquals(Optional.empty(), engines.lookup().byPid(pid), "a removed container's pid names nothing");
        assertEquals(Optional.empty(), engines.lookup().byNetns(netns), "a removed container's netns names nothing");
    }

    @Test
    void aPlainContainerIsNamedByDockersOwnName() {
        String id = engines.docker().docker("run", "-d", "--name", "plain", "--network", "none", DockerEngine.IMAGE,
                "/bin/sleep", "300");
        try {
            int pid = engines.docker().pid("plain");
            ContainerInfo expected = new ContainerInfo("docker", id, "plain", DockerEngine.IMAGE, "", "", "");
            assertEquals(Optional.of(expected), engines.lookup().byPid(pid));
            assertEquals(Optional.of(expected), engines.lookup().byNetns(Commands.netnsInode(pid)));
        } finally {
            engines.docker().docker("rm", "-f", "plain");
        }
    }

    @Test
    void hostProcessesAndTheHostNetnsAreNoContainer() {
        long self = ProcessHandle.current().pid();
        assertEquals(Optional.empty(), engines.lookup().byPid((int) self));
        assertEquals(Optional.empty(), engines.lookup().byNetns(Commands.netnsInode(self)));
    }
}
