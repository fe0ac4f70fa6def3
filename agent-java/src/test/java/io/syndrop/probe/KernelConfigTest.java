package io.syndrop.probe;

import io.syndrop.event.EventLayout;
import io.syndrop.it.RequireRoot;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.Topology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shim's settings reach the kernel: every field of struct syndrop_config is read back from the
 * loaded programs' .rodata, and a port filter is applied there (Java's own filter is bypassed: the
 * session is drained raw, so an event the kernel should have dropped would show).
 */
class KernelConfigTest {
    private static final long WAIT_NS = 10_000_000_000L;

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void everyOptionIsInTheLoadedProgramsSettings() throws Exception {
        ShimOptions o = new ShimOptions();
        o.nports = 5;
        short[] ports = {9, 10, 443, (short) 8080, (short) 65535, 0, 0, 0};
        System.arraycopy(ports, 0, o.ports, 0, ports.length);
        o.srcFamily = 10;
        for (int i = 0; i < 16; i++) {
            o.srcAddr[i] = (byte) (0x20 + i);
        }
        o.srcPrefix = 48;
        o.netnsIno = 0x1234_5678_9abcL;
        o.reasonMask = (1 << 3) | (1 << 7);
        try (ProbeSession s = ProbeSession.open(AttachMode.TRACEPOINT, o)) {
            LoadedConfig c = s.loadedConfig();

            assertArrayEquals(ports, c.ports, "ports");
            assertEquals(5, c.nports, "nports");
            assertEquals(10, c.srcFamily, "src_family");
            assertArrayEquals(o.srcAddr, c.srcAddr, "src_addr");
            assertEquals(48, c.srcPrefix, "src_prefix");
            assertEquals(0x1234_5678_9abcL, c.netnsIno, "netns_ino");
            assertEquals((1 << 3) | (1 << 7), c.reasonMask, "reason_mask");
            assertTrue(c.listenDropsMib > 0, "LINUX_MIB_LISTENDROPS found in this kernel's BTF: " + c.listenDropsMib);
            // Tracepoint mode lets kfree_skb report what the kernel names itself.
            assertEquals(kernelNames("TCP_RFC7323_TW_PAWS") ? 1 : 0, c.kfreeReportsTwPaws, "kfree_reports_tw_paws");
            assertEquals(kernelNames("TCP_LISTEN_OVERFLOW") ? 1 : 0, c.kfreeReportsOverflow, "kfree_reports_overflow");
            assertEquals(0, c.workloadNetns, "workload_netns: off without a workload filter");
            assertTrue(s.workloadNetns().isEmpty(), "no workload map to fill without a workload filter");
            assertEquals(0, c.stormOn, "storm summaries off unless asked");
        }
    }

    /**
     * A workload filter's half in the kernel: with workload_netns on, only drops in namespaces of
     * the map leave the kernel (drained raw, Java's filter bypassed); the map reads back as filled,
     * and a namespace added later passes from then on. Tcp:OutRsts of each namespace counts the
     * refused SYNs on the kernel's side.
     */
    @Test
    void workloadMapPassesOnlyItsNamespacesInTheKernel() throws Exception {
        int n = 4;
        int port = 9;
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (Netns a = Netns.create("wla"); Netns b = Netns.create("wlb")) {
            ShimOptions o = new ShimOptions();
            o.workloadNetns = 1;
            try (ProbeSession s = ProbeSession.open(AttachMode.TRACEPOINT, o)) {
                assertEquals(1, s.loadedConfig().workloadNetns, "workload_netns in the loaded programs' settings");
                var map = s.workloadNetns().orElseThrow();
                assertEquals(java.util.Set.of(), map.contents(), "empty at load");
                map.allow(List.of(a.inode()));
                map.allow(List.of(a.inode())); // present already: left alone
                assertEquals(java.util.Set.of(a.inode()), map.contents(), "read back from the kernel");

                Nstat beforeA = Nstat.read(a);
                Nstat beforeB = Nstat.read(b);
                for (int i = 0; i < n; i++) {
                    refused(a, lo, port);
                    refused(b, lo, port);
                }
                long rstsA = Nstat.read(a).minus(beforeA).get("Tcp:OutRsts");
                long rstsB = Nstat.read(b).minus(beforeB).get("Tcp:OutRsts");
                List<Long> netns = drainNetns(s, n);
                assertEquals(n, rstsA, "the kernel refused every SYN in a");
                assertEquals(n, rstsB, "the kernel refused every SYN in b");
                assertEquals(java.util.Collections.nCopies(n, a.inode()), netns,
                        "one event per SYN in a (" + a.inode() + "), none of b (" + b.inode() + ")");

                map.allow(List.of(b.inode()));
                map.disallow(List.of(a.inode()));
                map.disallow(List.of(a.inode())); // absent already: nothing to do
                assertEquals(java.util.Set.of(b.inode()), map.contents(), "read back after the swap");
                for (int i = 0; i < n; i++) {
                    refused(a, lo, port);
                    refused(b, lo, port);
                }
                assertEquals(java.util.Collections.nCopies(n, b.inode()), drainNetns(s, n), "now b's only");
            }
        }
    }

    @Test
    void stormSettingsAreInTheLoadedProgramsSettings() throws Exception {
        ShimOptions o = new ShimOptions();
        new StormSettings(true, java.time.Duration.ofSeconds(1), 250, 40, 20, 56, 64, false).applyTo(o);
        try (ProbeSession s = ProbeSession.open(AttachMode.TRACEPOINT, o)) {
            LoadedConfig c = s.loadedConfig();

            assertEquals(1, c.stormOn, "storm_on");
            assertEquals(20, c.stormPrefix4, "storm_prefix4");
            assertEquals(56, c.stormPrefix6, "storm_prefix6");
            assertEquals(40, c.detailBurst, "detail_burst");
            assertEquals(4_000_000L, c.detailIntervalNs, "detail_interval_ns = 1e9 / 250");
            assertEquals(39L * 4_000_000L, c.detailToleranceNs, "detail_tolerance_ns = (burst - 1) * interval");
            // The map is there with the eight overflow keys (one per reason), and nothing else yet.
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * StormEntries.SIZE).order(ByteOrder.LITTLE_ENDIAN);
            long[] epoch = new long[1];
            int n = s.readStorm(buf, epoch);
            assertEquals(8, n, "overflow keys only");
            for (int i = 0; i < n; i++) {
                assertEquals(StormEntries.F_OVERFLOW, buf.get(i * StormEntries.SIZE + StormEntries.FLAGS));
                assertEquals(0, buf.getLong(i * StormEntries.SIZE + StormEntries.COUNT));
            }
            assertTrue(epoch[0] > 0 && epoch[0] <= System.nanoTime(), "the epoch is a CLOCK_MONOTONIC time: " + epoch[0]);
        }
        // Off: no map reads (the shim says so), the programs keep their old path.
        try (ProbeSession s = ProbeSession.open(AttachMode.TRACEPOINT, new ShimOptions())) {
            assertEquals(-1, s.readStorm(ByteBuffer.allocateDirect(StormEntries.SIZE * 16), new long[1]));
        }
    }

    /** A map that is full counts on the overflow key of the drop's reason: nothing is lost or evicted. */
    @Test
    void aFullStormMapCountsOnTheOverflowKeyExactly() throws Exception {
        int n = 40;
        try (Topology t = Topology.pair().build()) {
            ShimOptions o = new ShimOptions();
            o.netnsIno = t.server().inode();
            // One key fits (with the eight overflow keys): a second port's drops go to the overflow key.
            StormSettings.unlimited(java.time.Duration.ofSeconds(1)).withKeys(1).applyTo(o);
            try (ProbeSession s = ProbeSession.open(AttachMode.TRACEPOINT, o)) {
                Nstat before = Nstat.read(t.server());
                for (int i = 0; i < n; i++) {
                    refused(t.client(), t.serverAddress(), i % 2 == 0 ? 9 : 10);
                }
                long rsts = Nstat.read(t.server()).minus(before).get("Tcp:OutRsts");
                ByteBuffer buf = ByteBuffer.allocateDirect(256 * StormEntries.SIZE).order(ByteOrder.LITTLE_ENDIAN);
                int keys = s.readStorm(buf, new long[1]);
                long own = 0;
                long overflow = 0;
                for (int i = 0; i < keys; i++) {
                    int off = i * StormEntries.SIZE;
                    long count = buf.getLong(off + StormEntries.COUNT);
                    if (buf.get(off + StormEntries.FLAGS) == StormEntries.F_OVERFLOW) {
                        assertTrue(count == 0 || buf.get(off + StormEntries.REASON) == 7, "only KERNEL_REASON overflowed");
                        overflow += count;
                    } else {
                        own += count;
                        assertEquals(n / 2, count, "the first key counts its own port's drops");
                    }
                }
                assertEquals(n, rsts, "the kernel refused every SYN");
                assertEquals(n / 2, overflow, "the other port's drops are on the overflow key");
                assertEquals(rsts, own + overflow, "exact: every drop counted once");
            }
        }
    }

    @Test
    void portFilterDropsOtherPortsInTheKernel() throws Exception {
        int n = 6;
        int wanted = 10;
        int other = 9;
        try (Topology t = Topology.pair().build()) {
            ShimOptions o = new ShimOptions();
            o.nports = 1;
            o.ports[0] = (short) wanted;
            o.netnsIno = t.server().inode();
            try (ProbeSession s = ProbeSession.open(AttachMode.TRACEPOINT, o)) {
                Nstat before = Nstat.read(t.server());
                for (int i = 0; i < n; i++) {
                    refused(t.client(), t.serverAddress(), other);
                    refused(t.client(), t.serverAddress(), wanted);
                }
                long rsts = Nstat.read(t.server()).minus(before).get("Tcp:OutRsts");
                List<Integer> dports = drainDports(s, n);

                assertEquals(2L * n, rsts, "the kernel refused every SYN to both ports");
                assertEquals(n, dports.size(), "one event per SYN to port " + wanted + ": " + dports);
                assertTrue(dports.stream().allMatch(p -> p == wanted), "only port " + wanted + " passed: " + dports);
            }
        }
    }

    /** Destination ports of the raw events, until n arrived (or the wait ended) and one more idle drain. */
    private static List<Integer> drainDports(ProbeSession s, int n) {
        return drainField(s, n, (buf, off) -> Short.toUnsignedInt(buf.getShort(off + EventLayout.DPORT)));
    }

    /** Network namespaces of the raw events, until n arrived (or the wait ended) and one more idle drain. */
    private static List<Long> drainNetns(ProbeSession s, int n) {
        return drainField(s, n, (buf, off) -> buf.getLong(off + EventLayout.NETNS_INO));
    }

    private static <T> List<T> drainField(ProbeSession s, int n, BiFunction<ByteBuffer, Integer, T> field) {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        List<T> out = new ArrayList<>();
        long end = System.nanoTime() + WAIT_NS;
        boolean extraRound = false;
        while (!extraRound) {
            extraRound = out.size() >= n || System.nanoTime() > end;
            buf.clear();
            int got = s.drain(buf, extraRound ? 300 : 100);
            for (int i = 0; i < got; i++) {
                out.add(field.apply(buf, i * EventLayout.SIZE));
            }
        }
        return out;
    }

    private static boolean kernelNames(String reason) {
        KernelReasonNames names = new KernelReasonNames();
        return IntStream.range(0, 1024).mapToObj(names::apply).anyMatch(reason::equals);
    }

    private static void refused(Netns ns, InetAddress addr, int port) throws Exception {
        ns.call(() -> {
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress(addr, port), 2000);
                throw new AssertionError("port " + port + " accepted");
            } catch (ConnectException expected) {
                return null;
            } catch (SocketTimeoutException e) {
                throw new IOException("no RST from " + addr + ":" + port, e);
            }
        });
    }
}
