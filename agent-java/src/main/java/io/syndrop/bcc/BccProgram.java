package io.syndrop.bcc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * syndrop's BCC program text: bpf/syndrop.h (the event layout every backend shares) followed
 * by bpf/syndrop_bcc.c with bpf/syndrop_classify.h (the reason decisions the CO-RE programs
 * share) and bpf/syndrop_storm.h (storm summaries) in place of their #include lines, since BCC compiles a string and has no include path to
 * our files. All three are packaged as jar resources under /bcc/ from the one copy in bpf/.
 * BCC's prelude already defines the kernel's __u8/__u16/... types the headers use.
 */
public final class BccProgram {
    public static final String HEADER_RESOURCE = "/bcc/syndrop.h";
    public static final String SOURCE_RESOURCE = "/bcc/syndrop_bcc.c";
    public static final String CLASSIFY_RESOURCE = "/bcc/syndrop_classify.h";
    public static final String WORKLOAD_RESOURCE = "/bcc/syndrop_workload.h";
    private static final String CLASSIFY_INCLUDE = "#include \"syndrop_classify.h\"";
    private static final String WORKLOAD_INCLUDE = "#include \"syndrop_workload.h\"";
    public static final String STORM_RESOURCE = "/bcc/syndrop_storm.h";
    private static final String STORM_INCLUDE = "#include \"syndrop_storm.h\"";

    /** Settings baked into the compiled program (BCC compiles per run, so filters cost nothing when off). */
    /** perCpuOffsetAddr: __per_cpu_offset from /proc/kallsyms (0: unknown, drops then judged by sk_drops). */
    /** workloadNetns: emit only drops in the namespaces of the workload_netns map (bpf/syndrop_workload.h). */
    public record Settings(int reasonMask, long netnsIno, long tcpMetricsHashAddr, long tcpMetricsHashLogAddr, long perCpuOffsetAddr,
                           boolean workloadNetns, Storm storm) {
        public Settings(int reasonMask, long netnsIno, long tcpMetricsHashAddr, long tcpMetricsHashLogAddr, long perCpuOffsetAddr) {
            this(reasonMask, netnsIno, tcpMetricsHashAddr, tcpMetricsHashLogAddr, perCpuOffsetAddr, false, Storm.OFF);
        }

        public static Settings defaults() {
            return new Settings(0, 0, 0, 0, 0);
        }
    }

    /** bpf/syndrop_storm.h's settings: rate 0 = every drop detailed, burst 0 = none; keys exclude the overflow keys. */
    public record Storm(boolean on, int keys, int prefix4, int prefix6, int detailRate, int detailBurst) {
        public static final Storm OFF = new Storm(false, 16384, 24, 64, 0, 0);
        /** One overflow key per reason (enum syndrop_reason), inserted before attach. */
        public static final int REASONS = 8;
    }

    private BccProgram() {
    }

    public static String text() {
        String source = inline(resource(SOURCE_RESOURCE), CLASSIFY_INCLUDE, CLASSIFY_RESOURCE);
        source = inline(source, WORKLOAD_INCLUDE, WORKLOAD_RESOURCE);
        source = inline(source, STORM_INCLUDE, STORM_RESOURCE);
        return resource(HEADER_RESOURCE) + "\n" + source;
    }

    private static String inline(String source, String include, String header) {
        int at = source.indexOf(include);
        if (at < 0 || source.indexOf(include, at + 1) >= 0) {
            throw new IllegalStateException(SOURCE_RESOURCE + " must " + include + " exactly once: "
                    + "the jar was built from a damaged bpf/syndrop_bcc.c");
        }
        return source.substring(0, at) + resource(header) + source.substring(at + include.length());
    }

    public static List<String> cflags(Settings s) {
        List<String> f = new ArrayList<>();
        f.add("-DSYNDROP_REASON_MASK=" + Integer.toUnsignedString(s.reasonMask()) + "U");
        f.add("-DSYNDROP_NETNS_INO=" + Long.toUnsignedString(s.netnsIno()) + "ULL");
        f.add("-DSYNDROP_TCPM_HASH_ADDR=0x" + Long.toHexString(s.tcpMetricsHashAddr()) + "ULL");
        f.add("-DSYNDROP_TCPM_HASH_LOG_ADDR=0x" + Long.toHexString(s.tcpMetricsHashLogAddr()) + "ULL");
        f.add("-DSYNDROP_PER_CPU_OFFSET_ADDR=0x" + Long.toHexString(s.perCpuOffsetAddr()) + "ULL");
        f.add("-DSYNDROP_WORKLOAD_NETNS=" + (s.workloadNetns() ? 1 : 0));
        Storm st = s.storm();
        long interval = st.detailRate() == 0 ? 0 : Math.max(1, 1_000_000_000L / st.detailRate());
        long tolerance = st.detailBurst() == 0 ? 0 : (st.detailBurst() - 1L) * interval;
        f.add("-DSYNDROP_STORM_ON=" + (st.on() ? 1 : 0));
        f.add("-DSYNDROP_STORM_KEYS=" + (st.keys() + Storm.REASONS));
        f.add("-DSYNDROP_STORM_PREFIX4=" + st.prefix4());
        f.add("-DSYNDROP_STORM_PREFIX6=" + st.prefix6());
        f.add("-DSYNDROP_DETAIL_BURST=" + st.detailBurst());
        f.add("-DSYNDROP_DETAIL_INTERVAL_NS=" + interval + "ULL");
        f.add("-DSYNDROP_DETAIL_TOLERANCE_NS=" + tolerance + "ULL");
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
