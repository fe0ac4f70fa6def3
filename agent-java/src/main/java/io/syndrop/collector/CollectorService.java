package io.syndrop.collector;

import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Ack;
import io.syndrop.proto.v1.CollectorGrpc;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.proto.v1.WatchRequest;
import io.syndrop.wire.LiveFanout;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Collector.Publish and Collector.Subscribe. Each Publish stream gets {@code window} messages of
 * credit and one more per batch the committer has finished with, so a slow sink stalls agents
 * through gRPC flow control rather than filling the collector's memory.
 *
 * <p>Publish takes each Batch as its bytes ({@link ReceivedBatch}, indexed by
 * {@link ReceivedBatchMarshaller}), not as a parsed message: drop events reach the JSON sink
 * without becoming DropEvent objects. The method's name and wire format are the generated ones.
 */
final class CollectorService implements io.grpc.BindableService {
    private static final Logger LOG = Logger.getLogger(CollectorService.class.getName());
    private final Committer committer;
    private final LiveFanout live;
    private final boolean parseEvents;
    private final int window;
    private final LongAdder rejectedBatches;
    private final LongAdder streams;

    CollectorService(Committer committer, LiveFanout live, int window, boolean parseEvents, Metrics metrics) {
        this.committer = committer;
        this.parseEvents = parseEvents;
        this.live = live;
        this.window = window;
        rejectedBatches = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "invalid_batch"),
                "Connections or calls refused (bad input, authentication).");
        streams = metrics.counter("syndrop_collector_publish_streams_total", "Publish streams opened by agents.");
    }

    @Override
    public io.grpc.ServerServiceDefinition bindService() {
        io.grpc.MethodDescriptor<ReceivedBatch, Ack> publish = CollectorGrpc.getPublishMethod()
                .toBuilder(new ReceivedBatchMarshaller(parseEvents), io.grpc.protobuf.ProtoUtils.marshaller(Ack.getDefaultInstance()))
                .build();
        return io.grpc.ServerServiceDefinition.builder(CollectorGrpc.SERVICE_NAME)
                .addMethod(publish, io.grpc.stub.ServerCalls.asyncBidiStreamingCall(this::publish))
                .addMethod(CollectorGrpc.getSubscribeMethod(), io.grpc.stub.ServerCalls.asyncServerStreamingCall(this::subscribe))
                .build();
    }

    StreamObserver<ReceivedBatch> publish(StreamObserver<Ack> responseObserver) {
        ServerCallStreamObserver<Ack> call = (ServerCallStreamObserver<Ack>) responseObserver;
        call.disableAutoRequest();
        String peer = String.valueOf(AuthInterceptor.PEER.get());
        streams.increment();
        Conn conn = new Conn(call, peer);
        call.setOnCancelHandler(() -> conn.dead = true);
        call.request(window);
        return conn;
    }

    void subscribe(WatchRequest request, StreamObserver<WatchItem> out) {
        live.subscribe(request, out);
    }

    private final class Conn implements StreamObserver<ReceivedBatch>, Committer.Origin {
        final ServerCallStreamObserver<Ack> call;
        final String peer;
        volatile boolean dead;
        int outstanding;
        boolean halfClosed;

        Conn(ServerCallStreamObserver<Ack> call, String peer) {
            this.call = call;
            this.peer = peer;
        }

        @Override
        public void onNext(ReceivedBatch b) {
            if (dead) {
                return;
            }
            String problem = Batches.problem(b);
            if (problem != null) {
                rejectedBatches.increment();
                LOG.warning("refused a batch from " + peer + " (agent '" + b.agentId() + "'): " + problem + "; closing its stream");
                fail(Status.INVALID_ARGUMENT.withDescription("bad batch: " + problem));
                return;
            }
            synchronized (this) {
                outstanding++;
            }
            committer.submit(new Committer.Pending(b, this));
        }

        @Override
        public void onError(Throwable t) {
            dead = true;
            Status s = Status.fromThrowable(t);
            if (s.getCode() != Status.Code.CANCELLED) {
                LOG.warning("publish stream from " + peer + " failed: " + s.getCode() + (s.getDescription() == null ? "" : " " + s.getDescription()));
            }
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                halfClosed = true;
                if (outstanding == 0 && !dead) {
                    dead = true;
                    call.onCompleted();
                }
            }
        }

        @Override
        public synchronized void ack(Ack ack) {
            outstanding--;
            if (dead) {
                return;
            }
            try {
                call.onNext(ack);
                if (halfClosed && outstanding == 0) {
                    dead = true;
                    call.onCompleted();
                } else {
                    call.request(1);
                }
            } catch (RuntimeException e) {
                dead = true;
            }
        }

        @Override
        public synchronized void fail(Status status) {
            if (dead) {
                return;
            }
            dead = true;
            try {
                call.onError(status.asRuntimeException());
            } catch (RuntimeException ignored) {
                // already cancelled by the peer
            }
        }

        @Override
        public String peer() {
            return peer;
        }
    }
}
