package io.syndrop.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who is reporting: the node name (kernel hostname) and a value new on every agent start. */
public final class NodeIdentity {
    private NodeIdentity() {}

    public static String nodeName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Distinct for every start of the agent on a node (wall-clock nanoseconds at start). */
    public static long newBoot() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
