package io.syndrop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class SynCrafterTest {

    private static void synAckEchoesTsval(Topology t, InetAddress client, InetAddress server) throws Exception {
        ServerSocket ss = t.server().call(() -> new ServerSocket(0, 50, server));
        try (ss; SynCrafter crafter = SynCrafter.open(t.client(), client)) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            long tsVal = r.nextLong(1, 1L << 32);
            long seq = r.nextLong(0, 1L << 32);
            int sport = r.nextInt(20000, 60000);
            Syn syn = Syn.to(server, ss.getLocalPort(), sport, seq, tsVal);
            TcpSegment synAck = crafter.sendAndAwaitSynAck(syn, Duration.ofSeconds(3));
            assertTrue(synAck.hasTimestamp(), "SYN-ACK without timestamps: " + synAck);
            assertEquals(tsVal, synAck.tsEcr(), "SYN-ACK must echo our TSval: " + synAck);
            assertEquals((seq + 1) & 0xffffffffL, synAck.ack(), synAck.toString());
            assertEquals(sport, synAck.destinationPort());
        }
    }

    @Test
    void ipv4SynAckEchoesTheCraftedTsval() throws Exception {
        try (Topology t = Topology.pair().build()) {
            synAckEchoesTsval(t, t.clientAddress(), t.serverAddress());
        }
    }

    @Test
    void ipv6SynAckEchoesTheCraftedTsval() throws Exception {
        try (Topology t = Topology.pair().ipv6(true).build()) {
            synAckEchoesTsval(t, t.clientAddress6(), t.serverAddress6());
        }
    }

    @Test
    void closedPortAnswersRstAndBadChecksumIsDropped() throws Exception {
        try (Topology t = Topology.pair().build();
             SynCrafter crafter = SynCrafter.open(t.client(), t.clientAddress())) {
            Syn toClosed = Syn.to(t.serverAddress(), 9, 40001, 1000, 77);
            crafter.send(toClosed);
            TcpSegment rst = crafter.awaitReply(toClosed, Duration.ofSeconds(3), s -> s.is(TcpSegment.RST)).orElseThrow();
            assertEquals(1001, rst.ack());

            // A wrong checksum must make the server's kernel drop the SYN: proof that the
            // checksum of the good SYNs is really checked, not ignored.
            ServerSocket ss = t.server().call(() -> new ServerSocket(0, 50, t.serverAddress()));
            try (ss) {
                Nstat before = Nstat.read(t.server());
                Syn bad = Syn.to(t.serverAddress(), ss.getLocalPort(), 40002, 5000, 88).withCorruptChecksum();
                crafter.send(bad);
                assertTrue(crafter.awaitReply(bad, Duration.ofMillis(500), s -> true).isEmpty(), "a bad checksum got a reply");
                assertEquals(1, Nstat.read(t.server()).minus(before).get("Tcp:InCsumErrors"));
            }
        }
    }

    @Test
    void checksumOfTheEncodedSynVerifies() {
        InetAddress src = Topology.addr("192.0.2.1");
        InetAddress dst = Topology.addr("192.0.2.2");
        byte[] seg = Syn.to(dst, 80, 12345, 42, 7).encode(src);
        assertEquals(0, Syn.checksum(src, dst, seg), "checksum over a segment including its checksum must fold to 0");
        byte[] bad = Syn.to(dst, 80, 12345, 42, 7).withCorruptChecksum().encode(src);
        assertTrue(Syn.checksum(src, dst, bad) != 0);
    }
}
