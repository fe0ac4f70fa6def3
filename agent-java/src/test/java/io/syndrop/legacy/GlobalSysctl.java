package io.syndrop.legacy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sysctls that exist only in the initial network namespace on old kernels (tcp_tw_recycle,
 * tcp_timestamps and tcp_max_syn_backlog on 4.9) and act on every namespace: written from the
 * test JVM, which runs in the guest's initial namespace.
 */
final class GlobalSysctl {
    private GlobalSysctl() {}

    static void set(String key, String value) {
        Path p = Path.of("/proc/sys").resolve(key);
        try {
            Files.writeString(p, value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set " + key + " = " + value + " (" + p + ")", e);
        }
    }

    static String get(String key) {
        try {
            return Files.readString(Path.of("/proc/sys").resolve(key)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + key, e);
        }
    }
}
