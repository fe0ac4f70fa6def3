package io.syndrop.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Naming and clean-up of test-bed namespaces. Every name embeds the creating JVM's pid
 * ({@code sdt-<pid>-<n>-<role>}) so that a later run can tell leftovers of a killed JVM from
 * namespaces of a JVM that is still running (other test JVMs may share this machine).
 * veth pairs are created directly between namespaces and iptables rules live in the router
 * namespace, so deleting the namespaces removes everything the test bed made.
 */
public final class Leftovers {
    public static final String PREFIX = "sdt-";
    static final Path NETNS_DIR = Path.of("/var/run/netns");
    private static final Pattern NAME = Pattern.compile("^" + PREFIX + "(\\d+)-.*");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();
    private static final Object HOOK_LOCK = new Object();
    private static boolean hookInstalled;

    private Leftovers() {}

    /** A fresh name for a namespace of this JVM; role is a short lowercase word like "server". */
    static String newName(String role) {
        if (!role.matches("[a-z][a-z0-9]{0,15}")) {
            throw new IllegalArgumentException("namespace role must be a short lowercase word, got '" + role + "'");
        }
        return PREFIX + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-" + role;
    }

    /** Remembers a namespace so the shutdown hook deletes it if the test never closes it. */
    static void register(String name) {
        synchronized (HOOK_LOCK) {
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(new Thread(Leftovers::deleteAllLive, "netns-testbed-cleanup"));
                hookInstalled = true;
            }
        }
        LIVE.add(name);
    }

    static void unregister(String name) {
        LIVE.remove(name);
    }

    private static void deleteAllLive() {
        for (String name : List.copyOf(LIVE)) {
            delete(name);
        }
    }

    /** Deletes one namespace; no error if it is already gone (another JVM may sweep concurrently). */
    static void delete(String name) {
        ExecResult r = Shell.run(List.of("ip", "netns", "del", name));
        if (!r.ok() && Files.exists(NETNS_DIR.resolve(name))) {
            throw new IllegalStateException("cannot delete network namespace " + name + ": " + r.describe());
        }
        LIVE.remove(name);
    }

    /** Names of existing test-bed namespaces (any JVM's). */
    public static List<String> existing() {
        if (!Files.isDirectory(NETNS_DIR)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(NETNS_DIR)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PREFIX)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + NETNS_DIR, e);
        }
    }

    /** Test-bed namespaces created by this JVM that are still there. */
    public static List<String> ownExisting() {
        String own = PREFIX + ProcessHandle.current().pid() + "-";
        return existing().stream().filter(n -> n.startsWith(own)).toList();
    }

    /**
     * Deletes test-bed namespaces whose creating pid no longer runs (a JVM killed with -9 runs no
     * shutdown hook). Returns the names it deleted. A reused pid delays the sweep until that
     * process ends; it never deletes a live JVM's namespaces.
     */
    public static synchronized List<String> sweep() {
        List<String> swept = new ArrayList<>();
        for (String name : existing()) {
            Matcher m = NAME.matcher(name);
            if (!m.matches()) {
                continue;
            }
            long pid = Long.parseLong(m.group(1));
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (!alive) {
                delete(name);
                swept.add(name);
            }
        }
        return swept;
    }
}
