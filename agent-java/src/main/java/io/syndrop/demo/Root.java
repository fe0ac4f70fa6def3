package io.syndrop.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The test bed needs root; say so loudly instead of letting tests skip or half-run. */
final class Root {
    private Root() {}

    static void require() {
        long euid = effectiveUid();
        if (euid != 0) {
            throw new IllegalStateException("the netns test bed needs root (creating namespaces, veth, iptables, setns, raw sockets);"
                    + " running as euid " + euid + ": run the tests as root, e.g. sudo scripts/test.sh");
        }
    }

    /** From /proc/self/status ("Uid: real effective saved fs"), so no native code is needed yet. */
    private static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status to check for root", e);
        }
        throw new IllegalStateException("no Uid line in /proc/self/status");
    }
}
