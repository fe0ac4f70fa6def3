package io.syndrop.sink;

import com.google.protobuf.InvalidProtocolBufferException;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.WatchItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One committer group of records for the sinks, in order: parsed records ({@link WatchItem}) and
 * events still in their protobuf bytes as they arrived (the collector's fast path). A sink that can
 * write from bytes (the JSON file sink) reads them with {@link #encodedArray} and friends; any other
 * sink gets {@link #items()}, which parses the encoded events once per group (and fills agent id,
 * boot and node from their batch, as the collector does for parsed batches).
 */
public final class RecordGroup {
    /** The batch an encoded event came in: what fills the event's missing agent id, boot and node. */
    public record Origin(String agentId, long boot, String node) {}

    private int n;
    private WatchItem[] parsed = new WatchItem[256];
    private byte[][] arrays = new byte[256][];
    private int[] starts = new int[256];
    private int[] lengths = new int[256];
    private boolean[] fills = new boolean[256];
    private Origin[] origins = new Origin[256];
    private int events;
    private List<WatchItem> items;

    public void clear() {
        Arrays.fill(parsed, 0, n, null);
        Arrays.fill(arrays, 0, n, null);
        Arrays.fill(origins, 0, n, null);
        n = 0;
        events = 0;
        items = null;
    }

    public int size() {
        return n;
    }

    public boolean isEmpty() {
        return n == 0;
    }

    public void add(WatchItem it) {
        grow();
        parsed[n++] = it;
        items = null;
        if (it.hasEvent()) {
            events++;
        }
    }

    /** An encoded DropEvent: bytes [start, start+length) of array, which must not change while the group lives. */
    public void addEncoded(byte[] array, int start, int length, boolean fill, Origin origin) {
        grow();
        arrays[n] = array;
        starts[n] = start;
        lengths[n] = length;
        fills[n] = fill;
        origins[n++] = origin;
        items = null;
        events++;
    }

    /** Drop events in the group (parsed and encoded). */
    public int events() {
        return events;
    }

    /** True when record i is an encoded event; else {@link #parsed(int)} holds it. */
    public boolean encoded(int i) {
        return arrays[i] != null;
    }

    public WatchItem parsed(int i) {
        return parsed[i];
    }

    public byte[] encodedArray(int i) {
        return arrays[i];
    }

    public int encodedStart(int i) {
        return starts[i];
    }

    public int encodedLength(int i) {
        return lengths[i];
    }

    /** True when the encoded event lacks agent id, boot or node: then its origin's are written. */
    public boolean needsFill(int i) {
        return fills[i];
    }

    public Origin origin(int i) {
        return origins[i];
    }

    /** Every record parsed (encoded events parsed now, once per group). */
    public List<WatchItem> items() {
        if (items == null) {
            List<WatchItem> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(arrays[i] == null ? parsed[i] : parse(i));
            }
            items = out;
        }
        return items;
    }

    private WatchItem parse(int i) {
        DropEvent e;
        try {
            e = DropEvent.parseFrom(com.google.protobuf.ByteString.copyFrom(arrays[i], starts[i], lengths[i]));
        } catch (InvalidProtocolBufferException x) {
            // The collector scanned these bytes before taking them; this is a bug, not bad input.
            throw new IllegalStateException("an event the collector had checked did not parse: " + x.getMessage(), x);
        }
        if (fills[i]) {
            Origin o = origins[i];
            DropEvent.Builder eb = e.toBuilder().setAgentId(o.agentId()).setAgentBoot(o.boot());
            if (eb.getNode().isEmpty()) {
                eb.setNode(o.node());
            }
            e = eb.build();
        }
        return WatchItem.newBuilder().setEvent(e).build();
    }

    private void grow() {
        if (n == parsed.length) {
            int c = n * 2;
            parsed = Arrays.copyOf(parsed, c);
            arrays = Arrays.copyOf(arrays, c);
            starts = Arrays.copyOf(starts, c);
            lengths = Arrays.copyOf(lengths, c);
            fills = Arrays.copyOf(fills, c);
            origins = Arrays.copyOf(origins, c);
        }
    }
}
