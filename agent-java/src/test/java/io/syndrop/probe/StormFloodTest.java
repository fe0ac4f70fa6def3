package io.syndrop.probe;

import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.it.RequireRoot;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Storm summaries at the highest SYN rate this machine makes (bench/synflood.c from a raw socket, as
 * fast as it goes), in tracepoint mode on the host kernel, in namespaces the test creates: the kernel
 * map's counts are exact (the sum of summary counts is the namespace's own counter), detailed events
 * plus what summaries report as not detailed equal that counter too, and the token bucket holds each
 * key to burst + rate * window (+ one per extra CPU, the concurrency slack bpf/syndrop_storm.h explains).
 */
class StormFloodTest {
    private static final int FLOOD_SECONDS = 3;
    private static final int CLOSED_PORT = 9;

    @BeforeAll
    static void build() throws Exception {
        RequireRoot.check();
        SynFlood.binary();
    }

    @Test
    void closedPortFloodIsCountedExactlyAndRateLimited() throws Exception {
        StormSettings storm = StormSettings.DEFAULTS.withDetail(100, 200).withEveryWindow(true);
        try (Netns ns = Netns.create("storm")) {
            StormRecorder r = flood(ns, storm, 0, "127.0.0.1", CLOSED_PORT, 20000, 20000, 0, "Tcp:OutRsts");
            r.print("closed port, rate limited");
            r.assertExact();
            assertTrue(r.lost == 0, "rate-limited events fit the ring: " + r.losses);
            assertEquals(1, r.keys().size(), "one key (127.0.0.0/24 -> :9): " + r.keys().keySet());
            for (DropSummary s : r.summaries) {
                assertEquals(Reason.KERNEL_REASON, s.getReason());
                assertEquals("NO_SOCKET", s.getKernelReason());
                assertEquals("127.0.0.0/24", s.getSrcPrefix());
                assertEquals(CLOSED_PORT, s.getDstPort());
                assertEquals(ns.inode(), s.getNetnsIno());
            }
            r.assertRateLimit(storm);
            assertTrue(r.kernelCount > 10L * r.events.size(), "a storm: " + r.kernelCount + " drops, "
                    + r.events.size() + " detailed");
        }
    }

    /**
     * Every drop detailed (--detail-rate 0) into a 4 KiB ring at full rate: the ring overflows, and the
     * events lost at reserve are exactly those the summaries report as not detailed.
     */
    @Test
    void eventsLostAtReserveAreCoveredBySummariesExactly() throws Exception {
        StormSettings storm = StormSettings.unlimited(Duration.ofSeconds(1));
        try (Netns ns = Netns.create("storm")) {
            StormRecorder r = flood(ns, storm, 4096, "127.0.0.1", CLOSED_PORT, 20000, 20000, 0, "Tcp:OutRsts");
            r.print("closed port, unlimited detail, 4 KiB ring");
            r.assertExact();
            assertTrue(r.lost > 0, "the 4 KiB ring overflowed at this rate");
            assertEquals(r.lost, r.kernelCount - r.events.size(), "what the ring lost is what was not detailed");
        }
    }

    /** The product default: a trickle within the burst is all events and no summary; a flood adds summaries. */
    @Test
    void withTheDefaultsATrickleIsOnlyEventsAndAFloodIsSummarised() throws Exception {
        StormSettings storm = StormSettings.DEFAULTS;
        try (Netns ns = Netns.create("storm")) {
            StormRecorder trickle;
            try (StormRecorder rec = StormRecorder.attach(AttachMode.TRACEPOINT, ns.inode(), storm, 0, "Tcp:OutRsts")) {
                Nstat before = Nstat.read(ns);
                for (int i = 0; i < 50; i++) {
                    refused(ns, CLOSED_PORT);
                }
                rec.kernelCount = Nstat.read(ns).minus(before).get("Tcp:OutRsts");
                trickle = rec;
            }
            assertEquals(50, trickle.kernelCount);
            assertEquals(50, trickle.events.size(), "every drop of a trickle is an event");
            assertEquals(List.of(), trickle.summaries, "and no summary repeats them");

            StormRecorder r = flood(ns, storm, 0, "127.0.0.1", CLOSED_PORT, 20000, 20000, 0, "Tcp:OutRsts");
            r.print("closed port, product defaults");
            r.assertExact();
            assertTrue(!r.summaries.isEmpty(), "a flood is summarised");
            r.assertRateLimit(storm);
        }
    }

    private static void refused(Netns ns, int port) throws Exception {
        ns.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                throw new AssertionError("port " + port + " accepted");
            } catch (java.net.ConnectException expected) {
                return null; // RST: a NO_SOCKET drop
            }
        });
    }

    @Test
    void timeWaitPawsFloodIsCountedExactlyAndRateLimited() throws Exception {
        StormSettings storm = StormSettings.DEFAULTS.withDetail(100, 200).withEveryWindow(true);
        try (Netns ns = Netns.create("stormtw")) {
            // Raw timestamps (a TSval of 5 is older than any cached one) and RFC 1337 (the client
            // stack's RSTs must not end the TIME-WAIT sockets), as bench/run.sh's TIME-WAIT load.
            ns.sysctl(Map.of("net.ipv4.tcp_timestamps", "2", "net.ipv4.tcp_rfc1337", "1"));
            ns.call(() -> {
                makeTimeWait(16);
                return null;
            });
            StormRecorder r = flood(ns, storm, 0, "127.0.0.1", 8080, 40000, 16, 5, "TcpExt:PAWSTimewait");
            r.print("TIME-WAIT PAWS, rate limited");
            r.assertExact();
            assertTrue(r.lost == 0, "rate-limited events fit the ring: " + r.losses);
            assertEquals(1, r.keys().size(), "one key: " + r.keys().keySet());
            for (DropSummary s : r.summaries) {
                assertEquals(Reason.TIMEWAIT_PAWS, s.getReason());
                assertEquals("TCP_RFC7323_TW_PAWS", s.getKernelReason());
                assertEquals(8080, s.getDstPort());
            }
            r.assertRateLimit(storm);
        }
    }

    /** Sixteen server-side TIME-WAIT sockets 127.0.0.1:8080 <- 127.0.0.1:40000..: the server closes first. */
    private static void makeTimeWait(int n) throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket srv = new ServerSocket()) {
            srv.setReuseAddress(true);
            srv.bind(new InetSocketAddress(lo, 8080), 64);
            for (int i = 0; i < n; i++) {
                try (Socket c = new Socket()) {
                    c.bind(new InetSocketAddress(lo, 40000 + i));
                    c.connect(new InetSocketAddress(lo, 8080));
                    srv.accept().close();
                    assertEquals(-1, c.getInputStream().read(), "the server closed first");
                }
            }
        }
    }

    private StormRecorder flood(Netns ns, StormSettings storm, int ringBytes, String dst, int port, int sportBase,
                                int sportCount, int tsval, String counter) throws Exception {
        StormRecorder r;
        try (StormRecorder rec = StormRecorder.attach(AttachMode.TRACEPOINT, ns.inode(), storm, ringBytes, counter)) {
            Nstat before = Nstat.read(ns);
            rec.flooder = SynFlood.run(ns, dst, dst, port, sportBase, sportCount, tsval, FLOOD_SECONDS);
            rec.kernelCount = Nstat.read(ns).minus(before).get(counter);
            r = rec;
        }
        return r;
    }
}
