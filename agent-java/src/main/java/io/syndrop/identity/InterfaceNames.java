package io.syndrop.identity;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.sun.jna.Pointer;
import io.syndrop.counters.NetnsThread;
import io.syndrop.event.EventEnricher;
import io.syndrop.os.Libc;
import io.syndrop.os.NetnsTarget;
import io.syndrop.proto.v1.DropEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Names the device a dropped segment came in on (DropEvent.ifname) from the kernel's (netns inode,
 * ifindex). The kernel has only the index; its name lives in the device's namespace, so it is
 * asked there: a background thread joins the namespace with setns(2) (through a /var/run/netns
 * entry or /proc/PID/ns/net of a process in it) and calls if_indextoname(3), whose socket is the
 * thread's. On the drain thread this only reads a bounded cache: a miss flows at once with the
 * name empty and is queued (bounded), so later drops on the device are named.
 *
 * <p>Names are kept {@link #KNOWN_TTL} (a device can be renamed or its index reused after it is
 * deleted), a pair that resolves to nothing is not asked again for {@link #NOT_FOUND_TTL}.
 */
public final class InterfaceNames implements EventEnricher, AutoCloseable {
    static final int MAX_ENTRIES = 4096;
    static final int MAX_PENDING = 256;
    static final Duration KNOWN_TTL = Duration.ofSeconds(60);
    static final Duration NOT_FOUND_TTL = Duration.ofSeconds(5);
    static final Duration MIN_ROUND_INTERVAL = Duration.ofMillis(200);

    private final Path proc;
    private final Path netnsDir;
    private final Consumer<String> warn;
    private final Cache<Long, String> names = CacheBuilder.newBuilder().maximumSize(MAX_ENTRIES)
            .expireAfterWrite(KNOWN_TTL).build();
    private final Cache<Long, Boolean> notFound = CacheBuilder.newBuilder().maximumSize(MAX_ENTRIES)
            .expireAfterWrite(NOT_FOUND_TTL).build();
    private final ConcurrentHashMap<String, byte[]> encodedNames = new ConcurrentHashMap<>();
    private final Set<Long> pending = ConcurrentHashMap.newKeySet();
    private final Semaphore work = new Semaphore(0);
    private final Thread resolver;
    private volatile boolean closed;
    private volatile boolean warned;

    public InterfaceNames(Path proc, Path netnsDir, Consumer<String> warn) {
        this.proc = proc;
        this.netnsDir = netnsDir;
        this.warn = warn;
        this.resolver = new Thread(this::resolveLoop, "syndrop-ifnames");
        resolver.setDaemon(true);
        resolver.start();
    }

    /** The node's /proc and /var/run/netns. */
    public static InterfaceNames start(Consumer<String> warn) {
        return new InterfaceNames(Path.of("/proc"), NetnsTarget.NETNS_RUN_DIR, warn);
    }

    /** Network namespace inodes are 32-bit (struct ns_common.inum), so one long holds the pair. */
    static long key(long netnsIno, int ifindex) {
        return (netnsIno << 32) | (ifindex & 0xffffffffL);
    }

    @Override
    public void enrich(DropEvent.Builder e) {
        String name = lookup(e.getNetnsIno(), e.getIfindex());
        if (name != null) {
            e.setIfname(name);
        }
    }

    @Override
    public boolean enrichesWire() {
        return true;
    }

    /** As {@link #enrich}, as the bytes of field 37, encoded once per name. */
    @Override
    public byte[] ifnameWire(long netnsIno, int ifindex) {
        String name = lookup(netnsIno, ifindex);
        if (name == null || name.isEmpty()) {
            return NO_FIELDS;
        }
        byte[] b = encodedNames.get(name);
        if (b == null) {
            b = DropEvent.newBuilder().setIfname(name).build().toByteArray();
            if (encodedNames.size() >= MAX_ENTRIES) {
                encodedNames.clear();
            }
            encodedNames.put(name, b);
        }
        return b;
    }

    /** The cached name, or null (and the lookup queued); never blocks. */
    private String lookup(long netns, int ifindex) {
        if (ifindex == 0 || netns == 0 || netns > 0xffffffffL) {
            return null;
        }
        long k = key(netns, ifindex);
        String name = names.getIfPresent(k);
        if (name == null && notFound.getIfPresent(k) == null && pending.size() < MAX_PENDING && pending.add(k)) {
            work.release();
        }
        return name;
    }

    /** The cached name, if resolved (for tests); never blocks. */
    public Optional<String> known(long netnsIno, int ifindex) {
        return Optional.ofNullable(names.getIfPresent(key(netnsIno, ifindex)));
    }

    private void resolveLoop() {
        while (!closed) {
            try {
                if (!work.tryAcquire(1, TimeUnit.SECONDS)) {
                    continue;
                }
                Thread.sleep(MIN_ROUND_INTERVAL.toMillis()); // one round answers what a burst queued
                work.drainPermits();
                Map<Long, List<Integer>> byNetns = new HashMap<>();
                for (Long k : List.copyOf(pending)) {
                    pending.remove(k);
                    byNetns.computeIfAbsent(k >>> 32, n -> new ArrayList<>()).add((int) (long) k);
                }
                byNetns.forEach(this::resolve);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                warnOnce("interface names: " + e);
            }
        }
    }

    private void resolve(long netns, List<Integer> ifindexes) {
        Optional<Path> ns = namespaceFile(netns);
        if (ns.isEmpty()) {
            ifindexes.forEach(i -> notFound.put(key(netns, i), Boolean.TRUE));
            return;
        }
        try {
            Map<Integer, String> found = NetnsThread.call(ns.get(), () -> {
                Map<Integer, String> m = new HashMap<>();
                byte[] buf = new byte[Libc.IF_NAMESIZE];
                for (int i : ifindexes) {
                    Pointer p = Libc.INSTANCE.if_indextoname(i, buf);
                    if (p != null) {
                        int n = 0;
                        while (n < buf.length && buf[n] != 0) {
                            n++;
                        }
                        m.put(i, new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
                return m;
            });
            for (int i : ifindexes) {
                String name = found.get(i);
                if (name != null) {
                    names.put(key(netns, i), name);
                } else {
                    notFound.put(key(netns, i), Boolean.TRUE);
                }
            }
        } catch (IOException e) {
            ifindexes.forEach(i -> notFound.put(key(netns, i), Boolean.TRUE));
            warnOnce("cannot name interfaces in network namespace " + netns + ": " + e.getMessage()
                    + " (events carry the ifindex only)");
        }
    }

    /** A file that opens the namespace: a /var/run/netns entry, else /proc/PID/ns/net of a process in it. */
    Optional<Path> namespaceFile(long netns) {
        if (Files.isDirectory(netnsDir)) {
            try (DirectoryStream<Path> names = Files.newDirectoryStream(netnsDir)) {
                for (Path p : names) {
                    try {
                        if (((Number) Files.getAttribute(p, "unix:ino")).longValue() == netns) {
                            return Optional.of(p);
                        }
                    } catch (IOException | RuntimeException e) {
                        // a stale entry: keep looking
                    }
                }
            } catch (IOException e) {
                // unreadable: try /proc
            }
        }
        String want = "net:[" + netns + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(proc,
                p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                Path link = p.resolve("ns/net");
                try {
                    if (Files.readSymbolicLink(link).toString().equals(want)) {
                        return Optional.of(link);
                    }
                } catch (IOException | SecurityException e) {
                    // exited meanwhile or not ours to look at
                }
            }
        } catch (IOException e) {
            warnOnce("cannot list " + proc + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    private void warnOnce(String line) {
        if (!warned) {
            warned = true;
            warn.accept(line);
        }
    }

    @Override
    public void close() {
        closed = true;
        resolver.interrupt();
        try {
            resolver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
