package io.syndrop.collector;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code syndrop.v1.Batch} as the bytes an agent sent, with an index: its header, and where each
 * drop event lies in the bytes with its seq. Events stay bytes (the JSON sink formats them from
 * there, format/WireJson); loss records, counter samples and summaries, which are rare, are parsed.
 *
 * <p>The index accepts what {@code Batch.parseFrom} accepts and refuses what it refuses (a
 * malformed message, a string that is not valid UTF-8, in events too), so a batch the object path
 * would have refused is refused here, before any of it is committed. Fields this schema does not
 * have are skipped, as the parser keeps and the formatters ignore them.
 */
final class ReceivedBatch {
    private static final boolean[] EVENT_STRING = new boolean[DropEvent.PACKET_HEADERS_FIELD_NUMBER + 1];

    static {
        for (com.google.protobuf.Descriptors.FieldDescriptor f : DropEvent.getDescriptor().getFields()) {
            if (f.getType() == com.google.protobuf.Descriptors.FieldDescriptor.Type.STRING) {
                EVENT_STRING[f.getNumber()] = true;
            }
        }
    }

    private final byte[] bytes;
    private String agentId = "";
    private long boot;
    private long firstSeq;
    private long lastSeq;
    private String node = "";
    private int events;
    private int[] eventOff = new int[64];
    private int[] eventLen = new int[64];
    private long[] eventSeq = new long[64];
    private final List<LossRecord> losses = new ArrayList<>(0);
    private final List<CounterSample> counters = new ArrayList<>(0);
    private final List<DropSummary> summaries = new ArrayList<>(0);
    /** Events as messages, when {@link #parseEvents()} made them (a sink needs them). */
    private WatchItem[] parsed;

    private ReceivedBatch(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Indexes Batch bytes; throws what {@code Batch.parseFrom} would throw for them. */
    static ReceivedBatch index(byte[] bytes) throws InvalidProtocolBufferException {
        ReceivedBatch b = new ReceivedBatch(bytes);
        try {
            b.scan(CodedInputStream.newInstance(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
        return b;
    }

    /** A batch built as a message (tests, tools): indexed from its bytes like a received one. */
    static ReceivedBatch of(Batch b) {
        try {
            return index(b.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a built Batch did not index: " + e.getMessage(), e);
        }
    }

    private void scan(CodedInputStream in) throws IOException {
        for (int tag; (tag = in.readTag()) != 0; ) {
            int wt = WireFormat.getTagWireType(tag);
            boolean varint = wt == WireFormat.WIRETYPE_VARINT;
            boolean delimited = wt == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            switch (WireFormat.getTagFieldNumber(tag)) {
                case Batch.AGENT_ID_FIELD_NUMBER -> {
                    if (!delimited) {
                        in.skipField(tag);
                    } else {
                        agentId = in.readStringRequireUtf8();
                    }
                }
                case Batch.AGENT_BOOT_FIELD_NUMBER -> boot = varint ? in.readUInt64() : skip(in, tag, boot);
                case Batch.FIRST_SEQ_FIELD_NUMBER -> firstSeq = varint ? in.readUInt64() : skip(in, tag, firstSeq);
                case Batch.LAST_SEQ_FIELD_NUMBER -> lastSeq = varint ? in.readUInt64() : skip(in, tag, lastSeq);
                case Batch.NODE_FIELD_NUMBER -> {
                    if (!delimited) {
                        in.skipField(tag);
                    } else {
                        node = in.readStringRequireUtf8();
                    }
                }
                case Batch.EVENTS_FIELD_NUMBER -> {
                    if (delimited) {
                        event(in);
                    } else {
                        in.skipField(tag);
                    }
                }
                case Batch.LOSSES_FIELD_NUMBER -> {
                    if (delimited) {
                        losses.add(LossRecord.parseFrom(in.readBytes()));
                    } else {
                        in.skipField(tag);
                    }
                }
                case Batch.COUNTERS_FIELD_NUMBER -> {
                    if (delimited) {
                        counters.add(CounterSample.parseFrom(in.readBytes()));
                    } else {
                        in.skipField(tag);
                    }
                }
                case Batch.SUMMARIES_FIELD_NUMBER -> {
                    if (delimited) {
                        summaries.add(DropSummary.parseFrom(in.readBytes()));
                    } else {
                        in.skipField(tag);
                    }
                }
                default -> in.skipField(tag);
            }
        }
    }

    private static long skip(CodedInputStream in, int tag, long keep) throws IOException {
        in.skipField(tag);
        return keep;
    }

    /** One event: its place in the bytes and its seq (the last one, as the parser keeps); strings checked as UTF-8. */
    private void event(CodedInputStream in) throws IOException {
        int len = in.readRawVarint32();
        if (len < 0) {
            throw new InvalidProtocolBufferException("CodedInputStream encountered an embedded string or message which claimed to have negative size.");
        }
        int start = in.getTotalBytesRead();
        int limit = in.pushLimit(len);
        long seq = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wt = WireFormat.getTagWireType(tag);
            if (field == DropEvent.SEQ_FIELD_NUMBER && wt == WireFormat.WIRETYPE_VARINT) {
                seq = in.readUInt64();
            } else if (field < EVENT_STRING.length && EVENT_STRING[field] && wt == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int n = in.readRawVarint32();
                int at = in.getTotalBytesRead();
                in.skipRawBytes(n); // throws when the string runs past the event
                if (!ascii(bytes, at, n) && !UnsafeByteOperations.unsafeWrap(bytes, at, n).isValidUtf8()) {
                    throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
                }
            } else {
                in.skipField(tag);
            }
        }
        in.popLimit(limit);
        if (events == eventOff.length) {
            eventOff = java.util.Arrays.copyOf(eventOff, events * 2);
            eventLen = java.util.Arrays.copyOf(eventLen, events * 2);
            eventSeq = java.util.Arrays.copyOf(eventSeq, events * 2);
        }
        eventOff[events] = start;
        eventLen[events] = len;
        eventSeq[events] = seq;
        events++;
    }

    /** Plain ASCII is valid UTF-8: the common case is checked without wrapping the bytes. */
    private static boolean ascii(byte[] b, int off, int n) {
        for (int i = off, e = off + n; i < e; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    String agentId() {
        return agentId;
    }

    long boot() {
        return boot;
    }

    long firstSeq() {
        return firstSeq;
    }

    long lastSeq() {
        return lastSeq;
    }

    String node() {
        return node;
    }

    /** Every record of the batch: events, losses, counter samples and summaries. */
    int records() {
        return events + losses.size() + counters.size() + summaries.size();
    }

    int events() {
        return events;
    }

    byte[] array() {
        return bytes;
    }

    int eventOffset(int i) {
        return eventOff[i];
    }

    int eventLength(int i) {
        return eventLen[i];
    }

    /**
     * The seq of record r, in the order events, losses, counter samples, summaries (the order
     * {@link #item} and {@link Batches#problem(ReceivedBatch)} use).
     */
    long seq(int r) {
        if (r < events) {
            return eventSeq[r];
        }
        r -= events;
        if (r < losses.size()) {
            return losses.get(r).getSeq();
        }
        r -= losses.size();
        if (r < counters.size()) {
            return counters.get(r).getSeq();
        }
        return summaries.get(r - counters.size()).getSeq();
    }

    /**
     * Parses every event now (on the thread that received the batch) for sinks that take messages,
     * so the committer's thread does not.
     */
    void parseEvents() {
        WatchItem[] p = new WatchItem[events];
        for (int i = 0; i < events; i++) {
            p[i] = item(i);
        }
        parsed = p;
    }

    /** Record r as a message, the batch's agent id, boot and node filled in where it lacks them (events are parsed). */
    WatchItem item(int r) {
        if (parsed != null && r < events) {
            return parsed[r];
        }
        WatchItem.Builder w = WatchItem.newBuilder();
        if (r < events) {
            try {
                w.setEvent(DropEvent.parseFrom(UnsafeByteOperations.unsafeWrap(bytes, eventOff[r], eventLen[r])));
            } catch (InvalidProtocolBufferException e) {
                // The index read these bytes already; failing here is a bug.
                throw new IllegalStateException("an indexed event did not parse: " + e.getMessage(), e);
            }
        } else if (r - events < losses.size()) {
            w.setLoss(losses.get(r - events));
        } else if (r - events - losses.size() < counters.size()) {
            w.setCounters(counters.get(r - events - losses.size()));
        } else {
            w.setSummary(summaries.get(r - events - losses.size() - counters.size()));
        }
        return Batches.fill(w.build(), agentId, boot, node);
    }

    /** The whole message (tests and tools). */
    Batch parse() throws InvalidProtocolBufferException {
        return Batch.parseFrom(bytes);
    }
}
