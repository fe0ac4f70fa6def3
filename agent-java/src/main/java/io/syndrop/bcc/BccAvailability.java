package io.syndrop.bcc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the BCC backend can work here: libbcc loadable, and headers for the running kernel
 * where libbcc looks for them (the same rules as BCC 0.26's loader: $BCC_KERNEL_SOURCE, else
 * /lib/modules/$(uname -r)/source when both build and source exist, else .../build; then
 * /sys/kernel/kheaders.tar.xz).
 */
public record BccAvailability(boolean libbcc, String headers, List<String> missing) {

    public boolean available() {
        return missing.isEmpty();
    }

    /** One line for doctor / backend selection. */
    public String describe() {
        if (available()) {
            return "BCC backend available (libbcc " + LibBcc.SONAME + ", kernel headers at " + headers + ")";
        }
        return "BCC backend unavailable: " + String.join("; ", missing);
    }

    public static BccAvailability probe() {
        List<String> missing = new ArrayList<>();
        boolean lib = true;
        try {
            LibBcc.load();
        } catch (UnsatisfiedLinkError e) {
            lib = false;
            missing.add("libbcc (" + LibBcc.SONAME + ") does not load: " + e.getMessage()
                    + "; install it: apt-get install libbpfcc (Debian/Ubuntu) or yum install bcc (RHEL)");
        }
        String headers = headersDir(System.getenv("BCC_KERNEL_SOURCE"), KernelInfo.release());
        if (headers == null) {
            String r = KernelInfo.release();
            missing.add("no kernel headers for " + r + " (looked in /lib/modules/" + r + "/build and /source, "
                    + "$BCC_KERNEL_SOURCE and /sys/kernel/kheaders.tar.xz); install them: apt-get install linux-headers-"
                    + r + " (Debian/Ubuntu) or yum install kernel-devel-" + r + " (RHEL), or modprobe kheaders");
        }
        return new BccAvailability(lib, headers, List.copyOf(missing));
    }

    static String headersDir(String env, String release) {
        Path kpath;
        if (env != null && !env.isEmpty()) {
            kpath = Path.of(env);
        } else {
            Path kdir = Path.of("/lib/modules", release);
            String suffix = System.getenv("BCC_KERNEL_MODULES_SUFFIX");
            if (Files.isDirectory(kdir.resolve("build")) && Files.isDirectory(kdir.resolve("source"))) {
                kpath = kdir.resolve("source");
            } else {
                kpath = kdir.resolve(suffix != null ? suffix : "build");
            }
        }
        if (Files.isRegularFile(kpath.resolve("include/linux/kconfig.h"))) {
            return kpath.toString();
        }
        Path kheaders = Path.of("/sys/kernel/kheaders.tar.xz");
        if (Files.isRegularFile(kheaders)) {
            return kheaders.toString();
        }
        return null;
    }
}
