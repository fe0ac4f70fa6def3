package io.syndrop.event;

import com.google.protobuf.ByteString;
import io.syndrop.identity.ContainerInfo;
import io.syndrop.identity.Identity;
import io.syndrop.identity.ListenerProcess;
import io.syndrop.proto.v1.DropEvent;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The encoder must write exactly the bytes of the event EventDecoder builds from the same record
 * (minus seq, which the batcher adds): compared byte for byte on random records, fixed seed.
 */
public class EventWireEncoderTest {
    /** Random values in every field of the record, with every flag and option combination. */
    public static ByteBuffer randomRecords(Random r, int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(n * EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] junk = new byte[EventLayout.SIZE];
        for (int i = 0; i < n; i++) {
            int off = i * EventLayout.SIZE;
            r.nextBytes(junk);
            for (int k = 0; k < EventLayout.SIZE; k++) {
                b.put(off + k, junk[k]);
            }
            if (r.nextInt(3) == 0) { // small and zero values too, where varints and left-out fields differ
                for (int k = 0; k < EventLayout.PKT; k += 4) {
                    b.putInt(off + k, r.nextInt(4) == 0 ? 0 : r.nextInt(300));
                }
            }
            b.put(off + EventLayout.REASON, (byte) r.nextInt(10));
            b.put(off + EventLayout.PROBE, (byte) r.nextInt(7));
            b.putInt(off + EventLayout.KERNEL_REASON, r.nextInt(3) == 0 ? 0 : r.nextInt(1100) - 20);
            b.put(off + EventLayout.SYNCOOKIES, (byte) (r.nextBoolean() ? 0xff : r.nextInt(3)));
            int stamp = r.nextBoolean() ? 0 : r.nextInt(1000);
            b.putInt(off + EventLayout.CACHED_TS_STAMP, stamp);
            // The age's edges: now just before, at and after the stamp, and far from it.
            b.putLong(off + EventLayout.KTIME_SEC_AT, r.nextBoolean() ? stamp + r.nextInt(3) - 1 : r.nextInt(2000));
            b.putLong(off + EventLayout.KTIME_NS, r.nextLong() >>> 2);
            b.putLong(off + EventLayout.NETNS_INO, r.nextBoolean() ? 4026531840L + r.nextInt(4) : r.nextLong());
            b.putInt(off + EventLayout.IFINDEX, r.nextInt(4));
            b.putLong(off + EventLayout.LISTENER_INO, r.nextInt(4));
            b.put(off + EventLayout.PKT_LEN, (byte) (r.nextInt(4) == 0 ? 0 : r.nextInt(256)));
        }
        return b;
    }

    /** Names listeners 1 and 2 and device 1, by both routes, the wire one from the built event's own bytes. */
    static final class FakeIdentities implements EventEnricher {
        static final Identity L1 = new Identity(new ListenerProcess(812, "nginx", "/usr/sbin/nginx", "nginx.service"),
                new ContainerInfo("containerd", "3f4e5d6c7b8a9f", "web", "nginx:1.25", "uid-1", "shop", "web-7d9"));
        static final Identity L2 = new Identity(new ListenerProcess(9, "caf\u00e9 \"q\"", "", ""), null);

        static Identity of(long listener) {
            return listener == 1 ? L1 : listener == 2 ? L2 : null;
        }

        @Override
        public void enrich(DropEvent.Builder e) {
            if (e.getIfindex() == 1) {
                e.setIfname("eth0");
            }
            Identity id = of(e.getListenerIno());
            if (id != null) {
                id.applyTo(e);
            }
        }

        @Override
        public boolean enrichesWire() {
            return true;
        }

        @Override
        public byte[] identityWire(long listenerIno, long netnsIno) {
            Identity id = of(listenerIno);
            if (id == null) {
                return NO_FIELDS;
            }
            DropEvent.Builder e = DropEvent.newBuilder();
            id.applyTo(e);
            return e.build().toByteArray();
        }

        @Override
        public byte[] ifnameWire(long netnsIno, int ifindex) {
            return ifindex == 1 ? DropEvent.newBuilder().setIfname("eth0").build().toByteArray() : NO_FIELDS;
        }
    }

    private static void assertSameBytes(ByteBuffer ring, int n, EventDecoder decoder) throws Exception {
        EventWireEncoder encoder = new EventWireEncoder(decoder);
        EncodedEvents chunk = encoder.newChunk(8); // small: the chunk must grow on the way
        for (int i = 0; i < n; i++) {
            encoder.encode(ring, i * EventLayout.SIZE, chunk);
        }
        assertEquals(n, chunk.size());
        for (int i = 0; i < n; i++) {
            DropEvent expected = decoder.decode(ring, i * EventLayout.SIZE, 0);
            ByteString got = ByteString.copyFrom(chunk.array(), chunk.start(i), chunk.length(i));
            assertEquals(expected.toByteString(), got, "record " + i + ": " + expected);
            assertEquals(expected, DropEvent.parseFrom(got));
        }
    }

    @Test
    void writesTheDecodersBytesForRandomRecords() throws Exception {
        ByteBuffer ring = randomRecords(new Random(18), 5000);
        assertSameBytes(ring, 5000, new EventDecoder("node-1", "agent-\u00e9", 1795818243562542898L,
                v -> v == 5 ? null : v == 7 ? "" : "REASON_" + v));
    }

    @Test
    void placesIdentityAndDeviceNameBytesInFieldOrder() throws Exception {
        ByteBuffer ring = randomRecords(new Random(3), 3000);
        assertSameBytes(ring, 3000, new EventDecoder("n", "a", 7, v -> "R" + v, new FakeIdentities()));
    }

    @Test
    void ipv6AndTheBenchmarksRecords() throws Exception {
        ByteBuffer ring = randomRecords(new Random(5), 200);
        for (int i = 0; i < 200; i++) {
            int off = i * EventLayout.SIZE;
            int flags = ring.get(off + EventLayout.FLAGS) | EventLayout.F_IPV6;
            ring.put(off + EventLayout.FLAGS, (byte) flags);
            if (i % 3 == 0) { // runs of zero words: RFC 5952 compression and ::ffff:a.b.c.d
                for (int k = 0; k < 10; k++) {
                    ring.put(off + EventLayout.SADDR + k, (byte) 0);
                }
                ring.put(off + EventLayout.SADDR + 10, (byte) (i % 2 == 0 ? 0xff : 0)).put(off + EventLayout.SADDR + 11, (byte) 0xff);
            }
        }
        assertSameBytes(ring, 200, new EventDecoder("n", "a", 7, v -> "R" + v));
    }

    @Test
    void refusesAnEnricherWithoutWireFields() {
        EventDecoder d = new EventDecoder("n", "a", 7, v -> "R" + v, e -> e.setProcessPid(1));
        assertEquals(false, d.encodesWire());
        assertThrows(IllegalArgumentException.class, () -> new EventWireEncoder(d));
    }
}
