package io.syndrop.event;

import com.google.protobuf.CodedOutputStream;

/**
 * One drain's events as protobuf bytes: each event is a {@code syndrop.v1.DropEvent} encoding
 * without its seq (the batcher adds that once, when it numbers the event), laid end to end in one
 * array. Written by {@link EventWireEncoder}; whoever it is handed to owns it afterwards (the drain
 * starts a new one), so nothing is copied between the drain and the batcher.
 */
public final class EncodedEvents {
    private byte[] buf;
    private CodedOutputStream out;
    /** Where {@link #out} starts in {@link #buf} (it is recreated there when the array grows). */
    private int base;
    private int[] starts;
    private int[] lengths;
    private int n;
    private final String node;
    private final String agentId;
    private final long agentBoot;

    /** @param node, agentId, agentBoot what the encoder wrote into every event of this chunk */
    public EncodedEvents(int expectedEvents, String node, String agentId, long agentBoot) {
        int events = Math.max(1, expectedEvents);
        this.buf = new byte[events * 192];
        this.out = CodedOutputStream.newInstance(buf);
        this.starts = new int[events];
        this.lengths = new int[events];
        this.node = node;
        this.agentId = agentId;
        this.agentBoot = agentBoot;
    }

    public int size() {
        return n;
    }

    public byte[] array() {
        return buf;
    }

    public int start(int i) {
        return starts[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    /** Bytes of all events together. */
    public int bytes() {
        return position();
    }

    public String node() {
        return node;
    }

    public String agentId() {
        return agentId;
    }

    public long agentBoot() {
        return agentBoot;
    }

    private int position() {
        return base + out.getTotalBytesWritten();
    }

    /** The stream to write the next event to, with at least {@code bound} bytes of room; then {@link #endEvent}. */
    CodedOutputStream beginEvent(int bound) {
        if (out.spaceLeft() < bound) {
            int pos = position();
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + bound));
            base = pos;
            out = CodedOutputStream.newInstance(buf, pos, buf.length - pos);
        }
        if (n == starts.length) {
            starts = java.util.Arrays.copyOf(starts, n * 2);
            lengths = java.util.Arrays.copyOf(lengths, n * 2);
        }
        starts[n] = position();
        return out;
    }

    void endEvent() {
        lengths[n] = position() - starts[n];
        n++;
    }
}
