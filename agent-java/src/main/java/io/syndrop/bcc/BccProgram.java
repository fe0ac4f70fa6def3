package io.syndrop.bcc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * syndrop's BCC program text: bpf/syndrop.h (the event layout every backend shares) followed
 * by bpf/syndrop_bcc.c, both packaged as jar resources under /bcc/ from the one copy in bpf/.
 * BCC's prelude already defines the kernel's __u8/__u16/... types the header uses.
 */
public final class BccProgram {
    public static final String HEADER_RESOURCE = "/bcc/syndrop.h";
    public static final String SOURCE_RESOURCE = "/bcc/syndrop_bcc.c";

    /** Settings baked into the compiled program (BCC compiles per run, so filters cost nothing when off). */
    /** perCpuOffsetAddr: __per_cpu_offset from /proc/kallsyms (0: unknown, drops then judged by sk_drops). */
    public record Settings(int reasonMask, long netnsIno, long tcpMetricsHashAddr, long tcpMetricsHashLogAddr, long perCpuOffsetAddr) {
        public static Settings defaults() {
            return new Settings(0, 0, 0, 0, 0);
        }
    }

    private BccProgram() {
    }

    public static String text() {
        return resource(HEADER_RESOURCE) + "\n" + resource(SOURCE_RESOURCE);
    }

    public static List<String> cflags(Settings s) {
        List<String> f = new ArrayList<>();
        f.add("-DSYNDROP_REASON_MASK=" + Integer.toUnsignedString(s.reasonMask()) + "U");
        f.add("-DSYNDROP_NETNS_INO=" + Long.toUnsignedString(s.netnsIno()) + "ULL");
        f.add("-DSYNDROP_TCPM_HASH_ADDR=0x" + Long.toHexString(s.tcpMetricsHashAddr()) + "ULL");
        f.add("-DSYNDROP_TCPM_HASH_LOG_ADDR=0x" + Long.toHexString(s.tcpMetricsHashLogAddr()) + "ULL");
        f.add("-DSYNDROP_PER_CPU_OFFSET_ADDR=0x" + Long.toHexString(s.perCpuOffsetAddr()) + "ULL");
        return f;
    }

    static String resource(String name) {
        try (InputStream in = BccProgram.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the jar: the build did not copy bpf/ "
                        + "(agent-java/pom.xml resources)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
