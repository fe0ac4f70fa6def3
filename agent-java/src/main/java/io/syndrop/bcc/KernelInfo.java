package io.syndrop.bcc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Facts about the running kernel the BCC backend needs. */
final class KernelInfo {
    private KernelInfo() {
    }

    /** uname -r. */
    static String release() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }

    /**
     * Addresses of the wanted symbols from /proc/kallsyms (0 when hidden by kptr_restrict);
     * a symbol that is absent is absent from the map. Module symbols ("name [ipv6]") count.
     */
    static Map<String, Long> kallsyms(Set<String> wanted) throws IOException {
        Map<String, Long> found = new HashMap<>();
        try (var lines = Files.lines(Path.of("/proc/kallsyms"))) {
            lines.forEach(line -> {
                String[] f = line.split("\\s+");
                if (f.length >= 3 && wanted.contains(f[2])) {
                    found.putIfAbsent(f[2], Long.parseUnsignedLong(f[0], 16));
                }
            });
        }
        return found;
    }

    /** CPUs listed in a sysfs cpu list such as "0-3,6". */
    static int[] cpuList(String list) {
        java.util.List<Integer> cpus = new java.util.ArrayList<>();
        for (String part : list.strip().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            if (dash < 0) {
                cpus.add(Integer.parseInt(part));
            } else {
                for (int c = Integer.parseInt(part.substring(0, dash)); c <= Integer.parseInt(part.substring(dash + 1)); c++) {
                    cpus.add(c);
                }
            }
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }

    static int[] onlineCpus() throws IOException {
        return cpuList(Files.readString(Path.of("/sys/devices/system/cpu/online")));
    }
}
