package io.syndrop.probe;

import io.syndrop.event.EventEnricher;
import io.syndrop.identity.ContainerLookup;
import io.syndrop.identity.IdentityStage;
import io.syndrop.it.RequireRoot;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;
import io.syndrop.demo.CloseFirstServer;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.Syn;
import io.syndrop.demo.SynCrafter;
import io.syndrop.demo.Topology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracepoint mode on this machine's kernel, with real namespaces and real SYNs. Every test
 * reconciles the events with the kernel's own counters of the same namespace.
 */
class TracepointProbeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int CLOSED_PORT = 9;

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void synsToAClosedPortAreOneEventEachIpv4() throws Exception {
        closedPortScenario(false, 25);
    }

    @Test
    void synsToAClosedPortAreOneEventEachIpv6() throws Exception {
        closedPortScenario(true, 10);
    }

    /** The same through the drain's byte path (as the agent's pipeline takes them): kernel record -> protobuf bytes. */
    @Test
    void synsToAClosedPortAreOneEventEachAsBytes() throws Exception {
        closedPortScenario(false, 25, true);
        closedPortScenario(true, 10, true);
    }

    private void closedPortScenario(boolean v6, int n) throws Exception {
        closedPortScenario(v6, n, false);
    }

    private void closedPortScenario(boolean v6, int n, boolean bytes) throws Exception {
        try (Topology t = Topology.pair().ipv6(v6).build();
             ProbeRecorder rec = bytes ? ProbeRecorder.startBytes(AttachMode.TRACEPOINT, t.server().inode())
                     : ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode())) {
            assertEquals(bytes, rec.loop().encodes(), "the drain's path");
            InetAddress server = v6 ? t.serverAddress6() : t.serverAddress();
            Nstat before = Nstat.read(t.server());
            for (int i = 0; i < n; i++) {
                refused(t.client(), server, CLOSED_PORT);
            }
            List<DropEvent> events = rec.await(n, WAIT);
            long rsts = Nstat.read(t.server()).minus(before).get("Tcp:OutRsts");

            assertEquals(n, events.size(), "one event per SYN: " + events);
            assertEquals(n, rsts, "the kernel answered each SYN with a RST");
            String client = (v6 ? t.clientAddress6() : t.clientAddress()).getHostAddress();
            for (DropEvent e : events) {
                assertEquals(Reason.KERNEL_REASON, e.getReason());
                assertEquals("NO_SOCKET", e.getKernelReason());
                assertEquals(Probe.TRACEPOINT, e.getProbe());
                assertEquals(canonical(client), e.getSrcAddr());
                assertEquals(canonical(server.getHostAddress()), e.getDstAddr());
                assertEquals(CLOSED_PORT, e.getDstPort());
                assertEquals(t.server().inode(), e.getNetnsIno());
                assertTrue(e.getTsval() != 0, "a Linux client's SYN carries a timestamp");
            }
            assertTrue(rec.losses().isEmpty(), "nothing lost: " + rec.losses());
        }
    }

    @Test
    void craftedOldSynAgainstServerTimeWaitCarriesItsTsvalAndTheCachedTs() throws Exception {
        try (Topology t = Topology.pair().build();
             CloseFirstServer server = CloseFirstServer.start(t.server(), t.serverAddress(), 0)) {
            CloseFirstServer.TimeWaitConnection tw = server.connectAndLeaveTimeWait(t.client(), t.clientAddress(), 0);
            assertTrue(tw.lastClientTsVal() > 100, "client TSval known: " + tw);
            SynCrafter.dropOutgoingRsts(t.client()); // or the client's RST would end the TIME-WAIT
            try (ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode());
                 SynCrafter crafter = SynCrafter.open(t.client(), t.clientAddress())) {
                Nstat before = Nstat.read(t.server());
                int port = tw.client().getPort();
                // "Older" in TCP's modulo-2^32 sense: a little behind the client's last TSval.
                long[] tsvals = new long[3];
                for (int i = 0; i < 3; i++) {
                    tsvals[i] = (tw.lastClientTsVal() - 1000 + i) & 0xffffffffL;
                    crafter.send(Syn.to(t.serverAddress(), server.port(), port, 1000 + i, tsvals[i]));
                }
                List<DropEvent> events = rec.await(3, WAIT);
                Map<String, Long> delta = Nstat.read(t.server()).minus(before).nonZero();

                assertEquals(3, events.size(), "one event per PAWS-rejected SYN: " + events);
                assertEquals(3L, delta.getOrDefault("TcpExt:PAWSTimewait", 0L), "kernel counters: " + delta);
                for (int i = 0; i < 3; i++) {
                    DropEvent e = events.get(i);
                    assertEquals(Reason.TIMEWAIT_PAWS, e.getReason());
                    assertEquals("TCP_RFC7323_TW_PAWS", e.getKernelReason());
                    assertEquals(tsvals[i], Integer.toUnsignedLong(e.getTsval()), "the SYN's own TSval");
                    assertEquals(tw.lastClientTsVal(), Integer.toUnsignedLong(e.getCachedTs()),
                            "the TIME-WAIT socket's tw_ts_recent: the client's last TSval");
                    assertTrue(e.getCachedTsAgeSec() < 10, "cached a moment ago: " + e.getCachedTsAgeSec());
                    assertEquals(t.clientAddress().getHostAddress(), e.getSrcAddr());
                    assertEquals(port, e.getSrcPort());
                    assertEquals(server.port(), e.getDstPort());
                    assertEquals(t.server().inode(), e.getNetnsIno());
                }
            }
        }
    }

    /**
     * The real thing: two Linux clients behind one MASQUERADE router, each with its own
     * timestamp clock (per-address random offsets), reusing the same source port against a server
     * that closes first. Whenever the client with the lower clock follows the other, the server's
     * TIME-WAIT socket rejects its SYN; the client's stack then resets the TIME-WAIT and its
     * retransmitted SYN gets through, a second late.
     */
    @Test
    void twoClientsBehindOneNatTripTimeWaitPaws() throws Exception {
        try (Topology t = Topology.nat(2).routerSysctl("net.netfilter.nf_conntrack_tcp_timeout_time_wait", "1").build();
             CloseFirstServer server = CloseFirstServer.start(t.server(), t.serverAddress(), 0);
             ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode())) {
            Nstat before = Nstat.read(t.server());
            int localPort = 41000;
            for (int round = 0; round < 6; round++) {
                int c = round % 2;
                connectAndLetServerCloseFirst(t.client(c), t.clientAddress(c), localPort, t.serverAddress(), server.port());
                Thread.sleep(1500); // the router forgets the mapping, so the next client gets the same port
            }
            List<DropEvent> events = rec.await(1, WAIT);
            Map<String, Long> delta = Nstat.read(t.server()).minus(before).nonZero();
            long paws = events.stream().filter(e -> e.getReason() == Reason.TIMEWAIT_PAWS).count();

            assertTrue(paws >= 2, "the lower-clock client was rejected when it followed the other: " + events
                    + " counters " + delta);
            assertEquals(paws, (long) delta.getOrDefault("TcpExt:PAWSTimewait", 0L), "every kernel PAWS reject has an event");
            for (DropEvent e : events) {
                assertEquals(t.routerWanAddress().getHostAddress(), e.getSrcAddr(), "the server sees the NAT");
                assertEquals(localPort, e.getSrcPort());
                assertTrue((int) (e.getCachedTs() - e.getTsval()) > 0, "TSval behind the cached one: " + e);
            }
        }
    }

    @Test
    void aFullRingBufferCountsWhatItLostSoDeliveredPlusLostIsWhatTheKernelSaw() throws Exception {
        fullRingBufferReconciles(EventEnricher.NONE);
    }

    /** The identity stage on the drain's path adds no loss: the same exact reconciliation. */
    @Test
    void aFullRingBufferReconcilesExactlyWithIdentityOn() throws Exception {
        try (IdentityStage stage = IdentityStage.start(ContainerLookup.NONE, s -> { })) {
            fullRingBufferReconciles(stage);
        }
    }

    private void fullRingBufferReconciles(EventEnricher enricher) throws Exception {
        int n = 120;
        try (Topology t = Topology.pair().build();
             // 4 KiB holds about 15 records of 264 bytes; nothing drains while the SYNs arrive.
             ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode(), 4096, false, enricher)) {
            Nstat before = Nstat.read(t.server());
            for (int i = 0; i < n; i++) {
                refused(t.client(), t.serverAddress(), CLOSED_PORT);
            }
            long rsts = Nstat.read(t.server()).minus(before).get("Tcp:OutRsts");
            while (rec.loop().drainOnce(0) > 0) {
                // empty the ring
            }
            rec.loop().reportLosses();
            long delivered = rec.events().size();
            long lost = rec.losses().stream().mapToLong(LossRecord::getCount).sum();

            assertEquals(n, rsts);
            assertTrue(lost > 0, "the small ring overflowed");
            assertTrue(delivered > 0, "what fitted was delivered");
            assertEquals(n, delivered + lost, "delivered " + delivered + " + lost " + lost);
            assertEquals(LossRecord.Stage.KERNEL_RINGBUF, rec.losses().get(0).getStage());
            assertEquals(lost, rec.session().lost()[0], "all at the kfree_skb program's slot");
        }
    }

    private static void refused(Netns ns, InetAddress addr, int port) throws Exception {
        ns.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(addr, port), 2000);
                throw new AssertionError("port " + port + " accepted");
            } catch (ConnectException expected) {
                return null;
            } catch (SocketTimeoutException e) {
                throw new IOException("no RST from " + addr + ":" + port, e);
            }
        });
    }

    /** A real client connection; the server closes first, so its side stays in TIME-WAIT. */
    private static void connectAndLetServerCloseFirst(Netns ns, InetAddress local, int localPort, InetAddress server,
                                                      int port) throws Exception {
        ns.call(Duration.ofSeconds(15), () -> {
            try (Socket s = new Socket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(local, localPort));
                s.connect(new InetSocketAddress(server, port), 10_000);
                s.setSoTimeout(5000);
                if (s.getInputStream().read() != -1) {
                    throw new IOException("the close-first server sent data");
                }
            }
            return null;
        });
    }

    private static String canonical(String addr) {
        return addr.contains(":") ? addr.replaceAll("(^|:)0+([0-9a-f])", "$1$2").replaceFirst("(:0)+:", "::")
                .replaceFirst("^0::", "::") : addr;
    }
}
