package io.syndrop.counters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import io.syndrop.os.NetnsTarget;

/**
 * Reads the live counters (and, when asked, the sysctls) of one network namespace.
 *
 * <p>By pid, /proc/PID/net/* is read directly (no privilege needed); the sysctls need a thread inside
 * the namespace. By name, a thread joins /var/run/netns/NAME. By inode, the namespace is found
 * through a process in it (/proc/[pid]/ns/net) or a name under /var/run/netns.
 */
public final class CounterReader implements CounterSource {
    private static final Path PROC = Path.of("/proc");

    private final NetnsTarget target;
    private final boolean withSysctls;

    public CounterReader(NetnsTarget target, boolean withSysctls) {
        this.target = target;
        this.withSysctls = withSysctls;
    }

    public NetnsTarget target() {
        return target;
    }

    @Override
    public CounterSnapshot sample() throws IOException {
        return switch (target.kind()) {
            case HOST -> readHost();
            case PID -> readPid(target.number(), target.describe());
            case NAME -> readNamed(NetnsTarget.NETNS_RUN_DIR.resolve(target.name()), target.describe());
            case INODE -> readInode(target.number());
        };
    }

    private CounterSnapshot readHost() throws IOException {
        Path net = PROC.resolve("self/net");
        Sysctls s = withSysctls ? Sysctls.read(PROC.resolve("sys")) : Sysctls.empty();
        return snapshot(net, s, nsInode(PROC.resolve("self/ns/net")), "host");
    }

    private CounterSnapshot readPid(long pid, String origin) throws IOException {
        Path dir = PROC.resolve(Long.toString(pid));
        if (!Files.isDirectory(dir)) {
            throw new IOException("no process " + pid + " (it may have exited): cannot read its network namespace");
        }
        Path nsFile = dir.resolve("ns/net");
        Sysctls s = withSysctls ? NetnsThread.call(nsFile, () -> Sysctls.read(PROC.resolve("sys"))) : Sysctls.empty();
        return snapshot(dir.resolve("net"), s, nsInode(nsFile), origin);
    }

    private CounterSnapshot readNamed(Path nsFile, String origin) throws IOException {
        if (!Files.exists(nsFile)) {
            throw new IOException("no network namespace " + nsFile.getFileName() + ": " + nsFile
                    + " does not exist (`ip netns list` shows the names)");
        }
        long ino = fileInode(nsFile);
        return NetnsThread.call(nsFile, () -> {
            Path net = Files.isDirectory(PROC.resolve("thread-self/net"))
                    ? PROC.resolve("thread-self/net")
                    : PROC.resolve("self/task/" + NetnsThread.gettid() + "/net");
            Sysctls s = withSysctls ? Sysctls.read(PROC.resolve("sys")) : Sysctls.empty();
            return snapshot(net, s, ino, origin);
        });
    }

    private CounterSnapshot readInode(long ino) throws IOException {
        String want = "net:[" + ino + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                try {
                    if (Files.readSymbolicLink(p.resolve("ns/net")).toString().equals(want)) {
                        return readPid(Long.parseLong(p.getFileName().toString()), target.describe());
                    }
                } catch (IOException | SecurityException e) {
                    // Exited meanwhile or not ours to look at: try the next process.
                }
            }
        }
        if (Files.isDirectory(NetnsTarget.NETNS_RUN_DIR)) {
            try (DirectoryStream<Path> names = Files.newDirectoryStream(NetnsTarget.NETNS_RUN_DIR)) {
                for (Path p : names) {
                    try {
                        if (fileInode(p) == ino) {
                            return readNamed(p, target.describe());
                        }
                    } catch (IOException e) {
                        // A stale entry: keep looking.
                    }
                }
            }
        }
        throw new IOException("no process and no /var/run/netns entry is in the network namespace with inode " + ino
                + " (`lsns -t net` lists the live ones)");
    }

    private static CounterSnapshot snapshot(Path net, Sysctls s, long ino, String origin) throws IOException {
        Instant now = Instant.now();
        CounterTable netstat = CounterTable.parse(read(net.resolve("netstat")), net.resolve("netstat").toString());
        CounterTable snmp = CounterTable.parse(read(net.resolve("snmp")), net.resolve("snmp").toString());
        return new CounterSnapshot(Optional.of(now), netstat, snmp, s, ino, origin);
    }

    private static String read(Path p) throws IOException {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IOException(p + " does not exist (is procfs mounted?)", e);
        }
    }

    /** Inode of a namespace from its /proc link text "net:[4026531840]". */
    static long nsInode(Path link) {
        try {
            String t = Files.readSymbolicLink(link).toString();
            return Long.parseLong(t.substring(t.indexOf('[') + 1, t.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long fileInode(Path p) throws IOException {
        Object ino = Files.getAttribute(p, "unix:ino");
        return ((Number) ino).longValue();
    }
}
