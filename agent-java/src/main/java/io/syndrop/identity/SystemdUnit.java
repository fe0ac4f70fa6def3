package io.syndrop.identity;

import java.util.Optional;

/**
 * The systemd unit a process runs in, from the text of /proc/PID/cgroup. systemd names every
 * cgroup it manages after its unit ({@code /system.slice/nginx.service}); with cgroup v1 (and the
 * hybrid layout) its own tree is the {@code name=systemd} hierarchy, with v2 the one unified tree.
 * The innermost service or scope wins: that is the unit that started the process.
 */
public final class SystemdUnit {
    /** Units that hold processes: services and scopes (slices only group them). */
    private static final String[] UNIT_SUFFIXES = {".service", ".scope"};

    private SystemdUnit() {}

    public static Optional<String> fromCgroupFile(String text) {
        String v1 = null;
        String v2 = null;
        for (String line : text.split("\n")) {
            // hierarchy-ID:controller-list:path; the path may itself hold ':'
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                continue;
            }
            String controllers = line.substring(a + 1, b);
            String path = line.substring(b + 1).trim();
            if (controllers.equals("name=systemd")) {
                v1 = path;
            } else if (line.startsWith("0::")) {
                v2 = path;
            }
        }
        Optional<String> unit = v1 == null ? Optional.empty() : innermostUnit(v1);
        return unit.isPresent() || v2 == null ? unit : innermostUnit(v2);
    }

    static Optional<String> innermostUnit(String cgroupPath) {
        String[] parts = cgroupPath.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            String p = parts[i];
            for (String suffix : UNIT_SUFFIXES) {
                if (p.endsWith(suffix) && p.length() > suffix.length()) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }
}
