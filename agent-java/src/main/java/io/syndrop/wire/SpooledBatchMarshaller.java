package io.syndrop.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Hands a spooled batch's bytes to gRPC as they are. The stream is {@link KnownLength} and
 * {@link Drainable}, so gRPC's framer writes the array straight into its transport buffers instead
 * of copying it through an intermediate stream.
 */
public final class SpooledBatchMarshaller implements MethodDescriptor.Marshaller<SpooledBatch> {
    @Override
    public InputStream stream(SpooledBatch b) {
        return new BatchStream(b);
    }

    @Override
    public SpooledBatch parse(InputStream in) {
        try {
            byte[] bytes = in.readAllBytes();
            return SpooledBatch.scan(bytes, 0, bytes.length);
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("not a Batch: " + e.getMessage()).withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("reading a Batch failed: " + e.getMessage()).withCause(e).asRuntimeException();
        }
    }

    private static final class BatchStream extends ByteArrayInputStream implements KnownLength, Drainable {
        BatchStream(SpooledBatch b) {
            super(b.array(), b.offset(), b.length());
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }
}
