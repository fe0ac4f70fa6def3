package io.syndrop.event;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventDecoderTest {
    private static ByteBuffer record() {
        return ByteBuffer.allocate(EventLayout.SIZE * 2).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void decodesAnIpv4TimewaitRecordAtAnOffset() {
        ByteBuffer b = record();
        int off = EventLayout.SIZE;
        b.putLong(off + EventLayout.KTIME_NS, System.nanoTime());
        b.putLong(off + EventLayout.NETNS_INO, 4026532001L);
        b.put(off + EventLayout.SADDR, (byte) 10).put(off + EventLayout.SADDR + 3, (byte) 7);
        b.put(off + EventLayout.DADDR, (byte) 192).put(off + EventLayout.DADDR + 1, (byte) 0)
                .put(off + EventLayout.DADDR + 2, (byte) 2).put(off + EventLayout.DADDR + 3, (byte) 1);
        b.putShort(off + EventLayout.SPORT, (short) 40001).putShort(off + EventLayout.DPORT, (short) 8080);
        b.put(off + EventLayout.REASON, (byte) 5).put(off + EventLayout.PROBE, (byte) 3)
                .put(off + EventLayout.FLAGS, (byte) EventLayout.F_HAS_TS);
        b.putInt(off + EventLayout.TSVAL, 5).putInt(off + EventLayout.CACHED_TS, 0xfffffff0);
        b.putInt(off + EventLayout.CACHED_TS_STAMP, 1000).putLong(off + EventLayout.KTIME_SEC_AT, 1012);
        b.putInt(off + EventLayout.KERNEL_REASON, 38);

        DropEvent e = new EventDecoder("n1", "agent", 9, v -> v == 38 ? "TCP_RFC7323_TW_PAWS" : null).decode(b, off, 42);
        assertEquals(42, e.getSeq());
        assertEquals(Reason.TIMEWAIT_PAWS, e.getReason());
        assertEquals(Probe.TRACEPOINT, e.getProbe());
        assertEquals("10.0.0.7", e.getSrcAddr());
        assertEquals("192.0.2.1", e.getDstAddr());
        assertEquals(40001, e.getSrcPort());
        assertEquals(8080, e.getDstPort());
        assertEquals(5, e.getTsval());
        assertEquals(0xfffffff0, e.getCachedTs());
        assertEquals(12, e.getCachedTsAgeSec());
        assertEquals("TCP_RFC7323_TW_PAWS", e.getKernelReason());
        assertEquals(4026532001L, e.getNetnsIno());
        assertEquals("n1", e.getNode());
        assertEquals(0, e.getAcceptQueueMax(), "queues only when the record says it read a listener");
        long wallNow = System.currentTimeMillis() * 1_000_000L;
        assertTrue(Math.abs(e.getTimeUnixNano() - wallNow) < 5_000_000_000L, "monotonic time mapped to wall clock");
    }

    /** Kernels before 4.19 stamp tcpm_ts_stamp / tw_ts_recent_stamp with get_seconds(): wall-clock seconds. */
    @Test
    void agesAWallClockStampAgainstTheEventsWallTime() {
        ByteBuffer b = record();
        b.putLong(EventLayout.KTIME_NS, System.nanoTime());
        b.putLong(EventLayout.KTIME_SEC_AT, System.nanoTime() / 1_000_000_000L);
        b.put(EventLayout.REASON, (byte) Reason.PAWS_PASSIVE_REJECTED_VALUE)
                .put(EventLayout.FLAGS, (byte) (EventLayout.F_HAS_TS | EventLayout.F_WALL_STAMP));
        b.putInt(EventLayout.CACHED_TS_STAMP, (int) (System.currentTimeMillis() / 1000 - 7));

        DropEvent e = new EventDecoder("n1", "agent", 9, v -> null).decode(b, 0, 1);
        assertTrue(e.getCachedTsAgeSec() >= 7 && e.getCachedTsAgeSec() <= 9, "about 7 s old: " + e);
    }

    @Test
    void decodesIpv6AndQueues() {
        ByteBuffer b = record();
        b.put(EventLayout.FLAGS, (byte) (EventLayout.F_IPV6 | EventLayout.F_HAS_QUEUES));
        b.put(EventLayout.SADDR, (byte) 0xfd).put(EventLayout.SADDR + 15, (byte) 1);
        b.put(EventLayout.DADDR + 10, (byte) 0xff).put(EventLayout.DADDR + 11, (byte) 0xff)
                .put(EventLayout.DADDR + 12, (byte) 10).put(EventLayout.DADDR + 15, (byte) 2);
        b.put(EventLayout.REASON, (byte) 4);
        b.putInt(EventLayout.SYN_QLEN, 3).putInt(EventLayout.SYN_QMAX, 4)
                .putInt(EventLayout.ACCEPT_QLEN, 5).putInt(EventLayout.ACCEPT_QMAX, 4);
        DropEvent e = new EventDecoder("n", "a", 1, v -> null).decode(b, 0, 1);
        assertEquals("fd00::1", e.getSrcAddr());
        assertEquals("::ffff:10.0.0.2", e.getDstAddr());
        assertEquals(Reason.ACCEPT_QUEUE_FULL, e.getReason());
        assertEquals(5, e.getAcceptQueueLen());
        assertEquals(4, e.getAcceptQueueMax());
        assertEquals(3, e.getSynQueueLen());
    }

    /** Layout 2: the 8 bytes at 120 are the listener's socket inode, full 64 bits. */
    @Test
    void decodesTheListenerInodeAndLetsTheEnricherSeeIt() {
        ByteBuffer b = record();
        b.put(EventLayout.REASON, (byte) 4).put(EventLayout.FLAGS, (byte) EventLayout.F_HAS_QUEUES);
        b.putLong(EventLayout.NETNS_INO, 4026531840L);
        b.putLong(EventLayout.LISTENER_INO, 0x1_2345_6789L);
        long[] seen = new long[2];
        DropEvent e = new EventDecoder("n", "a", 1, v -> null, ev -> {
            seen[0] = ev.getListenerIno();
            seen[1] = ev.getNetnsIno();
            ev.setProcessPid(812).setProcessComm("nginx");
        }).decode(b, 0, 1);
        assertEquals(0x1_2345_6789L, e.getListenerIno());
        assertEquals(0x1_2345_6789L, seen[0], "the enricher runs after the inode is decoded");
        assertEquals(4026531840L, seen[1]);
        assertEquals(812, e.getProcessPid());
        assertEquals("nginx", e.getProcessComm());
    }

    @Test
    void ipv6TextFollowsRfc5952() {
        assertEquals("2001:db8::1", v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        assertEquals("::", v6(0, 0, 0, 0, 0, 0, 0, 0));
        assertEquals("::1", v6(0, 0, 0, 0, 0, 0, 0, 1));
        assertEquals("2001:db8:0:1:1:1:1:1", v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), "a single zero word is not compressed");
        assertEquals("2001:0:0:1::1", v6(0x2001, 0, 0, 1, 0, 0, 0, 1), "the longest run is compressed");
        assertEquals("2001:db8::1:0:0:1", v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), "the first of equal runs");
    }

    private static String v6(int... words) {
        ByteBuffer b = ByteBuffer.allocate(16);
        for (int w : words) {
            b.putShort((short) w);
        }
        return Addresses.ipv6(b, 0);
    }

    /** Fields 34-49: each from its offset, optional ones only with their flag or option bit. */
    @Test
    void decodesTheProofFields() {
        ByteBuffer b = record();
        b.put(EventLayout.FLAGS, (byte) (EventLayout.F_HAS_TS | EventLayout.F_LISTEN_DROPS));
        b.put(EventLayout.TCP_FLAGS, (byte) 0x02).put(EventLayout.SYNCOOKIES, (byte) 2);
        b.putInt(EventLayout.MAX_SYN_BACKLOG, 512).putInt(EventLayout.IFINDEX, 11);
        b.putLong(EventLayout.LISTEN_DROPS_BEFORE, 41).putLong(EventLayout.LISTEN_DROPS_AFTER, 42);
        b.putInt(EventLayout.SEQ, 0xdeadbeef).putInt(EventLayout.ACK_SEQ, 0).putShort(EventLayout.WINDOW, (short) 64240);
        b.putShort(EventLayout.MSS, (short) 1460).put(EventLayout.WSCALE, (byte) 0);
        b.put(EventLayout.SYN_OPTS, (byte) (EventLayout.OPT_MSS | EventLayout.OPT_WSCALE | EventLayout.OPT_SACK_PERM | EventLayout.OPT_TS));
        b.put(EventLayout.PKT_LEN, (byte) 3).put(EventLayout.PKT, (byte) 0x45).put(EventLayout.PKT + 2, (byte) 7)
                .put(EventLayout.PKT + 3, (byte) 99);
        DropEvent e = new EventDecoder("n", "a", 1, v -> null).decode(b, 0, 1);
        assertEquals(2, e.getSyncookies());
        assertEquals(512, e.getMaxSynBacklog());
        assertEquals(11, e.getIfindex());
        assertEquals(0x02, e.getTcpFlags());
        assertEquals(false, e.getFinalAck());
        assertEquals(0xdeadbeef, e.getTcpSeq());
        assertEquals(64240, e.getTcpWindow());
        assertEquals(1460, e.getMss());
        assertTrue(e.hasWscale(), "wscale 0 is a value when the option was there");
        assertEquals(0, e.getWscale());
        assertTrue(e.getSackPermitted() && e.getHasTimestamps());
        assertEquals(41, e.getListenDropsBefore());
        assertEquals(42, e.getListenDropsAfter());
        assertEquals(com.google.protobuf.ByteString.copyFrom(new byte[] {0x45, 0, 7}), e.getPacketHeaders(), "pkt_len bytes only");

        ByteBuffer none = record();
        none.put(EventLayout.SYNCOOKIES, (byte) 0xff).put(EventLayout.FLAGS, (byte) EventLayout.F_FINAL_ACK);
        none.putLong(EventLayout.LISTEN_DROPS_BEFORE, 41).put(EventLayout.WSCALE, (byte) 7);
        DropEvent n = new EventDecoder("n", "a", 1, v -> null).decode(none, 0, 1);
        assertTrue(!n.hasSyncookies(), "0xff: the kernel could not read it");
        assertTrue(!n.hasWscale(), "no window-scale option");
        assertTrue(!n.hasListenDropsBefore(), "only with F_LISTEN_DROPS");
        assertTrue(n.getFinalAck());
        assertTrue(n.getPacketHeaders().isEmpty());
    }
}
