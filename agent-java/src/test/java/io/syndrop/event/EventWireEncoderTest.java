package io.syndrop.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syndrop.proto.v1.DropEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The drain's wire encoder must write, for every record, exactly the bytes of the DropEvent the
 * decoder builds from it (fields 1-49), numbered the way the batcher numbers it: field 1 in front.
 */
class EventWireEncoderTest {
    private static final int N = 20_000;

    /** A caching enricher's view: identity fields only, present for some listeners and namespaces. */
    private static final EventEnricher IDENTITY = e -> {
        long ino = e.getListenerIno();
        if (ino % 3 == 1) {
            e.setProcessPid((int) (ino % 70000)).setProcessComm("nginx").setProcessExe("/usr/sbin/nginx")
                    .setProcessUnit(ino % 2 == 0 ? "" : "nginx.service");
        }
        if (e.getNetnsIno() % 4 == 1) {
            e.setContainerId("c0ffee" + e.getNetnsIno()).setContainerName("web \u00e9\"x").setContainerImage("img:1")
                    .setContainerRuntime("containerd").setPodUid("uid-1").setPodNamespace("ns").setPodName("pod");
        }
    };

    /** One that also sets a field outside 23-33: those records must take the decoder's path and still match. */
    private static final EventEnricher OTHER = e -> {
        IDENTITY.enrich(e);
        if (e.getListenerIno() % 5 == 0) {
            e.setIfname("eth" + e.getListenerIno() % 7);
        }
    };

    @Test
    void randomRecordsWithoutEnrichment() {
        check(EventEnricher.NONE, 1);
    }

    @Test
    void randomRecordsWithIdentity() {
        check(IDENTITY, 2);
    }

    @Test
    void randomRecordsWithAnEnricherThatSetsMore() {
        check(OTHER, 3);
    }

    @Test
    void edgeCases() {
        ByteBuffer b = ByteBuffer.allocate(EventLayout.SIZE * 8).order(ByteOrder.LITTLE_ENDIAN);
        // 0: all zero (syncookies 0 is a value, not "unknown"); 1: all 0xff; 2..: special addresses.
        Arrays.fill(b.array(), EventLayout.SIZE, 2 * EventLayout.SIZE, (byte) 0xff);
        for (int i = 2; i < 8; i++) {
            int off = i * EventLayout.SIZE;
            b.put(off + EventLayout.FLAGS, (byte) EventLayout.F_IPV6);
            b.put(off + EventLayout.SYNCOOKIES, (byte) 0xff);
        }
        // ::ffff:10.0.0.1, ::1, fd00::, 1:0:0:1:0:0:0:1
        b.put(2 * EventLayout.SIZE + EventLayout.SADDR + 10, (byte) 0xff).put(2 * EventLayout.SIZE + EventLayout.SADDR + 11, (byte) 0xff)
                .put(2 * EventLayout.SIZE + EventLayout.SADDR + 12, (byte) 10).put(2 * EventLayout.SIZE + EventLayout.SADDR + 15, (byte) 1);
        b.put(3 * EventLayout.SIZE + EventLayout.SADDR + 15, (byte) 1);
        b.put(4 * EventLayout.SIZE + EventLayout.SADDR, (byte) 0xfd);
        b.put(5 * EventLayout.SIZE + EventLayout.SADDR + 1, (byte) 1).put(5 * EventLayout.SIZE + EventLayout.SADDR + 7, (byte) 1)
                .put(5 * EventLayout.SIZE + EventLayout.SADDR + 15, (byte) 1);
        // 6: a packet length above SYNDROP_PKT_MAX (truncated to 96); 7: kernel reason outside the name cache
        b.put(6 * EventLayout.SIZE + EventLayout.PKT_LEN, (byte) 200);
        b.putInt(7 * EventLayout.SIZE + EventLayout.KERNEL_REASON, 5000);
        for (EventEnricher en : new EventEnricher[] {EventEnricher.NONE, IDENTITY, OTHER}) {
            compare(b, 8, en, new long[] {1, Long.MAX_VALUE, -1L, 127, 128, 300, 1L << 35, 2});
        }
    }

    private static void check(EventEnricher enricher, long seed) {
        Random r = new Random(seed);
        ByteBuffer b = ByteBuffer.allocate(EventLayout.SIZE * N).order(ByteOrder.LITTLE_ENDIAN);
        r.nextBytes(b.array());
        long[] seqs = new long[N];
        for (int i = 0; i < N; i++) {
            int off = i * EventLayout.SIZE;
            seqs[i] = r.nextInt(4) == 0 ? r.nextLong() : 1 + r.nextInt(1 << 20);
            // Random bytes everywhere, then the fields whose ranges matter made plausible half of the time.
            if (r.nextBoolean()) {
                b.put(off + EventLayout.REASON, (byte) r.nextInt(9));
                b.put(off + EventLayout.PROBE, (byte) r.nextInt(7));
                b.putInt(off + EventLayout.KERNEL_REASON, r.nextInt(4) == 0 ? 0 : r.nextInt(120));
                b.putLong(off + EventLayout.KTIME_NS, Math.abs(r.nextLong() % (1L << 50)));
                b.putLong(off + EventLayout.KTIME_SEC_AT, r.nextInt(1 << 20));
                b.putInt(off + EventLayout.CACHED_TS_STAMP, r.nextInt(3) == 0 ? 0 : r.nextInt(1 << 20));
                b.put(off + EventLayout.SYNCOOKIES, (byte) (r.nextInt(3) == 0 ? 0xff : r.nextInt(3)));
                b.put(off + EventLayout.PKT_LEN, (byte) r.nextInt(EventLayout.PKT_MAX + 1));
                b.putLong(off + EventLayout.LISTENER_INO, r.nextInt(4) == 0 ? 0 : r.nextInt(100));
                b.putLong(off + EventLayout.NETNS_INO, r.nextInt(4) == 0 ? 0 : 4026531840L + r.nextInt(100));
                // v6 addresses with runs of zero words
                for (int w = 0; w < 8; w++) {
                    if (r.nextBoolean()) {
                        b.putShort(off + EventLayout.SADDR + 2 * w, (short) 0);
                        b.putShort(off + EventLayout.DADDR + 2 * w, (short) 0);
                    }
                }
                for (String f : new String[] {"TSVAL", "TSECR", "CACHED_TS", "SYN_QLEN", "IFINDEX", "MAX_SYN_BACKLOG", "SEQ"}) {
                    if (r.nextInt(3) == 0) {
                        b.putInt(off + offset(f), 0);
                    }
                }
            }
        }
        compare(b, N, enricher, seqs);
    }

    private static int offset(String field) {
        try {
            return EventLayout.class.getField(field).getInt(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static void compare(ByteBuffer b, int n, EventEnricher enricher, long[] seqs) {
        EventDecoder d = new EventDecoder("node-\u00e9", "agent-1", 1_795_000_000_000_000_123L,
                v -> v == 7 ? null : "REASON_" + v, enricher);
        EventWireEncoder enc = d.wireEncoder();
        EncodedEvents out = new EncodedEvents(16);
        for (int i = 0; i < n; i++) {
            enc.encode(b, i * EventLayout.SIZE, out);
        }
        assertEquals(n, out.size());
        for (int i = 0; i < n; i++) {
            DropEvent expected = d.decode(b, i * EventLayout.SIZE, seqs[i]);
            byte[] seqField = new byte[11];
            int p = EventWireEncoder.varint(seqField, 0, 1 << 3);
            p = EventWireEncoder.varint(seqField, p, seqs[i]);
            byte[] got = new byte[p + out.length(i)];
            System.arraycopy(seqField, 0, got, 0, p);
            System.arraycopy(out.array(), out.start(i), got, p, out.length(i));
            int k = i;
            assertArrayEquals(expected.toByteArray(), got, () -> "record " + k + ": expected " + expected);
        }
    }
}
