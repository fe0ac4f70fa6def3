package io.syndrop.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** deploy/image/agent-mounts.txt: what the agent's container mounts, read by the container test and the manifest test. */
public final class AgentMounts {
    /** How a path is mounted: read-only from the node, writable from the node, or a private tmpfs. */
    public enum Mode { RO, RW, TMPFS }

    public record Mount(String path, Mode mode) {}

    private AgentMounts() {}

    public static Path file() {
        return Path.of(System.getProperty("syndrop.top", ".."), "deploy", "image", "agent-mounts.txt");
    }

    public static List<Mount> all() {
        List<Mount> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file())) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] f = t.split("\\s+", 3);
                if (f.length < 3 || !f[0].startsWith("/")) {
                    throw new IllegalStateException(file() + ": expected 'PATH ro|rw|tmpfs WHY', got '" + line + "'");
                }
                out.add(new Mount(f[0], Mode.valueOf(f[1].toUpperCase(java.util.Locale.ROOT))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
