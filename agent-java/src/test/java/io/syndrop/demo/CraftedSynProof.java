package io.syndrop.demo;

import io.syndrop.proto.v1.DropEvent;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proof fields of an event for a SYN that {@link Syn#to} crafted (window 64240, MSS 1460,
 * SACK permitted, timestamps, window scale 7), and its captured headers parsing back to the
 * event's own addresses, ports, sequence number and TSval. Shared by the host and VM scenarios.
 */
public final class CraftedSynProof {
    private CraftedSynProof() {}

    public static void assertCraftedSyn(DropEvent e) throws UnknownHostException {
        assertEquals(0x02, e.getTcpFlags(), "a pure SYN: " + e);
        assertFalse(e.getFinalAck(), e.toString());
        assertEquals(64240, e.getTcpWindow(), e.toString());
        assertEquals(1460, e.getMss(), e.toString());
        assertTrue(e.hasWscale(), "window scale option seen: " + e);
        assertEquals(7, e.getWscale());
        assertTrue(e.getSackPermitted(), e.toString());
        assertTrue(e.getHasTimestamps(), e.toString());
        assertTrue(e.getIfindex() != 0, "the receiving device: " + e);
        assertPacketIsTheEvents(e);
    }

    /** The captured bytes, parsed on their own, say what the event says. */
    public static void assertPacketIsTheEvents(DropEvent e) throws UnknownHostException {
        assertTrue(!e.getPacketHeaders().isEmpty(), "headers captured: " + e);
        SegmentHeaders h = SegmentHeaders.parse(e.getPacketHeaders().toByteArray());
        assertEquals(e.getSrcAddr().contains(":") ? 6 : 4, h.ipVersion(), e.toString());
        assertEquals(literal(e.getSrcAddr()), h.source(), "source: " + e);
        assertEquals(literal(e.getDstAddr()), h.destination(), "destination: " + e);
        assertEquals(e.getSrcPort(), h.sourcePort());
        assertEquals(e.getDstPort(), h.destinationPort());
        assertEquals(Integer.toUnsignedLong(e.getTcpSeq()), h.seq());
        assertEquals(e.getTcpFlags(), h.flags());
        assertEquals(e.getTcpWindow(), h.window());
        if (e.getHasTimestamps()) {
            assertEquals(Integer.toUnsignedLong(e.getTsval()), h.tsval(), "the packet's TSval is the event's");
        }
        if (e.getMss() != 0) {
            assertEquals(e.getMss(), h.mss());
        }
    }

    /** tcp_conn_request drops: this CPU's ListenDrops rose by exactly one over the call. */
    public static void assertListenDropsRoseByOne(DropEvent e) {
        assertTrue(e.hasListenDropsBefore() && e.hasListenDropsAfter(), "ListenDrops read before and after: " + e);
        assertEquals(e.getListenDropsBefore() + 1, e.getListenDropsAfter(), "one drop in the call: " + e);
    }

    /** An accept-queue drop hit either a SYN (tcp_conn_request: ListenDrops proves it) or the final ACK. */
    public static void assertSynOrFinalAck(DropEvent e) throws UnknownHostException {
        if (e.getFinalAck()) {
            assertEquals(0x10, e.getTcpFlags() & 0x12, "the final ACK is an ACK without SYN: " + e);
            assertFalse(e.hasListenDropsBefore(), "not a tcp_conn_request drop: " + e);
        } else {
            assertEquals(0x02, e.getTcpFlags(), "a SYN: " + e);
            assertListenDropsRoseByOne(e);
        }
        assertPacketIsTheEvents(e);
    }

    private static InetAddress literal(String addr) throws UnknownHostException {
        return InetAddress.getByAddress(InetAddress.getByName(addr).getAddress());
    }
}
