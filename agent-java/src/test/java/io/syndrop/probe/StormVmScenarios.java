package io.syndrop.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.demo.Nstat;
import io.syndrop.demo.SynCrafter;
import io.syndrop.demo.TinyBacklogListener;
import io.syndrop.demo.Topology;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A SYN-queue flood against a real listener (backlog 4, tcp_syncookies=0) at the highest rate the
 * guest sends, in the mode its subclass names ({@link FentryStormScenarios}, {@link BccStormScenarios}),
 * on a kernel that allows it: Debian's 6.1 in the VM harness, in {@link KernelProbesVmTest}'s boots. The drops are decided inside
 * tcp_conn_request, so this is the path that counts them from the per-CPU ListenDrops; summaries
 * must equal TcpExt:ListenDrops (and TCPReqQFullDrop) exactly, with the rate limit holding.
 */
abstract class StormVmScenarios {
    /** Set by the subclass's own @BeforeAll, which JUnit runs after this class's. */
    static AttachMode mode;

    @BeforeAll
    static void inTheVm() throws Exception {
        ProbeScenarios.requireVm();
        SynFlood.binary();
    }

    @Test
    void synQueueFloodIsCountedExactlyAndRateLimited() throws Exception {
        StormSettings storm = StormSettings.DEFAULTS.withDetail(50, 100).withEveryWindow(true);
        try (Topology t = Topology.pair().serverSysctl("net.ipv4.tcp_syncookies", "0").build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, 4)) {
            SynCrafter.dropOutgoingRsts(t.client()); // the SYN-ACKs' RSTs would free the queue
            StormRecorder r;
            Map<String, Long> delta;
            try (StormRecorder rec = StormRecorder.attach(mode, t.server().inode(), storm, 0, "TcpExt:ListenDrops")) {
                Nstat before = Nstat.read(t.server());
                rec.flooder = SynFlood.run(t.client(), t.clientAddress().getHostAddress(),
                        t.serverAddress().getHostAddress(), l.port(), 20000, 20000, 0, 5);
                delta = Nstat.read(t.server()).minus(before).nonZero();
                rec.kernelCount = delta.getOrDefault("TcpExt:ListenDrops", 0L);
                r = rec;
            }
            r.print("SYN queue flood, " + mode.name().toLowerCase() + "; counters " + delta);
            r.assertExact();
            assertEquals(delta.getOrDefault("TcpExt:TCPReqQFullDrop", 0L), r.kernelCount,
                    "every drop was the SYN queue's: " + delta);
            for (DropSummary s : r.summaries) {
                assertEquals(Reason.SYN_QUEUE_FULL, s.getReason(), s.toString());
                assertEquals(l.port(), s.getDstPort());
                assertEquals(t.server().inode(), s.getNetnsIno());
                assertEquals(t.clientAddress().getHostAddress().replaceAll("\\.\\d+$", ".0") + "/24", s.getSrcPrefix());
            }
            assertTrue(r.lost == 0, "rate-limited events fit the ring: " + r.losses);
            r.assertRateLimit(storm);
        }
    }
}
