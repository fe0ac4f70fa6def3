package io.syndrop.agent;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.syndrop.event.EncodedEvents;
import io.syndrop.proto.v1.DropEvent;
import java.io.IOException;
import io.syndrop.wire.SpooledBatch;

/**
 * Encodes a {@code syndrop.v1.Batch} straight into a reused byte array. Each event is written as
 * the bytes it already is, followed by its seq (and agent id/boot/node where the event lacks them):
 * protobuf's rule that the last occurrence of a singular field wins makes that the same message
 * as a copy with those fields set, without the per-event builder copy that cost the batcher most
 * of its time. Events the drain wrote as bytes ({@link EncodedEvents}: no seq in them) are copied
 * the same way, and get their seq here, once. {@code BatchEncoderTest} checks the result against
 * the generated builder's.
 */
final class BatchEncoder {
    // Field numbers in syndrop.v1.Batch and syndrop.v1.DropEvent.
    private static final int B_AGENT_ID = 1;
    private static final int B_AGENT_BOOT = 2;
    private static final int B_FIRST_SEQ = 3;
    private static final int B_LAST_SEQ = 4;
    private static final int B_EVENTS = 5;
    private static final int B_LOSSES = 6;
    private static final int B_COUNTERS = 7;
    private static final int B_NODE = 8;
    private static final int B_SUMMARIES = 9;
    private static final int E_SEQ = 1;
    private static final int E_NODE = 3;
    private static final int E_AGENT_ID = 20;
    private static final int E_AGENT_BOOT = 21;
    /** Do not keep a burst's buffer for good. */
    private static final int KEEP_BYTES = 4 << 20;

    private final String agentId;
    private final String node;
    private final long boot;
    private byte[] buf = new byte[64 << 10];
    private int[] lengths = new int[1024];

    BatchEncoder(String agentId, String node, long boot) {
        this.agentId = agentId;
        this.node = node;
        this.boot = boot;
    }

    /** What the batcher hands over: events (with their seqs) and already numbered loss/counter records. */
    interface Records {
        int size();

        /** A DropEvent (numbered by the encoder) or a finished LossRecord/CounterSample/DropSummary message; null when {@link #encoded}. */
        MessageLite get(int i);

        /** The chunk holding record i as an encoded DropEvent, or null when it is a message. */
        default EncodedEvents encoded(int i) {
            return null;
        }

        /** Record i's place in its {@link #encoded} chunk. */
        default int encodedIndex(int i) {
            return -1;
        }

        long seqOf(int i);
    }

    /** Encodes the records as one Batch covering firstSeq..lastSeq; valid until the next call. */
    SpooledBatch encode(Records records, long firstSeq, long lastSeq) throws IOException {
        int n = records.size();
        if (lengths.length < n) {
            lengths = new int[Math.max(n, lengths.length * 2)];
        }
        int total = CodedOutputStream.computeStringSize(B_AGENT_ID, agentId)
                + CodedOutputStream.computeUInt64Size(B_AGENT_BOOT, boot)
                + CodedOutputStream.computeUInt64Size(B_FIRST_SEQ, firstSeq)
                + CodedOutputStream.computeUInt64Size(B_LAST_SEQ, lastSeq)
                + CodedOutputStream.computeStringSize(B_NODE, node);
        for (int i = 0; i < n; i++) {
            EncodedEvents c = records.encoded(i);
            int len;
            if (c != null) {
                len = c.length(records.encodedIndex(i)) + extraSize(c.node(), c.agentId(), c.agentBoot(), records.seqOf(i));
            } else {
                MessageLite m = records.get(i);
                len = m.getSerializedSize();
                if (m instanceof DropEvent e) {
                    len += extraSize(e.getNode(), e.getAgentId(), e.getAgentBoot(), records.seqOf(i));
                }
            }
            lengths[i] = len;
            total += CodedOutputStream.computeTagSize(B_EVENTS) + CodedOutputStream.computeUInt32SizeNoTag(len) + len;
        }
        if (buf.length < total || buf.length > KEEP_BYTES && total <= KEEP_BYTES) {
            buf = new byte[Math.max(total, Math.min(KEEP_BYTES, buf.length * 2))];
        }
        CodedOutputStream out = CodedOutputStream.newInstance(buf, 0, total);
        out.writeString(B_AGENT_ID, agentId);
        out.writeUInt64(B_AGENT_BOOT, boot);
        out.writeUInt64(B_FIRST_SEQ, firstSeq);
        out.writeUInt64(B_LAST_SEQ, lastSeq);
        out.writeString(B_NODE, node);
        for (int i = 0; i < n; i++) {
            EncodedEvents c = records.encoded(i);
            if (c != null) {
                int k = records.encodedIndex(i);
                out.writeTag(B_EVENTS, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(lengths[i]);
                out.writeRawBytes(c.array(), c.start(k), c.length(k));
                writeExtra(out, c.node(), c.agentId(), c.agentBoot(), records.seqOf(i));
                continue;
            }
            MessageLite m = records.get(i);
            if (m instanceof DropEvent e) {
                out.writeTag(B_EVENTS, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(lengths[i]);
                e.writeTo(out);
                writeExtra(out, e.getNode(), e.getAgentId(), e.getAgentBoot(), records.seqOf(i));
            } else {
                int field = m instanceof io.syndrop.proto.v1.LossRecord ? B_LOSSES
                        : m instanceof io.syndrop.proto.v1.DropSummary ? B_SUMMARIES : B_COUNTERS;
                out.writeTag(field, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(lengths[i]);
                m.writeTo(out);
            }
        }
        out.checkNoSpaceLeft();
        return new SpooledBatch(buf, 0, total, boot, firstSeq, lastSeq);
    }

    /** The fields the batcher appends to an event that has this node, agent id and boot. */
    private int extraSize(String eNode, String eAgentId, long eBoot, long seq) {
        int n = CodedOutputStream.computeUInt64Size(E_SEQ, seq);
        if (eNode.isEmpty()) {
            n += CodedOutputStream.computeStringSize(E_NODE, node);
        }
        if (!eAgentId.equals(agentId)) {
            n += CodedOutputStream.computeStringSize(E_AGENT_ID, agentId);
        }
        if (eBoot != boot) {
            n += CodedOutputStream.computeUInt64Size(E_AGENT_BOOT, boot);
        }
        return n;
    }

    private void writeExtra(CodedOutputStream out, String eNode, String eAgentId, long eBoot, long seq) throws IOException {
        out.writeUInt64(E_SEQ, seq);
        if (eNode.isEmpty()) {
            out.writeString(E_NODE, node);
        }
        if (!eAgentId.equals(agentId)) {
            out.writeString(E_AGENT_ID, agentId);
        }
        if (eBoot != boot) {
            out.writeUInt64(E_AGENT_BOOT, boot);
        }
    }
}
