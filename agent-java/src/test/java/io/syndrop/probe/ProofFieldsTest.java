package io.syndrop.probe;

import io.syndrop.demo.CloseFirstServer;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.SegmentHeaders;
import io.syndrop.demo.Syn;
import io.syndrop.demo.SynCrafter;
import io.syndrop.demo.Topology;
import io.syndrop.it.RequireRoot;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every proof field (DropEvent 34-49) set to a known value by a real kernel, in tracepoint mode on
 * this machine: crafted SYNs with known sequence number, window and options (MSS 1460, SACK
 * permitted, timestamps, window scale 7: {@link Syn}'s layout), to a closed port and to a
 * server-side TIME-WAIT socket, in a namespace whose tcp_syncookies and tcp_max_syn_backlog the
 * test sets, arriving on the server's veth (index 11, named eth0 there). The captured headers must
 * parse back to the event's own fields. Each round is reconciled with the namespace's counters.
 */
class ProofFieldsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int CLOSED_PORT = 9;
    private static final int SERVER_IFINDEX = 11; // Topology.pair(): the server's eth0
    private static final int WINDOW = 29200;
    private static final int TCP_HEADER = 20 + 20; // Syn's options: MSS 4, SACK-perm 2, TS 10, NOP + wscale 4

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    /** syncookies 0, 1 and 2 and three backlogs, each set in the namespace before its SYN. */
    @Test
    void closedPortSynCarriesItsOptionsHeadersDeviceAndTheNamespacesSettingsIpv4() throws Exception {
        closedPort(false);
    }

    @Test
    void closedPortSynCarriesItsOptionsHeadersDeviceAndTheNamespacesSettingsIpv6() throws Exception {
        closedPort(true);
    }

    private void closedPort(boolean v6) throws Exception {
        try (Topology t = Topology.pair().ipv6(v6).build();
             ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode())) {
            InetAddress client = v6 ? t.clientAddress6() : t.clientAddress();
            InetAddress server = v6 ? t.serverAddress6() : t.serverAddress();
            try (SynCrafter c = SynCrafter.open(t.client(), client)) {
                for (int cookies = 0; cookies <= 2; cookies++) {
                    int backlog = 300 + 11 * cookies;
                    t.server().sysctl(Map.of("net.ipv4.tcp_syncookies", Integer.toString(cookies),
                            "net.ipv4.tcp_max_syn_backlog", Integer.toString(backlog)));
                    Nstat before = Nstat.read(t.server());
                    long seq = 0x80000000L + 12345 * (cookies + 1);
                    long tsval = 1_000_000 + cookies;
                    Syn syn = new Syn(server, CLOSED_PORT, 40100 + cookies, seq, tsval, 77, WINDOW, false);
                    c.send(syn);
                    List<DropEvent> events = rec.await(cookies + 1, WAIT);
                    assertEquals(1L, Nstat.read(t.server()).minus(before).get("Tcp:OutRsts"), "the kernel reset the SYN");
                    assertEquals(cookies + 1, events.size(), "one event per SYN: " + events);
                    DropEvent e = events.get(cookies);
                    assertEquals(Reason.KERNEL_REASON, e.getReason());
                    assertEquals("NO_SOCKET", e.getKernelReason());
                    assertTrue(e.hasSyncookies(), "read from the device's namespace: " + e);
                    assertEquals(cookies, e.getSyncookies(), "net.ipv4.tcp_syncookies of the server's namespace");
                    assertEquals(backlog, e.getMaxSynBacklog(), "net.ipv4.tcp_max_syn_backlog of the server's namespace");
                    assertEquals(t.server().inode(), e.getNetnsIno());
                    assertSegment(e, syn, client, server, 40100 + cookies, v6);
                    assertFalse(e.hasListenDropsBefore(), "no tcp_conn_request in tracepoint mode: " + e);
                }
                // The device's name comes from its namespace, resolved off the drain's path: the
                // first drops flow unnamed, the ones after the resolver answered carry it.
                long end = System.nanoTime() + WAIT.toNanos();
                while (rec.identity().interfaces().known(t.server().inode(), SERVER_IFINDEX).isEmpty()
                        && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertEquals(java.util.Optional.of("eth0"), rec.identity().interfaces().known(t.server().inode(), SERVER_IFINDEX),
                        "index 11 is eth0 in the server's namespace");
                Syn syn = new Syn(server, CLOSED_PORT, 40200, 1, 5, 0, WINDOW, false);
                c.send(syn);
                DropEvent named = rec.await(4, WAIT).get(3);
                assertEquals("eth0", named.getIfname(), named.toString());
                assertEquals(SERVER_IFINDEX, named.getIfindex());
            }
        }
    }

    @Test
    void timeWaitPawsSynCarriesTheTimeWaitSocketsNamespaceSettingsAndItsHeaders() throws Exception {
        try (Topology t = Topology.pair()
                .serverSysctl("net.ipv4.tcp_syncookies", "2").serverSysctl("net.ipv4.tcp_max_syn_backlog", "777").build();
             CloseFirstServer server = CloseFirstServer.start(t.server(), t.serverAddress(), 0)) {
            CloseFirstServer.TimeWaitConnection tw = server.connectAndLeaveTimeWait(t.client(), t.clientAddress(), 0);
            SynCrafter.dropOutgoingRsts(t.client());
            try (ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode());
                 SynCrafter c = SynCrafter.open(t.client(), t.clientAddress())) {
                Nstat before = Nstat.read(t.server());
                int port = tw.client().getPort();
                long tsval = (tw.lastClientTsVal() - 1000) & 0xffffffffL;
                Syn syn = new Syn(t.serverAddress(), server.port(), port, 0x12345678L, tsval, 0, WINDOW, false);
                c.send(syn);
                List<DropEvent> events = rec.await(1, WAIT);
                Map<String, Long> delta = Nstat.read(t.server()).minus(before).nonZero();
                assertEquals(1L, delta.getOrDefault("TcpExt:PAWSTimewait", 0L), "kernel counters: " + delta);
                assertEquals(1, events.size(), events.toString());
                DropEvent e = events.get(0);
                assertEquals(Reason.TIMEWAIT_PAWS, e.getReason());
                assertEquals(tw.lastClientTsVal(), Integer.toUnsignedLong(e.getCachedTs()));
                assertEquals(2, e.getSyncookies(), "the TIME-WAIT socket's namespace: " + e);
                assertEquals(777, e.getMaxSynBacklog());
                assertSegment(e, syn, t.clientAddress(), t.serverAddress(), port, false);
            }
        }
    }

    /** The segment's fields as the event has them, and the captured bytes parsing back to the same. */
    static void assertSegment(DropEvent e, Syn syn, InetAddress client, InetAddress server, int srcPort, boolean v6)
            throws Exception {
        assertEquals(SERVER_IFINDEX, e.getIfindex(), "arrived on the server's eth0: " + e);
        assertEquals(0x02, e.getTcpFlags(), "a pure SYN");
        assertFalse(e.getFinalAck());
        assertEquals(syn.seq(), Integer.toUnsignedLong(e.getTcpSeq()));
        assertEquals(0, e.getTcpAck());
        assertEquals(WINDOW, e.getTcpWindow());
        assertEquals(1460, e.getMss());
        assertTrue(e.hasWscale(), e.toString());
        assertEquals(7, e.getWscale());
        assertTrue(e.getSackPermitted());
        assertTrue(e.getHasTimestamps());
        assertEquals(syn.tsVal(), Integer.toUnsignedLong(e.getTsval()));
        assertEquals(syn.tsEcr(), Integer.toUnsignedLong(e.getTsecr()));

        SegmentHeaders h = SegmentHeaders.parse(e.getPacketHeaders().toByteArray());
        assertEquals(v6 ? 6 : 4, h.ipVersion(), "captured from the network header");
        assertEquals((v6 ? 40 : 20) + TCP_HEADER, e.getPacketHeaders().size(), "IP + TCP header, no payload");
        assertEquals(client, h.source());
        assertEquals(server, h.destination());
        assertEquals(address(e.getSrcAddr()), h.source(), "the event's source is the packet's");
        assertEquals(address(e.getDstAddr()), h.destination());
        assertEquals(srcPort, h.sourcePort());
        assertEquals(e.getSrcPort(), h.sourcePort());
        assertEquals(e.getDstPort(), h.destinationPort());
        assertEquals(e.getTcpSeq(), (int) h.seq());
        assertEquals(e.getTcpWindow(), h.window());
        assertEquals(e.getTsval(), (int) h.tsval(), "TSval in the captured options equals the event's");
        assertEquals(e.getMss(), h.mss());
        assertEquals(e.getWscale(), h.wscale());
    }

    private static InetAddress address(String literal) throws java.net.UnknownHostException {
        return InetAddress.getByAddress(InetAddress.getByName(literal).getAddress()); // a literal: no lookup
    }
}
