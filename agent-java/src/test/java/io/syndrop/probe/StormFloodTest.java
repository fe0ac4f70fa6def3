package io.syndrop.probe;

import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.filter.EventFilter;
import io.syndrop.it.RequireRoot;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

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
    private static Path synflood;

    @BeforeAll
    static void build() throws Exception {
        RequireRoot.check();
        Path dir = Files.createTempDirectory("syndrop-synflood");
        synflood = dir.resolve("synflood");
        Path src = Path.of(System.getProperty("user.dir")).resolve("../bench/synflood.c").normalize();
        Process p = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", synflood.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "gcc bench/synflood.c: " + out);
    }

    @Test
    void closedPortFloodIsCountedExactlyAndRateLimited() throws Exception {
        StormSettings storm = StormSettings.DEFAULTS.withDetail(100, 200);
        try (Netns ns = Netns.create("storm")) {
            Result r = flood(ns, storm, 0, "127.0.0.1", CLOSED_PORT, 20000, 20000, 0, "Tcp:OutRsts");
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
            Result r = flood(ns, storm, 4096, "127.0.0.1", CLOSED_PORT, 20000, 20000, 0, "Tcp:OutRsts");
            r.print("closed port, unlimited detail, 4 KiB ring");
            r.assertExact();
            assertTrue(r.lost > 0, "the 4 KiB ring overflowed at this rate");
            assertEquals(r.lost, r.kernelCount - r.events.size(), "what the ring lost is what was not detailed");
        }
    }

    @Test
    void timeWaitPawsFloodIsCountedExactlyAndRateLimited() throws Exception {
        StormSettings storm = StormSettings.DEFAULTS.withDetail(100, 200);
        try (Netns ns = Netns.create("stormtw")) {
            // Raw timestamps (a TSval of 5 is older than any cached one) and RFC 1337 (the client
            // stack's RSTs must not end the TIME-WAIT sockets), as bench/run.sh's TIME-WAIT load.
            ns.sysctl(Map.of("net.ipv4.tcp_timestamps", "2", "net.ipv4.tcp_rfc1337", "1"));
            ns.call(() -> {
                makeTimeWait(16);
                return null;
            });
            Result r = flood(ns, storm, 0, "127.0.0.1", 8080, 40000, 16, 5, "TcpExt:PAWSTimewait");
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

    private Result flood(Netns ns, StormSettings storm, int ringBytes, String dst, int port, int sportBase,
                         int sportCount, int tsval, String counter) throws Exception {
        EventFilter f = new EventFilter(List.of(), List.of(), List.of(ns.inode()), EnumSet.noneOf(Reason.class));
        Result r = new Result(counter);
        KernelProbe session = AttachPlanner.plan(AttachMode.TRACEPOINT, f, ringBytes, false, storm).session();
        try (LiveProbe probe = LiveProbe.start(session, f, r, "test", "test", 1, new AtomicLong(),
                io.syndrop.event.EventEnricher.NONE, storm)) {
            Nstat before = Nstat.read(ns);
            var out = ns.exec(Duration.ofSeconds(FLOOD_SECONDS + 30), List.of(synflood.toString(), dst, dst,
                    Integer.toString(port), Integer.toString(sportBase), Integer.toString(sportCount),
                    Integer.toString(tsval), "0", Integer.toString(FLOOD_SECONDS))).orThrow();
            r.kernelCount = Nstat.read(ns).minus(before).get(counter);
            r.flooder = out.stdout().trim();
            // Long enough for the last window to be read by the thread too; close reads once more.
            Thread.sleep(storm.interval().toMillis() + 500);
        }
        synchronized (r) {
            r.lost = r.losses.stream().mapToLong(LossRecord::getCount).sum();
        }
        return r;
    }

    private static final class Result implements DropListener {
        final String counter;
        final List<DropEvent> events = new ArrayList<>();
        final List<DropSummary> summaries = new ArrayList<>();
        final List<LossRecord> losses = new ArrayList<>();
        final List<Long> seqs = new ArrayList<>();
        long kernelCount;
        long lost;
        String flooder;

        Result(String counter) {
            this.counter = counter;
        }

        @Override
        public synchronized void onEvent(DropEvent e) {
            events.add(e);
            seqs.add(e.getSeq());
        }

        @Override
        public synchronized void onLoss(LossRecord l) {
            losses.add(l);
        }

        @Override
        public synchronized void onSummary(DropSummary s) {
            summaries.add(s);
            seqs.add(s.getSeq());
        }

        synchronized Map<String, List<DropSummary>> keys() {
            return summaries.stream().collect(Collectors.groupingBy(s -> s.getReason() + " " + s.getKernelReason() + " "
                    + s.getNetnsIno() + " " + s.getSrcPrefix() + " :" + s.getDstPort() + (s.getOverflow() ? " overflow" : "")));
        }

        synchronized long sumCount() {
            return summaries.stream().mapToLong(DropSummary::getCount).sum();
        }

        synchronized long sumDetailed() {
            return summaries.stream().mapToLong(DropSummary::getDetailed).sum();
        }

        synchronized void print(String what) {
            System.err.println("storm flood (" + what + "): flooder " + flooder + "; " + counter + " +" + kernelCount
                    + "; summaries " + summaries.size() + " (count " + sumCount() + ", detailed " + sumDetailed()
                    + "); events " + events.size() + "; lost at reserve " + lost + "; loadavg " + loadavg());
        }

        synchronized void assertExact() {
            assertTrue(kernelCount > 1000, "the flood made drops: " + counter + " +" + kernelCount + " (" + flooder + ")");
            assertEquals(kernelCount, sumCount(), "the summaries' counts are the kernel's " + counter);
            assertEquals(kernelCount, events.size() + (sumCount() - sumDetailed()),
                    "detailed events + summarised (count - detailed) = " + counter);
            assertEquals(events.size(), sumDetailed(), "every detailed drop arrived as an event");
            // One sequence over events and summaries, without gaps or repeats.
            List<Long> sorted = seqs.stream().sorted().toList();
            for (int i = 0; i < sorted.size(); i++) {
                assertEquals(i + 1, sorted.get(i), "events and summaries share one gapless sequence");
            }
        }

        /** detailed <= burst + rate * (last - first drop) + (CPUs - 1), per key. */
        synchronized void assertRateLimit(StormSettings s) {
            int cpus = Runtime.getRuntime().availableProcessors();
            for (var e : keys().entrySet()) {
                long first = e.getValue().stream().mapToLong(DropSummary::getFirstSeenUnixNano).min().orElseThrow();
                long last = e.getValue().stream().mapToLong(DropSummary::getLastSeenUnixNano).max().orElseThrow();
                long detailed = e.getValue().stream().mapToLong(DropSummary::getDetailed).sum();
                double window = (last - first) / 1e9;
                double bound = s.detailBurst() + s.detailRate() * window + (cpus - 1);
                System.err.printf("key %s: detailed %d over %.3f s, bound %.1f%n", e.getKey(), detailed, window, bound);
                assertTrue(detailed <= bound, "rate limit: " + detailed + " detailed > " + bound);
                assertTrue(detailed >= s.detailBurst(), "the burst was sent in detail: " + detailed);
            }
        }
    }

    private static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
