package io.syndrop.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.syndrop.proto.v1.Batch;

/**
 * A {@link Batch} as the bytes the spool holds and the publisher sends unchanged: the agent
 * encodes each batch once, and neither the spool nor gRPC parses and re-serializes it. The
 * numbers the publisher needs (boot, first and last seq) come from a scan of the top-level fields
 * that skips the records.
 */
public record SpooledBatch(byte[] array, int offset, int length, long boot, long firstSeq, long lastSeq) {
    // Field numbers in syndrop.v1.Batch.
    private static final int AGENT_BOOT = 2;
    private static final int FIRST_SEQ = 3;
    private static final int LAST_SEQ = 4;

    public static SpooledBatch of(Batch b) {
        byte[] bytes = b.toByteArray();
        return new SpooledBatch(bytes, 0, bytes.length, b.getAgentBoot(), b.getFirstSeq(), b.getLastSeq());
    }

    /** Reads the header numbers of encoded Batch bytes; throws when they are not a well-formed Batch header. */
    public static SpooledBatch scan(byte[] array, int offset, int length) throws InvalidProtocolBufferException {
        CodedInputStream in = CodedInputStream.newInstance(array, offset, length);
        long boot = 0;
        long first = 0;
        long last = 0;
        try {
            for (int tag; (tag = in.readTag()) != 0; ) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case AGENT_BOOT -> boot = in.readUInt64();
                    case FIRST_SEQ -> first = in.readUInt64();
                    case LAST_SEQ -> last = in.readUInt64();
                    default -> in.skipField(tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
        return new SpooledBatch(array, offset, length, boot, first, last);
    }

    public long records() {
        return lastSeq - firstSeq + 1;
    }

    /** The whole message (tests and tools; the hot path never needs it). */
    public Batch parse() throws InvalidProtocolBufferException {
        return Batch.parseFrom(java.nio.ByteBuffer.wrap(array, offset, length));
    }
}
