package io.syndrop.identity;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds which processes hold given sockets, and reads what /proc says about a process. The kernel
 * names an open socket {@code socket:[INODE]} in /proc/PID/fd, and reading another user's fd
 * directory needs CAP_DAC_READ_SEARCH (listing it, mode 0500) and CAP_SYS_PTRACE (its links,
 * ptrace_may_access), so a scan also counts the processes it
 * could not look into: the agent says so rather than leaving listeners silently unnamed.
 */
public final class ProcSockets {
    private final Path proc;

    public ProcSockets(Path proc) {
        this.proc = proc;
    }

    /** What one scan found: inode to the lowest pid holding it, and how many processes it could not read. */
    public record Scan(Map<Long, Integer> owners, int processesSeen, int processesUnreadable) {}

    /** One pass over every /proc/PID/fd: the lowest pid holding each wanted inode (nginx's master, not a worker). */
    public Scan owners(Set<Long> wanted) {
        Map<Long, Integer> found = new HashMap<>();
        int seen = 0;
        int unreadable = 0;
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc)) {
            for (Path p : pids) {
                int pid = pidOf(p.getFileName().toString());
                if (pid <= 0) {
                    continue;
                }
                seen++;
                if (!scanFds(p.resolve("fd"), pid, wanted, found)) {
                    unreadable++;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + proc + ": " + e.getMessage(), e);
        }
        return new Scan(found, seen, unreadable);
    }

    /** False when the fd directory could not be read (permissions); a process that exited meanwhile is not counted. */
    private static boolean scanFds(Path fdDir, int pid, Set<Long> wanted, Map<Long, Integer> found) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                long ino;
                try {
                    ino = socketInode(Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (ino != 0 && wanted.contains(ino)) {
                    found.merge(ino, pid, Math::min);
                }
            }
            return true;
        } catch (java.nio.file.AccessDeniedException e) {
            return false;
        } catch (IOException | SecurityException exitedMeanwhile) {
            return true;
        }
    }

    /** The inode of a "socket:[12345]" link target, 0 for anything else. */
    static long socketInode(String target) {
        if (!target.startsWith("socket:[") || !target.endsWith("]")) {
            return 0;
        }
        try {
            return Long.parseLong(target, 8, target.length() - 1, 10);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** comm, exe and systemd unit of a process; empty when it exited before they were read. */
    public Optional<ListenerProcess> describe(int pid) {
        Path dir = proc.resolve(Integer.toString(pid));
        String comm = read(dir.resolve("comm")).strip();
        if (comm.isEmpty()) {
            return Optional.empty();
        }
        String exe;
        try {
            exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
        } catch (IOException | SecurityException e) {
            exe = ""; // kernel threads have none; another user's needs CAP_SYS_PTRACE
        }
        String unit = SystemdUnit.fromCgroupFile(read(dir.resolve("cgroup"))).orElse("");
        return Optional.of(new ListenerProcess(pid, comm, exe, unit));
    }

    /** At most 64 KiB in large reads (/proc files report size 0; comm is 16 bytes, cgroup a few lines). */
    private static String read(Path p) {
        try (java.io.InputStream in = Files.newInputStream(p)) {
            return new String(in.readNBytes(65536), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    private static int pidOf(String name) {
        if (name.isEmpty() || name.length() > 10) {
            return -1;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        long v = Long.parseLong(name);
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }
}
