package io.syndrop.identity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/** The few /proc entries container resolution reads; all reads are bounded and never throw. */
final class ProcFiles {

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
