package io.syndrop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.identity.ContainerRuntimeSockets;
import io.syndrop.input.UsageException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --containerd-socket, --docker-socket and --crio-socket on watch and agent: defaults, given paths, a blank one refused. */
class ContainerRuntimeOptionsTest {

    @Test
    void defaultsAreTheRuntimesOwnSockets() {
        WatchCommand w = new WatchCommand();
        new CommandLine(w).parseArgs();
        assertEquals(ContainerRuntimeSockets.defaults(), w.runtimes.sockets());
    }

    @Test
    void watchAndAgentTakeTheSocketPaths() {
        WatchCommand w = new WatchCommand();
        new CommandLine(w).parseArgs("--containerd-socket", "/run/k3s/containerd/containerd.sock",
                "--docker-socket", "/run/user/1000/docker.sock", "--crio-socket", "/run/crio/crio.sock");
        assertEquals(Path.of("/run/k3s/containerd/containerd.sock"), w.runtimes.sockets().containerd());
        assertEquals(Path.of("/run/user/1000/docker.sock"), w.runtimes.sockets().docker());
        assertEquals(Path.of("/run/crio/crio.sock"), w.runtimes.sockets().crio());

        AgentCommand a = new AgentCommand();
        new CommandLine(a).parseArgs("--collector", "127.0.0.1:1", "--containerd-socket", "/x/c.sock");
        assertEquals(Path.of("/x/c.sock"), a.runtimes.sockets().containerd());
        assertEquals(ContainerRuntimeSockets.DEFAULT_DOCKER, a.runtimes.sockets().docker());
        assertEquals(ContainerRuntimeSockets.DEFAULT_CRIO, a.runtimes.sockets().crio());
    }

    @Test
    void aBlankSocketPathIsRefusedBeforeAnythingStarts() {
        WatchCommand w = new WatchCommand();
        new CommandLine(w).parseArgs("--docker-socket", " ");
        UsageException e = assertThrows(UsageException.class, w::validate);
        assertTrue(e.getMessage().contains("--docker-socket"), e.getMessage());

        WatchCommand c = new WatchCommand();
        new CommandLine(c).parseArgs("--crio-socket", "");
        UsageException ce = assertThrows(UsageException.class, c::validate);
        assertTrue(ce.getMessage().contains("--crio-socket"), ce.getMessage());
    }
}
