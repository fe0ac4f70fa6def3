package io.syndrop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Out-of-range options end in exit code 2 and a message naming the option, before anything starts. */
class OptionRangesTest {
    private static void usageError(String option, String... argv) {
        CliRun r = CliRun.of(argv);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(option), "the message does not name " + option + ":\n" + r);
    }

    @Test
    void agentSizesCountsAndDurations(@TempDir Path tmp) {
        String spool = tmp.resolve("spool").toString();
        // --duration bounds a run should a bad value ever be accepted again (the last --duration given wins).
        String[] base = {"agent", "--collector", "127.0.0.1:9", "--insecure", "--spool-dir", spool, "--duration", "1s"};
        usageError("--spool-max-bytes", concat(base, "--spool-max-bytes", "9999999999G"));
        usageError("--queue-max", concat(base, "--queue-max", "99999999999"));
        usageError("--queue-max", concat(base, "--queue-max", "4194305"));
        usageError("--window", concat(base, "--window", "99999999999"));
        usageError("--window", concat(base, "--window", "0"));
        usageError("--batch-max", concat(base, "--batch-max", "100001"));
        usageError("--batch-linger", concat(base, "--batch-linger", "-1ms"));
        usageError("--ringbuf-bytes", concat(base, "--ringbuf-bytes", "5000"));
        usageError("--counters-interval", concat(base, "--counters-interval", "0s"));
        usageError("--replay-rate", concat(base, "--replay", spool, "--replay-rate", "-1"));
        usageError("--duration", concat(base, "--duration", "-5s"));
    }

    @Test
    void pcapBoundsOfWatchAndAgent(@TempDir Path tmp) {
        String f = tmp.resolve("d.pcapng").toString();
        String[] agent = {"agent", "--collector", "127.0.0.1:9", "--insecure", "--spool-dir", tmp.resolve("spool").toString(), "--duration", "1s"};
        for (String[] base : new String[][] {{"watch", "--duration", "1s"}, agent}) {
            usageError("--pcap-max-bytes", concat(base, "--pcap", f, "--pcap-max-bytes", "1K"));
            usageError("--pcap-max-total", concat(base, "--pcap", f, "--pcap-max-bytes", "8M", "--pcap-max-total", "4M"));
            usageError("--pcap-max-bytes and --pcap-max-total need --pcap", concat(base, "--pcap-max-bytes", "8M"));
            usageError("--sink", "collect", "--listen", "127.0.0.1:0", "--insecure", "--sink", "pcapng:" + f + "?max-total=1M");
        }
    }

    @Test
    void watchDoctorCountersDemoCollect() {
        usageError("--duration", "watch", "--duration", "-5s");
        usageError("--backend", "watch", "--backend", "ebpf");
        usageError("--ringbuf-bytes", "watch", "--ringbuf-bytes", "9999999999G");
        usageError("--duration", "watch", "--collector", "127.0.0.1:9", "--insecure", "--duration", "-5s");
        usageError("--duration", "doctor", "--duration", "-5s");
        usageError("--interval", "counters", "--interval", "-1s", "--count", "1");
        usageError("--count", "counters", "--interval", "1s", "--count", "0");
        usageError("--rounds", "demo", "--rounds", "99999999999");
        usageError("--window", "collect", "--listen", "127.0.0.1:0", "--insecure", "--sink", "json:-", "--window", "99999999999");
        usageError("--max-message-bytes", "collect", "--listen", "127.0.0.1:0", "--insecure", "--sink", "json:-",
                "--max-message-bytes", "9999999999G");
        usageError("--sink", "collect", "--listen", "127.0.0.1:0", "--insecure", "--sink", "json:/tmp/x?max-bytes=9999999999G");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
