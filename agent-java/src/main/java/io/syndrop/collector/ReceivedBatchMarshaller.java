package io.syndrop.collector;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.syndrop.wire.SpooledBatch;
import io.syndrop.wire.SpooledBatchMarshaller;
import java.io.IOException;
import java.io.InputStream;

/**
 * Collector.Publish's request side: a Batch's bytes read once and indexed ({@link ReceivedBatch}),
 * on the transport's thread, instead of parsed into a message. Bytes the generated parser would
 * refuse are refused the same way (INTERNAL), so a bad batch still fails its call before any of it
 * reaches the committer. Sending is only for tests and tools: the agent sends through
 * {@link SpooledBatchMarshaller}.
 */
final class ReceivedBatchMarshaller implements MethodDescriptor.Marshaller<ReceivedBatch> {
    private final SpooledBatchMarshaller bytes = new SpooledBatchMarshaller();
    private final boolean parseEvents;

    /** @param parseEvents parse each event on arrival too (a sink takes messages: see Sink#takesBytes) */
    ReceivedBatchMarshaller(boolean parseEvents) {
        this.parseEvents = parseEvents;
    }

    @Override
    public InputStream stream(ReceivedBatch b) {
        byte[] a = b.array();
        try {
            return bytes.stream(SpooledBatch.scan(a, 0, a.length));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("an indexed batch did not scan", e);
        }
    }

    /** gRPC's message streams know their length: one array of the right size, no growing copies. */
    private static byte[] readAll(InputStream in) throws IOException {
        if (in instanceof io.grpc.KnownLength) {
            int n = in.available();
            byte[] b = in.readNBytes(n);
            if (b.length == n && in.read() == -1) {
                return b;
            }
            throw new IOException("the message stream held other than the " + n + " bytes it announced");
        }
        return in.readAllBytes();
    }

    @Override
    public ReceivedBatch parse(InputStream in) {
        try {
            ReceivedBatch b = ReceivedBatch.index(readAll(in));
            if (parseEvents) {
                b.parseEvents();
            }
            return b;
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence: " + e.getMessage()).withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("reading a Batch failed: " + e.getMessage()).withCause(e).asRuntimeException();
        }
    }
}
