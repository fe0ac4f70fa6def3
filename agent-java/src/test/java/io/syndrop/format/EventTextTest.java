package io.syndrop.format;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** watch's DETAIL column carries the kernel's proof after the reason's own detail. */
class EventTextTest {
    @Test
    void detailShowsSegmentOptionsNamespaceSettingsInterfaceAndListenDrops() {
        DropEvent e = DropEvent.newBuilder().setReason(Reason.PEER_UNPROVEN).setSrcAddr("10.0.0.2").setDstAddr("10.0.0.1")
                .setTcpFlags(0x02).setTcpSeq(-1).setTcpWindow(64240).setMss(1460).setWscale(0).setSackPermitted(true)
                .setSyncookies(0).setMaxSynBacklog(8).setIfindex(11).setIfname("eth0")
                .setListenDropsBefore(5).setListenDropsAfter(6).build();
        String line = EventText.line(e);
        assertTrue(line.endsWith("SYN seq 4294967295 win 64240 mss 1460 wscale 0 sack; syncookies 0 max_syn_backlog 8; "
                + "eth0 (ifindex 11); ListenDrops 5->6"), line);
    }

    @Test
    void theFinalAckIsNamedAndUnknownSettingsAreLeftOut() {
        DropEvent e = DropEvent.newBuilder().setReason(Reason.ACCEPT_QUEUE_FULL).setTcpFlags(0x10).setFinalAck(true)
                .setTcpSeq(10).setTcpAck(20).setTcpWindow(502).setHasTimestamps(true).setIfindex(3).build();
        assertEquals("final ACK (ACK) seq 10 ack 20 win 502 ts; ifindex 3", EventText.proof(e));
        assertEquals("", EventText.proof(DropEvent.getDefaultInstance()), "an older agent's event has none");
        assertEquals("SYN|ECE|CWR", EventText.tcpFlags(0xc2));
    }
}
