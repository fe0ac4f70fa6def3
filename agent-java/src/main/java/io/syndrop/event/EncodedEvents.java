package io.syndrop.event;

import java.util.Arrays;

/**
 * A run of encoded {@code syndrop.v1.DropEvent}s in one reused byte array, as the drain hands
 * them to the pipeline: each entry is the event's protobuf encoding without field 1 ({@code seq}),
 * which the batcher writes in front of it when it numbers the event, so that the spooled bytes
 * are exactly what {@code DropEvent.toByteArray()} gives for the numbered event. One of these
 * carries a whole drained batch (up to 512 records) across the queue: no object per event.
 */
public final class EncodedEvents {
    byte[] buf;
    int len;
    private int[] starts;
    private int[] ends;
    private int n;

    public EncodedEvents(int events) {
        buf = new byte[Math.max(256, events * 160)];
        starts = new int[Math.max(1, events)];
        ends = new int[Math.max(1, events)];
    }

    public void clear() {
        len = 0;
        n = 0;
    }

    public int size() {
        return n;
    }

    public byte[] array() {
        return buf;
    }

    /** Where entry i's bytes start in {@link #array()}. */
    public int start(int i) {
        return starts[i];
    }

    /** How many bytes entry i has. */
    public int length(int i) {
        return ends[i] - starts[i];
    }

    /** Bytes held by all entries. */
    public int bytes() {
        return len;
    }

    /** Appends an entry from bytes already encoded elsewhere (the slow path's message, without seq). */
    public void add(byte[] b, int off, int length) {
        begin();
        ensure(length);
        System.arraycopy(b, off, buf, len, length);
        len += length;
        end();
    }

    void begin() {
        if (n == starts.length) {
            starts = Arrays.copyOf(starts, n * 2);
            ends = Arrays.copyOf(ends, n * 2);
        }
        starts[n] = len;
    }

    void end() {
        ends[n++] = len;
    }

    /** Drops the entry begun last (begin() without end()). */
    void abandon() {
        len = starts[n];
    }

    void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
