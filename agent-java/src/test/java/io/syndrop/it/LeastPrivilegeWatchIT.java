package io.syndrop.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.probe.AgentCapabilities;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/privileges.md made true: `syndrop watch` run by an unprivileged uid holding exactly the
 * capabilities of agent-capabilities.txt (the list deploy/ grants too) sees real drops in another
 * network namespace and samples that namespace's counters; with any one of them taken away it
 * refuses to start and names the one that is missing. On this 6.18 host only tracepoint mode
 * attaches, so the drops are closed-port SYNs the kernel frees with NO_SOCKET.
 */
class LeastPrivilegeWatchIT {
    private static final String NOBODY = "65534";
    private static Path copy;

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void theDocumentedSetWatchesDropsInAnotherNamespace() throws Exception {
        List<String> caps = new ArrayList<>(AgentCapabilities.required().keySet());
        try (Netns ns = Netns.create("leastpriv")) {
            // A process holds the namespace, as a pod's pause process does, and a listener makes it one
            // that watch samples: reading it needs CAP_SYS_PTRACE only, not setns and CAP_SYS_ADMIN.
            Process holder = new ProcessBuilder("ip", "netns", "exec", ns.name(), "sleep", "120").start();
            try {
                ServerSocket listener = ns.call(() -> new ServerSocket(0, 4, InetAddress.getLoopbackAddress()));
                int closed = ns.call(LeastPrivilegeWatchIT::closedPort);
                try (JarProcess p = startUnprivileged(caps, "watch", "--json", "--port",
                        Integer.toString(closed))) {
                    p.awaitStderr(l -> l.startsWith("attached: tracepoint"), Duration.ofSeconds(60));
                    String watching = p.awaitStderr(l -> l.contains("watching the counters of"), Duration.ofSeconds(30));
                    assertTrue(watching.contains("netns " + ns.name() + " (ino " + ns.inode() + ")")
                                    && !watching.contains("NOT watched: netns " + ns.name()),
                            "the namespace is sampled without CAP_SYS_ADMIN: " + watching);
                    Nstat before = Nstat.read(ns);
                    for (int i = 0; i < 3; i++) {
                        ns.call(() -> refusedConnect(closed));
                    }
                    for (int i = 0; i < 3; i++) {
                        JsonObject o = JsonParser.parseString(p.awaitStdout(l -> l.startsWith("{"), Duration.ofSeconds(20)))
                                .getAsJsonObject();
                        assertEquals("NO_SOCKET", o.get("kernelReason").getAsString(), o.toString());
                        assertEquals(closed, o.get("dstPort").getAsInt());
                        assertEquals(ns.inode(), o.get("netnsIno").getAsLong(), "the drop's namespace");
                    }
                    // The kernel's own count: one RST per refused SYN, and nothing else in this namespace sends any.
                    assertEquals(3, Nstat.read(ns).minus(before).get("Tcp:OutRsts"), "RSTs the namespace sent");
                }
                listener.close();
            } finally {
                holder.destroy();
                holder.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void eachCapabilityTakenAwayIsNamedInTheError() throws Exception {
        List<String> all = new ArrayList<>(AgentCapabilities.required().keySet());
        assertEquals(List.of("CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE"), all, "the set docs/privileges.md explains");
        for (String removed : all) {
            List<String> fewer = all.stream().filter(c -> !c.equals(removed)).collect(Collectors.toList());
            try (JarProcess p = startUnprivileged(fewer, "watch", "--duration", "5s")) {
                assertTrue(p.process().waitFor(60, TimeUnit.SECONDS), "watch without " + removed + " did not exit");
                String err = p.stderrSoFar();
                assertEquals(1, p.process().exitValue(), "exit status without " + removed + ": " + err);
                assertTrue(err.contains("missing capability " + removed + " (") && err.contains("grant " + removed),
                        "the error names " + removed + " and the fix: " + err);
            }
        }
    }

    /** setpriv as uid/gid 65534 with no groups and exactly {@code caps} (inheritable, ambient, bounding). */
    private static List<String> setpriv(List<String> caps) {
        String list = caps.stream().map(c -> "+" + c.substring(4).toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
        String set = caps.isEmpty() ? "-all" : "-all," + list;
        return List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "--inh-caps=" + set, "--ambient-caps=" + set, "--bounding-set=" + set);
    }

    /**
     * The jar where uid 65534 can read it: the checkout may sit under a directory only root may
     * enter (/root), so a world-readable copy in a fresh temporary directory is run instead.
     */
    private static JarProcess startUnprivileged(List<String> caps, String... args) throws Exception {
        if (copy == null) {
            Path dir = Files.createTempDirectory("syndrop-leastpriv");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            copy = Files.copy(JarProcess.jar(), dir.resolve("syndrop.jar"));
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return JarProcess.startWrapped(setpriv(caps), copy, args);
    }

    @AfterAll
    static void removeCopy() throws Exception {
        if (copy != null) {
            Files.delete(copy);
            Files.delete(copy.getParent());
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Void refusedConnect(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            throw new AssertionError("port " + port + " unexpectedly accepted a connection");
        } catch (ConnectException expected) {
            return null; // answered with a RST: the kernel freed the SYN with NO_SOCKET
        }
    }
}
