package io.syndrop.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** Kernel tests fail loudly, never skip, when the machine cannot run them (CI runs as root). */
public final class RequireRoot {
    private RequireRoot() {}

    public static void check() {
        if (!io.syndrop.probe.Privileges.isRoot()) {
            throw new AssertionError("this test loads BPF programs and needs root; run the suite with sudo");
        }
        if (!Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))) {
            throw new AssertionError("this test needs a kernel with BTF (/sys/kernel/btf/vmlinux)");
        }
    }
}
