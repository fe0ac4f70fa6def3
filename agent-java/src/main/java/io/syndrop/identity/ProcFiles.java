package io.syndrop.identity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalLong;

/** The few /proc entries container resolution reads; all reads are bounded and never throw. */
final class ProcFiles {

    static final int MAX_THREADS = 4096;

    private final Path proc;

    ProcFiles(Path proc) {
        this.proc = proc;
    }

    static ProcFiles system() {
        return new ProcFiles(Path.of("/proc"));
    }

    /** /proc/PID/cgroup; empty when the process is gone or the file is not one (over the size cap). */
    Optional<String> cgroup(int pid) {
        return read(proc.resolve(Integer.toString(pid)).resolve("cgroup"), CgroupContainer.MAX_CGROUP_FILE);
    }

    /** The inode of the network namespace the process is in; empty when it is gone. */
    OptionalLong netnsInode(int pid) {
        return netnsInode(proc.resolve(Integer.toString(pid)).resolve("ns/net"));
    }

    /** The agent's own and init's network namespaces: a container sharing one of those owns none. */
    OptionalLong netnsInodeOfSelf() {
        return netnsInode(proc.resolve("self/ns/net"));
    }

    /**
     * When the process started (field 22 of /proc/PID/stat, in clock ticks since boot): with the
     * pid it names one process for the life of the system, so a cached pid that was reused by
     * another process is told apart.
     */
    OptionalLong startTime(int pid) {
        Optional<String> stat = read(proc.resolve(Integer.toString(pid)).resolve("stat"), 4096);
        if (stat.isEmpty()) {
            return OptionalLong.empty();
        }
        // comm (field 2) may hold spaces and ')': the fields after it follow the last ')'.
        String s = stat.get();
        int close = s.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] after = s.substring(close + 1).trim().split(" ");
        // after[0] is field 3 (state), so field 22 is after[19]
        if (after.length < 20) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(after[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** /proc/PID/comm without its newline; empty when the process is gone. */
    Optional<String> comm(int pid) {
        return read(proc.resolve(Integer.toString(pid)).resolve("comm"), 64).map(String::strip);
    }

    /** The processes (pids) /proc lists now. */
    List<Integer> pids() {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(proc)) {
            for (Path p : d) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.length() <= 10 && n.chars().allMatch(Character::isDigit)) {
                    out.add(Integer.parseInt(n));
                }
            }
        } catch (IOException | SecurityException | NumberFormatException e) {
            // what was listed so far
        }
        return out;
    }

    /**
     * The network namespaces the threads of a process are in (a thread may setns() into another one
     * and open its listener there; /proc/PID/ns/net shows the main thread's only). At most
     * {@link #MAX_THREADS} threads are looked at.
     */
    Set<Long> threadNetnsInodes(int pid) {
        Set<Long> out = new HashSet<>();
        Path tasks = proc.resolve(Integer.toString(pid)).resolve("task");
        int seen = 0;
        try (DirectoryStream<Path> d = Files.newDirectoryStream(tasks)) {
            for (Path t : d) {
                if (++seen > MAX_THREADS) {
                    break;
                }
                netnsInode(t.resolve("ns/net")).ifPresent(out::add);
            }
        } catch (IOException | SecurityException e) {
            netnsInode(pid).ifPresent(out::add);
        }
        return out;
    }

    private static OptionalLong netnsInode(Path nsNet) {
        try {
            return OptionalLong.of(((Number) Files.getAttribute(nsNet, "unix:ino")).longValue());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<String> read(Path file, int max) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) {
                return Optional.empty();
            }
            return Optional.of(new String(b, StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
