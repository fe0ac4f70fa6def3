package io.syndrop.probe;

import io.syndrop.event.EncodedEvents;
import io.syndrop.event.EventDecoder;
import io.syndrop.event.EventLayout;
import io.syndrop.event.EventWireEncoderTest;
import io.syndrop.filter.EventFilter;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which path the drain takes: bytes for a byte-capable listener with nothing for Java to filter,
 * objects (numbered by the drain, as before) for any other listener or a Java-side filter.
 */
class DrainByteFeedTest {
    /** Hands out recorded kernel records, as the shim would, 512 at most per drain. */
    static final class RecordedProbe implements KernelProbe {
        final ByteBuffer ring;
        final int records;
        int at;

        RecordedProbe(ByteBuffer ring, int records) {
            this.ring = ring;
            this.records = records;
        }

        public AttachMode mode() { return AttachMode.TRACEPOINT; }

        public int drain(ByteBuffer buf, int timeoutMs) {
            int n = Math.min(buf.capacity() / EventLayout.SIZE, records - at);
            for (int i = 0; i < n * EventLayout.SIZE; i++) {
                buf.put(i, ring.get(at * EventLayout.SIZE + i));
            }
            at += n;
            return n;
        }

        public void wake() { }
        public List<String> lossPlaces() { return List.of(); }
        public long[] lost() { return new long[0]; }
        public List<ProbeSession.ProgramStats> programs() { return List.of(); }
        public void close() { }
    }

    static final class Feed implements EncodedDropListener {
        final List<EncodedEvents> chunks = new ArrayList<>();
        final List<DropEvent> events = new ArrayList<>();
        public void onEncoded(EncodedEvents e) { chunks.add(e); }
        public void onEvent(DropEvent e) { events.add(e); }
        public void onLoss(LossRecord l) { }
    }

    @Test
    void aByteListenerWithoutAJavaFilterGetsBytesTheDecoderWouldHaveBuilt() throws Exception {
        ByteBuffer ring = EventWireEncoderTest.randomRecords(new Random(9), 1200);
        Feed feed = new Feed();
        AtomicLong seq = new AtomicLong();
        EventDecoder decoder = new EventDecoder("n", "a", 5, v -> "R" + v);
        DrainLoop loop = new DrainLoop(new RecordedProbe(ring, 1200), decoder, EventFilter.ALL, feed, "a", 5, seq);
        assertTrue(loop.encodes());
        while (loop.drainOnce(0) > 0) {
            // drain it all
        }
        assertEquals(0, feed.events.size());
        assertEquals(3, feed.chunks.size(), "one chunk per drained batch (512, 512, 176)");
        int i = 0;
        for (EncodedEvents c : feed.chunks) {
            for (int k = 0; k < c.size(); k++, i++) {
                DropEvent got = DropEvent.parseFrom(com.google.protobuf.UnsafeByteOperations.unsafeWrap(c.array(), c.start(k), c.length(k)));
                assertEquals(decoder.decode(ring, i * EventLayout.SIZE, 0), got, "record " + i);
            }
        }
        assertEquals(1200, i);
        assertEquals(0, seq.get(), "the drain numbers nothing on the byte path: the batcher does, once");
    }

    /** A filter on what the record holds (reason, port, namespace, source) is applied to the records, as to the events. */
    @Test
    void filtersOnRecordsMatchAsOnTheDecodedEvents() throws Exception {
        Random r = new Random(12);
        ByteBuffer ring = EventWireEncoderTest.randomRecords(r, 4000);
        for (int i = 0; i < 4000; i++) { // few ports, namespaces and sources, so that filters match some
            int off = i * EventLayout.SIZE;
            ring.putShort(off + EventLayout.DPORT, (short) (80 + r.nextInt(3)));
            ring.putLong(off + EventLayout.NETNS_INO, 4026531840L + r.nextInt(3));
            ring.put(off + EventLayout.SADDR, (byte) 10).put(off + EventLayout.SADDR + 1, (byte) r.nextInt(2));
            if (i % 4 == 0) { // IPv4-mapped IPv6: ::ffff:10.x.y.z
                int flags = ring.get(off + EventLayout.FLAGS) | EventLayout.F_IPV6;
                ring.put(off + EventLayout.FLAGS, (byte) flags);
                for (int k = 0; k < 10; k++) {
                    ring.put(off + EventLayout.SADDR + k, (byte) 0);
                }
                ring.put(off + EventLayout.SADDR + 10, (byte) 0xff).put(off + EventLayout.SADDR + 11, (byte) 0xff)
                        .put(off + EventLayout.SADDR + 12, (byte) 10).put(off + EventLayout.SADDR + 13, (byte) r.nextInt(2));
            }
        }
        EventDecoder decoder = new EventDecoder("n", "a", 5, v -> "R" + v);
        List<EventFilter> filters = List.of(
                new EventFilter(List.of(), List.of(), List.of(), EnumSet.of(Reason.KERNEL_REASON, Reason.REASON_UNSPECIFIED)),
                new EventFilter(List.of(80, 82), List.of(), List.of(), EnumSet.noneOf(Reason.class)),
                new EventFilter(List.of(), List.of(), List.of(4026531841L), EnumSet.noneOf(Reason.class)),
                new EventFilter(List.of(), List.of(io.syndrop.filter.Cidr.parse("10.1.0.0/16")), List.of(), EnumSet.noneOf(Reason.class)),
                new EventFilter(List.of(), List.of(io.syndrop.filter.Cidr.parse("10.0.0.0/16"), io.syndrop.filter.Cidr.parse("::/1")),
                        List.of(), EnumSet.noneOf(Reason.class)),
                new EventFilter(List.of(81), List.of(io.syndrop.filter.Cidr.parse("10.0.0.0/8")), List.of(4026531840L, 4026531842L),
                        EnumSet.of(Reason.TIMEWAIT_PAWS, Reason.ACCEPT_QUEUE_FULL, Reason.KERNEL_REASON)));
        for (EventFilter f : filters) {
            Feed feed = new Feed();
            DrainLoop loop = new DrainLoop(new RecordedProbe(ring, 4000), decoder, f, feed, "a", 5, new AtomicLong());
            assertTrue(loop.encodes(), f.toString());
            while (loop.drainOnce(0) > 0) {
                // drain it all
            }
            List<DropEvent> want = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                DropEvent e = decoder.decode(ring, i * EventLayout.SIZE, 0);
                if (f.matches(e)) {
                    want.add(e);
                }
            }
            List<DropEvent> got = new ArrayList<>();
            for (EncodedEvents c : feed.chunks) {
                for (int k = 0; k < c.size(); k++) {
                    got.add(DropEvent.parseFrom(com.google.protobuf.UnsafeByteOperations.unsafeWrap(c.array(), c.start(k), c.length(k))));
                }
            }
            assertTrue(!want.isEmpty() && want.size() < 4000, "the filter selects some: " + want.size());
            assertEquals(want, got, f.toString());
        }
    }

    @Test
    void aWorkloadFilterOrAPlainListenerKeepsTheObjectPath() {
        ByteBuffer ring = EventWireEncoderTest.randomRecords(new Random(10), 10);
        EventDecoder decoder = new EventDecoder("n", "a", 5, v -> "R" + v);
        EventFilter pods = EventFilter.ALL.withWorkload(io.syndrop.filter.WorkloadFilter.of(List.of("shop/web"), List.of(), List.of(), List.of()));
        assertFalse(new DrainLoop(new RecordedProbe(ring, 10), decoder, pods, new Feed(), "a", 5, new AtomicLong()).encodes());
        DropListener plain = new DropListener() {
            public void onEvent(DropEvent e) { }
            public void onLoss(LossRecord l) { }
        };
        assertFalse(new DrainLoop(new RecordedProbe(ring, 10), decoder, EventFilter.ALL, plain, "a", 5, new AtomicLong()).encodes());
        EventDecoder objectEnricher = new EventDecoder("n", "a", 5, v -> "R" + v, e -> e.setProcessPid(1));
        Feed feed = new Feed();
        DrainLoop loop = new DrainLoop(new RecordedProbe(ring, 10), objectEnricher, EventFilter.ALL, feed, "a", 5, new AtomicLong());
        assertFalse(loop.encodes());
        loop.drainOnce(0);
        assertEquals(10, feed.events.size());
        assertEquals(10, feed.events.get(9).getSeq(), "numbered by the drain, as before");
    }
}
