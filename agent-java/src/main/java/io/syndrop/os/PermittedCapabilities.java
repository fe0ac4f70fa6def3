package io.syndrop.os;

import com.sun.jna.Memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the capabilities this thread holds as permitted also effective. In a container a non-root
 * process can get capabilities only from file capabilities on the program it runs; the image's java
 * carries them as permitted only ({@code setcap ...+p}), because with the effective bit set the
 * kernel refuses to exec the file at all when the container lacks one of them, and the agent could
 * not say which one is missing. Capabilities belong to a thread, and threads inherit them when
 * they are created, so this runs first on the main thread.
 */
public final class PermittedCapabilities {
    /** _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set. */
    private static final int VERSION_3 = 0x20080522;

    private PermittedCapabilities() {}

    /**
     * Raises every permitted capability of the calling thread into its effective set.
     *
     * @return the capabilities raised (0 when there were none to raise), or -1 with errno when the
     *         kernel refused; the agent's capability check then names what is missing
     */
    public static long raiseOnThisThread() {
        long permitted = ThreadStatus.mask("CapPrm:");
        long effective = ThreadStatus.mask("CapEff:");
        long toRaise = permitted & ~effective;
        if (toRaise == 0) {
            return 0; // root, or nothing granted by the file: no native call needed
        }
        Libc caps = Libc.INSTANCE;
        Memory header = new Memory(8);
        header.setInt(0, VERSION_3);
        header.setInt(4, 0);
        Memory data = new Memory(24); // two {effective, permitted, inheritable} words
        if (caps.capget(header, data) != 0) {
            return -1;
        }
        for (int word = 0; word < 2; word++) {
            data.setInt(word * 12L, data.getInt(word * 12L + 4));
        }
        return caps.capset(header, data) == 0 ? toRaise : -1;
    }

    /** The capability masks of the calling thread (not of the process's first thread, which /proc/self shows). */
    public static final class ThreadStatus {
        private ThreadStatus() {}

        /** A mask field such as "CapEff:" of /proc/thread-self/status, 0 when it cannot be read. */
        public static long mask(String field) {
            for (String file : new String[] {"/proc/thread-self/status", "/proc/self/status"}) {
                try {
                    for (String line : Files.readAllLines(Path.of(file))) {
                        if (line.startsWith(field)) {
                            return Long.parseUnsignedLong(line.substring(field.length()).trim(), 16);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // /proc/thread-self is Linux 3.17+: try the process's status
                }
            }
            return 0;
        }
    }
}
