package io.syndrop.counters;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import io.syndrop.os.NetnsTarget;

/**
 * Finds the network namespaces of this node that have TCP listeners: every pod and container has
 * its own, and a listener's drops are counted only in its own namespace's counters.
 *
 * <p>Namespaces are found from /proc/[pid]/ns/net (deduplicated by inode, named after the
 * lowest pid holding one) and from the names under /var/run/netns (which `ip netns add` creates
 * and which may have no process in them). A namespace has listeners when the first socket line
 * of its /proc/net/tcp or tcp6 is in state LISTEN: the kernel lists listening sockets before all
 * others, so one line per file is read however many connections the namespace has. Only the
 * namespace syndrop runs in is kept without listeners (a listener may open there any time and it
 * costs nothing to read). At most {@link #MAX_NAMESPACES} are returned; the rest are counted.
 */
public final class NetnsDiscovery {
    /** Bounds the memory and the per-tick work of watching; a node has far fewer pods than this. */
    public static final int MAX_NAMESPACES = 512;

    private static final String TCP_LISTEN = "0A";

    private final Path proc;
    private final Path runDir;

    public NetnsDiscovery() {
        this(Path.of("/proc"), NetnsTarget.NETNS_RUN_DIR);
    }

    NetnsDiscovery(Path proc, Path runDir) {
        this.proc = proc;
        this.runDir = runDir;
    }

    /**
     * @param withListeners the host's namespace first, then the others with listeners, by inode
     * @param withoutListeners how many other namespaces were found with no TCP listener
     * @param overLimit namespaces with listeners left out beyond {@link #MAX_NAMESPACES}
     * @param unreadable namespaces whose sockets could not be listed, each with why
     */
    public record Result(List<ListeningNamespace> withListeners, int withoutListeners, int overLimit,
                         List<Unreadable> unreadable) {
        public Result {
            withListeners = List.copyOf(withListeners);
            unreadable = List.copyOf(unreadable);
        }
    }

    /** A namespace whose sockets could not be listed, so it is not known whether it has listeners. */
    public record Unreadable(long inode, String label, String why) {}

    private record Holder(long pid, String comm) {}

    public Result discover() throws IOException {
        long hostIno = CounterReader.nsInode(proc.resolve("self/ns/net"));
        if (hostIno == 0) {
            throw new IOException("cannot read " + proc.resolve("self/ns/net") + " (is procfs mounted?)");
        }
        Map<Long, Holder> byPid = new TreeMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(proc, NetnsDiscovery::isPidDir)) {
            for (Path p : procs) {
                long ino = CounterReader.nsInode(p.resolve("ns/net"));
                if (ino == 0) {
                    continue; // exited meanwhile, or a kernel thread we may not look at
                }
                long pid = Long.parseLong(p.getFileName().toString());
                Holder known = byPid.get(ino);
                if (known == null || pid < known.pid()) {
                    byPid.put(ino, new Holder(pid, comm(p)));
                }
            }
        }
        Map<Long, String> byName = new TreeMap<>();
        if (Files.isDirectory(runDir)) {
            try (DirectoryStream<Path> names = Files.newDirectoryStream(runDir)) {
                for (Path n : names) {
                    try {
                        long ino = ((Number) Files.getAttribute(n, "unix:ino")).longValue();
                        byName.merge(ino, n.getFileName().toString(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
                    } catch (IOException | RuntimeException e) {
                        // a stale or half-created entry: not a namespace anyone can be in
                    }
                }
            }
        }
        List<ListeningNamespace> found = new ArrayList<>();
        found.add(new ListeningNamespace(hostIno, "host", NetnsTarget.host()));
        List<Unreadable> unreadable = new ArrayList<>();
        int without = 0;
        int over = 0;
        TreeMap<Long, Boolean> all = new TreeMap<>();
        byPid.keySet().forEach(i -> all.put(i, true));
        byName.keySet().forEach(i -> all.put(i, true));
        all.remove(hostIno);
        for (long ino : all.keySet()) {
            String name = byName.get(ino);
            Holder h = byPid.get(ino);
            String label = name != null ? "netns " + name + " (ino " + ino + ")"
                    : "netns ino " + ino + " (pid " + h.pid() + " " + h.comm() + ")";
            // Read through a process when there is one: /proc/PID/net needs only CAP_SYS_PTRACE, while
            // entering a name with setns(2) needs CAP_SYS_ADMIN (docs/privileges.md).
            NetnsTarget target = h != null ? new NetnsTarget(NetnsTarget.Kind.PID, "", h.pid())
                    : new NetnsTarget(NetnsTarget.Kind.NAME, name, 0);
            boolean listens;
            try {
                listens = h != null ? hasListener(proc.resolve(Long.toString(h.pid())).resolve("net"))
                        : NetnsThread.call(runDir.resolve(name), () -> hasListener(threadNet()));
            } catch (IOException e) {
                unreadable.add(new Unreadable(ino, label, e.getMessage()));
                continue;
            }
            if (!listens) {
                without++;
            } else if (found.size() >= MAX_NAMESPACES) {
                over++;
            } else {
                found.add(new ListeningNamespace(ino, label, target));
            }
        }
        return new Result(found, without, over, unreadable);
    }

    private static boolean isPidDir(Path p) {
        String n = p.getFileName().toString();
        return !n.isEmpty() && n.chars().allMatch(Character::isDigit);
    }

    private static String comm(Path pidDir) {
        try {
            return Files.readString(pidDir.resolve("comm"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private Path threadNet() {
        Path self = proc.resolve("thread-self/net");
        return Files.isDirectory(self) ? self : proc.resolve("self/task/" + NetnsThread.gettid() + "/net");
    }

    /** True when the first socket of tcp or tcp6 under {@code net} listens; see the class comment for why one line suffices. */
    static boolean hasListener(Path net) throws IOException {
        boolean readAny = false;
        for (String f : List.of("tcp", "tcp6")) {
            Path file = net.resolve(f);
            if (!Files.exists(file)) {
                continue; // tcp6 is absent when IPv6 is disabled
            }
            readAny = true;
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                r.readLine(); // the column header
                String first = r.readLine();
                if (first != null) {
                    String[] cols = first.trim().split("\\s+");
                    if (cols.length > 3 && cols[3].equals(TCP_LISTEN)) {
                        return true;
                    }
                }
            }
        }
        if (!readAny) {
            throw new IOException(net.resolve("tcp") + " does not exist: cannot list its sockets");
        }
        return false;
    }
}
