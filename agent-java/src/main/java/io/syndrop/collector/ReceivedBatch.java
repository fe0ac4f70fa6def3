package io.syndrop.collector;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import io.syndrop.format.WireJson;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.sink.RecordGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A Batch as it arrived: its protobuf bytes, indexed in one pass (the collector's fast path), so the
 * committer writes each event from its bytes ({@link WireJson}) without a DropEvent per event. A
 * batch the index cannot vouch for - a field it does not know (e.g. storm summaries, field 9,
 * until they get a fast path: see {@link #index}), fields out of order or repeated, records not in
 * increasing seq order, a record it cannot scan - is parsed as a {@link Batch} and takes the
 * existing path ({@link Batches}), with the same checks and the same answers to the agent.
 */
final class ReceivedBatch {
    private static final int B_AGENT_ID = 1, B_AGENT_BOOT = 2, B_FIRST_SEQ = 3, B_LAST_SEQ = 4;
    private static final int B_EVENTS = 5, B_LOSSES = 6, B_COUNTERS = 7, B_NODE = 8;

    /** gRPC's unmarshalling of Collector.Publish's request: the bytes, indexed, not parsed. */
    static final MethodDescriptor.Marshaller<ReceivedBatch> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(ReceivedBatch value) {
            return new java.io.ByteArrayInputStream(value.bytes == null ? value.parsed().toByteArray() : value.bytes);
        }

        @Override
        public ReceivedBatch parse(InputStream stream) {
            try {
                return ReceivedBatch.parse(stream.readAllBytes());
            } catch (InvalidProtocolBufferException e) {
                throw io.grpc.Status.INVALID_ARGUMENT.withDescription("not a syndrop.v1.Batch: " + e.getMessage()).withCause(e).asRuntimeException();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final byte[] bytes;
    private Batch parsed;
    private String agentId = "";
    private long boot;
    private long firstSeq;
    private long lastSeq;
    private String node = "";
    // Records in wire order (= seq order): kind, place, seq; loss and counter records parsed and filled.
    private int n;
    private byte[] kinds;
    private int[] starts;
    private int[] lengths;
    private long[] seqs;
    private boolean[] fill;
    private WatchItem[] others;

    private ReceivedBatch(byte[] bytes) {
        this.bytes = bytes;
    }

    private ReceivedBatch(Batch parsed) {
        this.bytes = null;
        this.parsed = parsed;
    }

    /** A batch already parsed (Kafka, tests): the existing path. */
    static ReceivedBatch of(Batch b) {
        return new ReceivedBatch(b);
    }

    /** Indexes the bytes; a batch the index refuses is parsed (InvalidProtocolBufferException: not a Batch). */
    static ReceivedBatch parse(byte[] bytes) throws InvalidProtocolBufferException {
        ReceivedBatch r = new ReceivedBatch(bytes);
        if (!r.index()) {
            r.parsed = Batch.parseFrom(bytes);
        }
        return r;
    }

    /** True when the committer may write this batch's events from their bytes. */
    boolean indexed() {
        return parsed == null;
    }

    /** The parsed Batch (for a batch that was indexed, parsed now). */
    Batch parsed() {
        if (parsed == null) {
            try {
                parsed = Batch.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("an indexed batch did not parse: " + e.getMessage(), e);
            }
        }
        return parsed;
    }

    String agentId() {
        return parsed != null ? parsed.getAgentId() : agentId;
    }

    long agentBoot() {
        return parsed != null ? parsed.getAgentBoot() : boot;
    }

    long firstSeq() {
        return parsed != null ? parsed.getFirstSeq() : firstSeq;
    }

    long lastSeq() {
        return parsed != null ? parsed.getLastSeq() : lastSeq;
    }

    /** Records in the batch (events, losses, counters). */
    int records() {
        return parsed != null ? parsed.getEventsCount() + parsed.getLossesCount() + parsed.getCountersCount() : n;
    }

    /** As {@link Batches#problem}: null when well formed, else what is wrong (sent back to the agent). */
    String problem() {
        if (parsed != null) {
            return Batches.problem(parsed);
        }
        if (agentId.isEmpty() || agentId.length() > 256) {
            return "agent_id must be 1-256 characters";
        }
        if (boot == 0) {
            return "agent_boot must be set (a new value on every agent start)";
        }
        if (firstSeq < 1 || lastSeq < firstSeq) {
            return "need 1 <= first_seq <= last_seq, got " + firstSeq + ".." + lastSeq;
        }
        if (n > Batches.MAX_RECORDS) {
            return "more than " + Batches.MAX_RECORDS + " records in one batch";
        }
        if (lastSeq - firstSeq + 1 != n) {
            return "first_seq..last_seq covers " + (lastSeq - firstSeq + 1) + " numbers but the batch holds " + n + " records";
        }
        // Strictly increasing (index) and n of them inside a range of n numbers: each number exactly once.
        for (int i = 0; i < n; i++) {
            if (seqs[i] < firstSeq || seqs[i] > lastSeq) {
                return "record seq " + seqs[i] + " is outside " + firstSeq + ".." + lastSeq + " or repeated";
            }
        }
        return null;
    }

    /**
     * Adds the records after {@code hwm} to the group, in seq order, filled with the batch's agent
     * id, boot and node where they lack them (as {@link Batches#itemsInOrder}); returns how many
     * were at or below hwm (duplicates). Loss counts go to {@code lost}.
     */
    int addTo(RecordGroup group, long hwm, java.util.concurrent.atomic.LongAdder lost) {
        int dups = 0;
        if (parsed != null) {
            for (WatchItem it : Batches.itemsInOrder(parsed)) {
                if (Batches.seq(it) <= hwm) {
                    dups++;
                    continue;
                }
                if (it.hasLoss()) {
                    lost.add(it.getLoss().getCount());
                }
                group.add(it);
            }
            return dups;
        }
        RecordGroup.Origin origin = null;
        for (int i = 0; i < n; i++) {
            if (seqs[i] <= hwm) {
                dups++;
                continue;
            }
            if (kinds[i] == B_EVENTS) {
                if (origin == null) {
                    origin = new RecordGroup.Origin(agentId, boot, node);
                }
                group.addEncoded(bytes, starts[i], lengths[i], fill[i], origin);
            } else {
                if (others[i].hasLoss()) {
                    lost.add(others[i].getLoss().getCount());
                }
                group.add(others[i]);
            }
        }
        return dups;
    }

    /** One pass over the top-level fields; false: leave it to the parser. */
    private boolean index() {
        byte[] b = bytes;
        int p = 0;
        int end = b.length;
        boolean seenId = false, seenBoot = false, seenFirst = false, seenLast = false, seenNode = false;
        int cap = 16;
        kinds = new byte[cap];
        starts = new int[cap];
        lengths = new int[cap];
        seqs = new long[cap];
        fill = new boolean[cap];
        others = null;
        WireJson.Scan scan = new WireJson.Scan();
        long prevSeq = 0;
        try {
            while (p < end) {
                long tag = 0;
                int shift = 0;
                for (byte x; ; shift += 7) {
                    if (p >= end || shift > 28) {
                        return false;
                    }
                    x = b[p++];
                    tag |= (long) (x & 0x7f) << shift;
                    if (x >= 0) {
                        break;
                    }
                }
                int field = (int) (tag >>> 3);
                int wt = (int) (tag & 7);
                if (wt == 0) {
                    long v = 0;
                    shift = 0;
                    for (byte x; ; shift += 7) {
                        if (p >= end || shift > 63) {
                            return false;
                        }
                        x = b[p++];
                        v |= (long) (x & 0x7f) << shift;
                        if (x >= 0) {
                            break;
                        }
                    }
                    switch (field) {
                        case B_AGENT_BOOT -> {
                            if (seenBoot) {
                                return false;
                            }
                            seenBoot = true;
                            boot = v;
                        }
                        case B_FIRST_SEQ -> {
                            if (seenFirst) {
                                return false;
                            }
                            seenFirst = true;
                            firstSeq = v;
                        }
                        case B_LAST_SEQ -> {
                            if (seenLast) {
                                return false;
                            }
                            seenLast = true;
                            lastSeq = v;
                        }
                        default -> {
                            return false;
                        }
                    }
                    continue;
                }
                if (wt != 2) {
                    return false;
                }
                long l = 0;
                shift = 0;
                for (byte x; ; shift += 7) {
                    if (p >= end || shift > 28) {
                        return false;
                    }
                    x = b[p++];
                    l |= (long) (x & 0x7f) << shift;
                    if (x >= 0) {
                        break;
                    }
                }
                if (l > end - p) {
                    return false;
                }
                int len = (int) l;
                switch (field) {
                    case B_AGENT_ID, B_NODE -> {
                        if (field == B_AGENT_ID ? seenId : seenNode) {
                            return false;
                        }
                        if (!WireJson.validUtf8(b, p, p + len)) {
                            return false;
                        }
                        String s = new String(b, p, len, StandardCharsets.UTF_8);
                        if (field == B_AGENT_ID) {
                            seenId = true;
                            agentId = s;
                        } else {
                            seenNode = true;
                            node = s;
                        }
                    }
                    case B_EVENTS -> {
                        if (!WireJson.scan(b, p, len, scan)) {
                            return false;
                        }
                        if (n > 0 && Long.compareUnsigned(scan.seq, prevSeq) <= 0) {
                            return false;
                        }
                        prevSeq = scan.seq;
                        add(B_EVENTS, p, len, scan.seq, scan.needsFill, null);
                    }
                    case B_LOSSES, B_COUNTERS -> {
                        WatchItem it = field == B_LOSSES ? lossItem(LossRecord.parseFrom(Arrays.copyOfRange(b, p, p + len)))
                                : counterItem(CounterSample.parseFrom(Arrays.copyOfRange(b, p, p + len)));
                        long s = field == B_LOSSES ? it.getLoss().getSeq() : it.getCounters().getSeq();
                        if (n > 0 && Long.compareUnsigned(s, prevSeq) <= 0) {
                            return false;
                        }
                        prevSeq = s;
                        add(field, p, len, s, false, it);
                    }
                    default -> {
                        // Storm summaries (Batch field 9) and anything newer: the parsed path handles them.
                        return false;
                    }
                }
                p += len;
            }
            fillOthers();
            return true;
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    private WatchItem lossItem(LossRecord l) {
        return WatchItem.newBuilder().setLoss(l).build();
    }

    private WatchItem counterItem(CounterSample c) {
        return WatchItem.newBuilder().setCounters(c).build();
    }

    private void add(int kind, int start, int len, long seq, boolean needsFill, WatchItem other) {
        if (n == kinds.length) {
            int c = n * 2;
            kinds = Arrays.copyOf(kinds, c);
            starts = Arrays.copyOf(starts, c);
            lengths = Arrays.copyOf(lengths, c);
            seqs = Arrays.copyOf(seqs, c);
            fill = Arrays.copyOf(fill, c);
        }
        if (other != null) {
            if (others == null || others.length < kinds.length) {
                others = others == null ? new WatchItem[kinds.length] : Arrays.copyOf(others, kinds.length);
            }
            others[n] = other;
        }
        kinds[n] = (byte) kind;
        starts[n] = start;
        lengths[n] = len;
        seqs[n] = seq;
        fill[n++] = needsFill;
    }

    /**
     * Loss and counter records get the batch's agent id and boot, and its node where they have none,
     * as Batches.fill does; done once the whole batch is read (other clients may put the header last).
     */
    private void fillOthers() {
        if (others == null) {
            return;
        }
        // others grows only when a loss or counter is added: it may be shorter than the records.
        for (int i = 0, m = Math.min(n, others.length); i < m; i++) {
            WatchItem it = others[i];
            if (it == null) {
                continue;
            }
            if (it.hasLoss()) {
                LossRecord.Builder lb = it.getLoss().toBuilder().setAgentId(agentId).setAgentBoot(boot);
                if (lb.getNode().isEmpty()) {
                    lb.setNode(node);
                }
                others[i] = WatchItem.newBuilder().setLoss(lb).build();
            } else {
                CounterSample.Builder cb = it.getCounters().toBuilder().setAgentId(agentId).setAgentBoot(boot);
                if (cb.getNode().isEmpty()) {
                    cb.setNode(node);
                }
                others[i] = WatchItem.newBuilder().setCounters(cb).build();
            }
        }
    }
}
