package io.syndrop.probe;

import io.syndrop.os.PermittedCapabilities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process may do with BPF, read from /proc so that no native call is needed. */
public final class Privileges {
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_BPF = 39;

    private Privileges() {}

    public static boolean isRoot() {
        return uid() == 0;
    }

    static long uid() {
        String v = statusField("Uid:");
        return v == null ? -1 : Long.parseLong(v.trim().split("\\s+")[1]); // effective uid
    }

    /** True when the effective capabilities include CAP_BPF or CAP_SYS_ADMIN. */
    public static boolean hasBpfCapability() {
        long caps = effectiveCapabilities();
        return (caps & (1L << CAP_BPF)) != 0 || (caps & (1L << CAP_SYS_ADMIN)) != 0;
    }

    /**
     * The calling thread's effective capability mask, 0 when it cannot be read. The thread's, not
     * the process's: the JVM's first thread (what /proc/self shows) is the launcher's, which never
     * raises the capabilities that PermittedCapabilities makes effective on the main thread.
     */
    public static long effectiveCapabilities() {
        return PermittedCapabilities.ThreadStatus.mask("CapEff:");
    }

    private static String statusField(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return line.substring(name.length());
                }
            }
        } catch (IOException ignored) {
            // not Linux or /proc hidden: callers treat it as unknown
        }
        return null;
    }
}
