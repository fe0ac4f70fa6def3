package io.syndrop.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar as an SRE runs it: `java -jar syndrop.jar watch` on this node, with no build tools on
 * PATH, printing drops live; and a SIGKILL of it leaves no BPF program or link behind.
 */
class WatchJarIT {
    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void printsLiveDropsWithNoBuildToolsOnPath() throws Exception {
        int port = closedPort();
        // No PATH at all: clang, bpftool, make and gcc cannot be found; only the JRE is used.
        try (JarProcess p = JarProcess.start(Map.of("PATH", "/nonexistent"), "watch", "--json", "--port",
                Integer.toString(port))) {
            p.awaitStderr(l -> l.startsWith("attached:"), Duration.ofSeconds(60));
            for (int i = 0; i < 3; i++) {
                refusedConnect(port);
            }
            Set<Long> seqs = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                String line = p.awaitStdout(l -> l.startsWith("{"), Duration.ofSeconds(20));
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                assertEquals("KERNEL_REASON", o.get("reason").getAsString());
                assertEquals("NO_SOCKET", o.get("kernelReason").getAsString());
                assertEquals("127.0.0.1", o.get("srcAddr").getAsString());
                assertEquals(port, o.get("dstPort").getAsInt());
                assertTrue(o.get("tsval").getAsLong() != 0, "Linux sends timestamps on SYNs");
                seqs.add(o.get("seq").getAsLong());
            }
            assertEquals(Set.of(1L, 2L, 3L), seqs);
        }
    }

    @Test
    void sigkillLeavesNoProgramOrLinkAttached() throws Exception {
        Set<Long> progsBefore;
        Set<Long> linksBefore;
        try (JarProcess p = JarProcess.start(null, "watch", "--port", "1")) {
            p.awaitStderr(l -> l.startsWith("attached:"), Duration.ofSeconds(60));
            long pid = p.process().pid();
            progsBefore = Bpftool.idsOwnedBy("prog", pid);
            linksBefore = Bpftool.idsOwnedBy("link", pid);
            assertFalse(progsBefore.isEmpty(), "the running agent owns BPF programs: " + Bpftool.show("prog"));
            assertFalse(linksBefore.isEmpty(), "the running agent owns BPF links: " + Bpftool.show("link"));
            p.process().destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(p.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Set<Long> progsLeft;
        Set<Long> linksLeft;
        do {
            Thread.sleep(200);
            progsLeft = Bpftool.ids("prog");
            progsLeft.retainAll(progsBefore);
            linksLeft = Bpftool.ids("link");
            linksLeft.retainAll(linksBefore);
        } while ((!progsLeft.isEmpty() || !linksLeft.isEmpty()) && System.nanoTime() < deadline);
        assertTrue(progsLeft.isEmpty(), "programs left after SIGKILL: " + progsLeft);
        assertTrue(linksLeft.isEmpty(), "links left after SIGKILL: " + linksLeft);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void refusedConnect(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            throw new AssertionError("port " + port + " unexpectedly accepted a connection");
        } catch (ConnectException expected) {
            // the SYN was answered with a RST: the kernel freed it with NO_SOCKET
        }
    }

    /** bpftool's JSON view of programs and links. */
    static final class Bpftool {
        static String show(String what) throws Exception {
            Process p = new ProcessBuilder(bpftool(), "-j", what, "show").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        }

        static Set<Long> ids(String what) throws Exception {
            Set<Long> ids = new HashSet<>();
            for (var e : JsonParser.parseString(show(what)).getAsJsonArray()) {
                ids.add(e.getAsJsonObject().get("id").getAsLong());
            }
            return ids;
        }

        /** Program or link ids held by a process, from its fds' fdinfo (prog_id: / link_id:). */
        static Set<Long> idsOwnedBy(String what, long pid) throws Exception {
            String key = what + "_id:";
            Set<Long> ids = new HashSet<>();
            try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc", Long.toString(pid), "fdinfo"))) {
                for (var f : (Iterable<java.nio.file.Path>) fds::iterator) {
                    try {
                        for (String line : java.nio.file.Files.readAllLines(f)) {
                            if (line.startsWith(key)) {
                                ids.add(Long.parseLong(line.substring(key.length()).trim()));
                            }
                        }
                    } catch (java.io.IOException closedMeanwhile) {
                        // fd closed while listing
                    }
                }
            }
            return ids;
        }

        private static String bpftool() {
            for (String p : new String[] {"/usr/sbin/bpftool", "/usr/bin/bpftool", "/sbin/bpftool"}) {
                if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(p))) {
                    return p;
                }
            }
            throw new AssertionError("bpftool is not installed (scripts/install-deps.sh installs it)");
        }
    }
}
