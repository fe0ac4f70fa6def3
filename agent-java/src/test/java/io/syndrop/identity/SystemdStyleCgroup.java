package io.syndrop.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A cgroup the test creates where systemd keeps its units' cgroups: the {@code name=systemd}
 * hierarchy with cgroup v1 or the hybrid layout, else the unified (v2) one. Closing moves its
 * processes back to the root and removes the directories it made.
 */
final class SystemdStyleCgroup implements AutoCloseable {
    private final Path root;
    private final List<Path> made;
    private final Path leaf;

    private SystemdStyleCgroup(Path root, List<Path> made, Path leaf) {
        this.root = root;
        this.made = made;
        this.leaf = leaf;
    }

    /** The mount point of the hierarchy systemd names units in, from /proc/self/mountinfo. */
    static Path hierarchy() throws IOException {
        Path v2 = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // ... mount-point ... - fstype source super-options
            String[] halves = line.split(" - ", 2);
            String[] pre = halves[0].split(" ");
            String[] post = halves.length > 1 ? halves[1].split(" ") : new String[0];
            if (post.length < 3) {
                continue;
            }
            if (post[0].equals("cgroup") && List.of(post[2].split(",")).contains("name=systemd")) {
                return Path.of(pre[4]);
            }
            if (post[0].equals("cgroup2") && v2 == null) {
                v2 = Path.of(pre[4]);
            }
        }
        if (v2 == null) {
            throw new AssertionError("no cgroup hierarchy mounted (neither name=systemd v1 nor cgroup2): "
                    + "mount one at /sys/fs/cgroup");
        }
        return v2;
    }

    static SystemdStyleCgroup create(Path hierarchy, String relative) throws IOException {
        List<Path> made = new ArrayList<>();
        Path p = hierarchy;
        for (String part : relative.split("/")) {
            p = p.resolve(part);
            if (!Files.isDirectory(p)) {
                Files.createDirectory(p);
                made.add(p);
            }
        }
        return new SystemdStyleCgroup(hierarchy, made, p);
    }

    void add(long pid) throws IOException {
        Files.writeString(leaf.resolve("cgroup.procs"), Long.toString(pid));
    }

    @Override
    public void close() throws IOException {
        for (String pid : Files.readAllLines(leaf.resolve("cgroup.procs"))) {
            if (!pid.isBlank()) {
                try {
                    Files.writeString(root.resolve("cgroup.procs"), pid.strip());
                } catch (IOException exited) {
                    // gone already
                }
            }
        }
        List<Path> reverse = new ArrayList<>(made);
        Collections.reverse(reverse);
        for (Path d : reverse) {
            Files.delete(d);
        }
    }
}
