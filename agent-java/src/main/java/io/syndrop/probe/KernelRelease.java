package io.syndrop.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The running kernel's release (uname -r) and comparisons with a major.minor version. */
final class KernelRelease {
    private static final Pattern MAJOR_MINOR = Pattern.compile("^(\\d+)\\.(\\d+)");

    private KernelRelease() {}

    static String running() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** False for a release that does not start with major.minor, so that the stricter pre-5.8 rule applies. */
    static boolean atLeast(String release, int major, int minor) {
        Matcher m = MAJOR_MINOR.matcher(release);
        if (!m.find()) {
            return false;
        }
        int ma = Integer.parseInt(m.group(1));
        int mi = Integer.parseInt(m.group(2));
        return ma > major || (ma == major && mi >= minor);
    }
}
