package io.syndrop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class HelpersTest {

    @Test
    void nstatParsesHeaderValuePairs() {
        Nstat n = Nstat.parse("TcpExt: SyncookiesSent ListenDrops\nTcpExt: 3 17\nIpExt: InNoRoutes\nIpExt: 2\n",
                "Tcp: RtoAlgorithm MaxConn ActiveOpens\nTcp: 1 -1 5\n");
        assertEquals(17, n.get("TcpExt:ListenDrops"));
        assertEquals(-1, n.get("Tcp:MaxConn"));
        assertEquals(2, n.get("IpExt:InNoRoutes"));
        Nstat later = Nstat.parse("TcpExt: SyncookiesSent ListenDrops\nTcpExt: 3 20\n", "Tcp: ActiveOpens\nTcp: 9\n");
        assertEquals(3, later.minus(n).get("TcpExt:ListenDrops"));
        assertEquals(4, later.minus(n).get("Tcp:ActiveOpens"));
        assertEquals(java.util.Map.of("TcpExt:ListenDrops", 3L, "Tcp:ActiveOpens", 4L), later.minus(n).nonZero());
    }

    @Test
    void nstatCountsOnlyTheNamespacesOwnConnections() throws Exception {
        try (Topology t = Topology.pair().build()) {
            Nstat viaExec = Nstat.parse(t.server().exec("cat", "/proc/net/netstat").orThrow().stdout(),
                    t.server().exec("cat", "/proc/net/snmp").orThrow().stdout());
            Nstat clientBefore = Nstat.read(t.client());
            Nstat serverBefore = Nstat.read(t.server());
            assertEquals(viaExec.asMap().keySet(), serverBefore.asMap().keySet());
            assertEquals(viaExec.get("Tcp:PassiveOpens"), serverBefore.get("Tcp:PassiveOpens"));
            ServerSocket ss = t.server().call(() -> new ServerSocket(0, 50, t.serverAddress()));
            try (ss) {
                t.client().call(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(t.serverAddress(), ss.getLocalPort()), 3000);
                    }
                    return null;
                });
                ss.accept().close();
            }
            assertEquals(1, Nstat.read(t.client()).minus(clientBefore).get("Tcp:ActiveOpens"));
            assertEquals(0, Nstat.read(t.client()).minus(clientBefore).get("Tcp:PassiveOpens"));
            assertEquals(1, Nstat.read(t.server()).minus(serverBefore).get("Tcp:PassiveOpens"));
        }
    }

    @Test
    void tinyBacklogListenerOverflowsItsAcceptQueue() throws Exception {
        try (Topology t = Topology.pair().build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, 1)) {
            Nstat before = Nstat.read(t.server());
            List<SocketChannel> conns = t.client().call(() -> {
                List<SocketChannel> cs = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    SocketChannel c = SocketChannel.open();
                    c.configureBlocking(false);
                    c.connect(new InetSocketAddress(t.serverAddress(), l.port()));
                    cs.add(c);
                }
                return cs;
            });
            try {
                Nstat delta = before;
                long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < deadline) {
                    delta = Nstat.read(t.server()).minus(before);
                    if (delta.get("TcpExt:ListenOverflows") >= 1 && delta.get("TcpExt:ListenDrops") >= 1) {
                        break;
                    }
                    Thread.sleep(50);
                }
                assertTrue(delta.get("TcpExt:ListenOverflows") >= 1, "no overflow counted: " + delta);
                assertTrue(delta.get("TcpExt:ListenDrops") >= 1, "no drop counted: " + delta);
                TcpSockets.Entry listener = TcpSockets.listening(t.server()).stream()
                        .filter(e -> e.local().getPort() == l.port()).findFirst().orElseThrow();
                assertEquals(1, listener.sendQ(), "Send-Q of a listener is its backlog");
                assertEquals(2, listener.recvQ(), "the accept queue is full at backlog + 1");
            } finally {
                for (SocketChannel c : conns) {
                    c.close();
                }
            }
        }
    }

    private static void timeWaitThenPaws(Topology t, InetAddress client, InetAddress server) throws Exception {
        try (CloseFirstServer srv = CloseFirstServer.start(t.server(), server, 0)) {
            CloseFirstServer.TimeWaitConnection tw = srv.connectAndLeaveTimeWait(t.client(), client, 0);
            assertTrue(tw.lastClientTsVal() >= 0, "the client sent no timestamps");
            assertTrue(TcpSockets.timeWait(t.server()).stream().anyMatch(
                    e -> e.local().equals(tw.server()) && e.peer().equals(tw.client())), "server holds the TIME-WAIT");
            assertFalse(TcpSockets.timeWait(t.client()).stream().anyMatch(e -> e.local().equals(tw.client())),
                    "the client closed second, it must not be in TIME-WAIT");

            // Keep the TIME-WAIT socket alive: the client's own stack would RST the replies.
            SynCrafter.dropOutgoingRsts(t.client());
            int sport = tw.client().getPort();
            int dport = tw.server().getPort();
            try (SynCrafter crafter = SynCrafter.open(t.client(), client)) {
                Nstat before = Nstat.read(t.server());
                long seq = ThreadLocalRandom.current().nextLong(0, 1L << 32);
                Syn older = Syn.to(server, dport, sport, seq, (tw.lastClientTsVal() - 1000) & 0xffffffffL);
                crafter.send(older);
                TcpSegment reply = crafter.awaitReply(older, Duration.ofSeconds(2), s -> true).orElseThrow();
                assertTrue(reply.is(TcpSegment.ACK) && !reply.is(TcpSegment.SYN), "PAWS reject answers a bare ACK: " + reply);
                Nstat delta = Nstat.read(t.server()).minus(before);
                // 6.16+ counts PAWSTimewait; older kernels counted these as PAWSEstab.
                assertEquals(1, delta.getOrDefault("TcpExt:PAWSTimewait", 0) + delta.get("TcpExt:PAWSEstab"), delta.toString());

                // Control: the same 4-tuple with a newer TSval is let through and gets a SYN-ACK.
                Syn newer = Syn.to(server, dport, sport, seq + 100_000, (tw.lastClientTsVal() + 1000) & 0xffffffffL);
                TcpSegment synAck = crafter.sendAndAwaitSynAck(newer, Duration.ofSeconds(2));
                assertEquals(newer.tsVal(), synAck.tsEcr());
                assertNotEquals(older.tsVal(), newer.tsVal());
            }
        }
    }

    @Test
    void serverClosesFirstAndAnOlderTsvalIsPawsRejectedIpv4() throws Exception {
        try (Topology t = Topology.pair().build()) {
            timeWaitThenPaws(t, t.clientAddress(), t.serverAddress());
        }
    }

    @Test
    void serverClosesFirstAndAnOlderTsvalIsPawsRejectedIpv6() throws Exception {
        try (Topology t = Topology.pair().ipv6(true).build()) {
            timeWaitThenPaws(t, t.clientAddress6(), t.serverAddress6());
        }
    }

    @Test
    void tcpSocketsParsesSsLines() {
        List<TcpSockets.Entry> e = TcpSockets.parse(
                "0      0      192.0.2.2:33508 203.0.113.80:80\n0 0 [fd00:5d7::2]:8080 [fd00:5d7::1]:40000\n"
                        + "0 0 [::ffff:192.0.2.2]:81 [::ffff:192.0.2.1]:5555\n");
        assertEquals(3, e.size());
        assertEquals(new InetSocketAddress(Topology.addr("192.0.2.2"), 33508), e.get(0).local());
        assertEquals(new InetSocketAddress(Topology.addr("fd00:5d7::1"), 40000), e.get(1).peer());
        assertEquals(new InetSocketAddress(Topology.addr("192.0.2.1"), 5555), e.get(2).peer());
    }
}
