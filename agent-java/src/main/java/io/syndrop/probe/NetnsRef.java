package io.syndrop.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves what users pass to --netns (a name under /var/run/netns, pid:N, or an inode) to an inode. */
public final class NetnsRef {
    private NetnsRef() {}

    public static long inode(String ref) {
        try {
            if (ref.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(ref);
            }
            Path p = ref.startsWith("pid:") ? Path.of("/proc", ref.substring(4), "ns", "net")
                    : Path.of("/var/run/netns", ref);
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("no network namespace '" + ref + "' (expected a name under "
                        + "/var/run/netns, pid:N or an inode number)");
            }
            return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read network namespace '" + ref + "': " + e.getMessage());
        }
    }
}
