package io.syndrop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TeardownTest {

    private static boolean exists(String name) {
        return Files.exists(Path.of("/var/run/netns", name));
    }

    @Test
    void namespacesAreGoneAfterATestBodyThrows() {
        List<String> names = new ArrayList<>();
        IllegalStateException boom = assertThrows(IllegalStateException.class, () -> {
            try (Topology t = Topology.nat(2).ipv6(true).nat6(true).build()) {
                t.namespaces().forEach(ns -> names.add(ns.name()));
                names.forEach(n -> assertTrue(exists(n), n));
                throw new IllegalStateException("test body failed");
            }
        });
        assertEquals("test body failed", boom.getMessage());
        assertEquals(4, names.size());
        names.forEach(n -> assertFalse(exists(n), n + " left behind"));
        assertEquals(List.of(), Leftovers.ownExisting());
    }

    @Test
    void aBuildThatFailsHalfwayRemovesWhatItMade() {
        List<String> before = Leftovers.ownExisting();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Topology.nat(2).routerSysctl("net.ipv4.no_such_knob", "1").build());
        assertTrue(e.getMessage().contains("no_such_knob"), e.getMessage());
        assertEquals(before, Leftovers.ownExisting());
    }

    @Test
    void leftoversOfAKilledJvmAreSweptByTheNextTopology() throws Exception {
        Process child = startChild("hang");
        List<String> names;
        try {
            names = readNames(child);
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
        }
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        assertEquals(2, names.size());
        assertTrue(names.get(0).startsWith(Leftovers.PREFIX + child.pid() + "-"), names.get(0));
        names.forEach(n -> assertTrue(exists(n), n + " should survive kill -9 until the next sweep"));

        try (Topology t = Topology.pair().build()) {
            names.forEach(n -> assertFalse(exists(n), n + " not swept"));
            assertTrue(exists(t.client().name()));
        }
    }

    @Test
    void aShellsLeftoverWithADeadPidIsSweptToo() throws Exception {
        Process sh = new ProcessBuilder("sh", "-c",
                "ip netns add " + Leftovers.PREFIX + "$$-1-shell && echo ready && exec sleep 60")
                .redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.UTF_8)).readLine();
        String name = Leftovers.PREFIX + sh.pid() + "-1-shell";
        sh.destroyForcibly();
        assertTrue(sh.waitFor(10, TimeUnit.SECONDS));
        assertEquals("ready", line);
        assertTrue(exists(name));
        assertTrue(Leftovers.sweep().contains(name));
        assertFalse(exists(name));
    }

    @Test
    void theShutdownHookDeletesNamespacesNobodyClosed() throws Exception {
        Process child = startChild("exit");
        List<String> names = readNames(child);
        assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
        assertEquals(2, names.size());
        names.forEach(n -> assertFalse(exists(n), n + " survived a normal JVM exit"));
    }

    @Test
    void aLiveJvmsNamespacesAreNotSwept() throws Exception {
        try (Netns mine = Netns.create("mine")) {
            Leftovers.sweep();
            assertTrue(exists(mine.name()));
        }
    }

    private static Process startChild(String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LeftoverMaker.class.getName(), mode).redirectErrorStream(true).start();
    }

    /** The child's namespace names, read until READY (or fails with what the child printed). */
    private static List<String> readNames(Process child) throws Exception {
        CompletableFuture<List<String>> f = CompletableFuture.supplyAsync(() -> {
            List<String> names = new ArrayList<>();
            StringBuilder all = new StringBuilder();
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                for (String line; (line = r.readLine()) != null; ) {
                    all.append(line).append('\n');
                    if (line.startsWith("NS ")) {
                        names.add(line.substring(3));
                    } else if (line.equals("READY")) {
                        return names;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("child JVM ended before READY; it printed:\n" + all);
        });
        return f.get(30, TimeUnit.SECONDS);
    }
}
