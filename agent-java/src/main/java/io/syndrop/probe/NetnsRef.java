package io.syndrop.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves what users pass to --netns (a name under /var/run/netns, pid:N, or an inode as N or ino:N) to an inode. */
public final class NetnsRef {
    private NetnsRef() {}

    public static long inode(String ref) {
        try {
            String digits = ref.startsWith("ino:") ? ref.substring(4) : ref;
            if (!digits.isEmpty() && digits.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(digits);
            }
            Path p = ref.startsWith("pid:") ? Path.of("/proc", ref.substring(4), "ns", "net")
                    : Path.of("/var/run/netns", ref);
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("no network namespace '" + ref + "' (expected a name under "
                        + "/var/run/netns, pid:N, or an inode as N or ino:N)");
            }
            return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read network namespace '" + ref + "': " + e.getMessage());
        }
    }
}
