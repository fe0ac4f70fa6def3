package io.syndrop.agent;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Ack;
import io.syndrop.proto.v1.CollectorGrpc;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import io.syndrop.wire.SpooledBatch;
import io.syndrop.wire.SpooledBatchMarshaller;

/**
 * Streams the spool to a collector over Collector.Publish and deletes what the collector
 * acknowledges. At most {@code window} batches are in flight; on any stream failure it reconnects
 * with exponential backoff and starts again from the oldest unacknowledged batch (the collector
 * deduplicates what it already has).
 *
 * <p>Batches go out as the bytes the spool holds: Collector.Publish with a pass-through request
 * marshaller, so the wire carries exactly the Batch message the generated stub would send.
 */
public final class Publisher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Publisher.class.getName());
    static final MethodDescriptor<SpooledBatch, Ack> PUBLISH = CollectorGrpc.getPublishMethod()
            .toBuilder(new SpooledBatchMarshaller(), ProtoUtils.marshaller(Ack.getDefaultInstance()))
            .build();
    private final Channel channel;
    private final Spool spool;
    private final int window;
    private final Thread thread;
    private final LongAdder sent;
    private final LongAdder sentBatches;
    private final LongAdder acknowledged;
    private final LongAdder reconnects;
    private volatile boolean closed;
    private volatile boolean connected;
    private final long backoffMinMs;
    private final long backoffMaxMs;

    public Publisher(Channel channel, Spool spool, int window, Metrics metrics) {
        this(channel, spool, window, metrics, 100, 5000);
    }

    public Publisher(Channel channel, Spool spool, int window, Metrics metrics, long backoffMinMs, long backoffMaxMs) {
        this.channel = channel;
        this.spool = spool;
        this.window = Math.max(1, window);
        this.backoffMinMs = backoffMinMs;
        this.backoffMaxMs = backoffMaxMs;
        sent = metrics.counter("syndrop_agent_sent_total", "Records sent to the collector (resends included).");
        sentBatches = metrics.counter("syndrop_agent_sent_batches_total", "Batches sent to the collector (resends included).");
        acknowledged = metrics.counter("syndrop_agent_acknowledged_total", "Records the collector acknowledged.");
        reconnects = metrics.counter("syndrop_agent_reconnects_total", "Publish streams that failed and were restarted.");
        metrics.gauge("syndrop_agent_connected", "", "1 while a Publish stream is up.", () -> connected ? 1 : 0);
        thread = new Thread(this::run, "syndrop-publisher");
        thread.setDaemon(true);
    }

    public Publisher start() {
        thread.start();
        return this;
    }

    public boolean connected() {
        return connected;
    }

    private record InFlight(long boot, long firstSeq, long lastSeq) {}

    /** One Publish stream's state, shared with gRPC's callback threads under its own lock. */
    private final class Stream implements ClientResponseObserver<SpooledBatch, Ack> {
        final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        ClientCallStreamObserver<SpooledBatch> out;
        Throwable failed;
        boolean gotAck;

        @Override
        public void beforeStart(ClientCallStreamObserver<SpooledBatch> requestStream) {
            out = requestStream;
            requestStream.setOnReadyHandler(this::wake);
        }

        @Override
        public void onNext(Ack ack) {
            try {
                spool.ack(ack.getAgentBoot(), ack.getAckedSeq());
            } catch (Exception e) {
                LOG.log(Level.WARNING, "could not delete acknowledged spool segments: " + e.getMessage(), e);
            }
            synchronized (this) {
                gotAck = true;
                while (!inFlight.isEmpty() && inFlight.peek().boot == ack.getAgentBoot() && inFlight.peek().lastSeq <= ack.getAckedSeq()) {
                    InFlight f = inFlight.poll();
                    acknowledged.add(f.lastSeq - f.firstSeq + 1);
                }
                notifyAll();
            }
            spool.wakeReaders();
        }

        @Override
        public void onError(Throwable t) {
            fail(t);
        }

        @Override
        public void onCompleted() {
            fail(Status.UNAVAILABLE.withDescription("collector ended the stream").asRuntimeException());
        }

        synchronized void fail(Throwable t) {
            if (failed == null) {
                failed = t;
            }
            notifyAll();
            spool.wakeReaders();
        }

        synchronized void wake() {
            notifyAll();
            spool.wakeReaders();
        }
    }

    private void run() {
        long backoff = backoffMinMs;
        while (!closed) {
            Stream s = new Stream();
            try {
                ClientCalls.asyncBidiStreamingCall(channel.newCall(PUBLISH, CallOptions.DEFAULT), s);
                pump(s);
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                s.fail(e);
            }
            connected = false;
            if (closed) {
                break;
            }
            synchronized (s) {
                if (s.gotAck) {
                    backoff = backoffMinMs;
                }
                if (s.out != null) {
                    s.out.cancel("restarting the stream", null);
                }
            }
            reconnects.increment();
            Status st = Status.fromThrowable(s.failed);
            LOG.warning("publish stream to the collector failed (" + st.getCode() + (st.getDescription() == null ? "" : ": " + st.getDescription())
                    + "); retrying in " + backoff + " ms");
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                break;
            }
            backoff = Math.min(backoffMaxMs, backoff * 2);
        }
    }

    private void pump(Stream s) throws Exception {
        Spool.Cursor cur = spool.start();
        while (!closed) {
            synchronized (s) {
                while (s.failed == null && !closed && (s.inFlight.size() >= window || !s.out.isReady())) {
                    s.wait(200);
                }
                if (s.failed != null || closed) {
                    return;
                }
            }
            // Appends, acknowledgements, stream failures and close() all wake this wait: the timeout is a safety net.
            SpooledBatch b = spool.next(cur, 2000);
            if (b == null) {
                continue;
            }
            synchronized (s) {
                if (s.failed != null) {
                    return;
                }
                s.inFlight.add(new InFlight(b.boot(), b.firstSeq(), b.lastSeq()));
                s.out.onNext(b);
                connected = true;
            }
            sentBatches.increment();
            sent.add(b.records());
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        spool.wakeReaders();
        thread.interrupt();
        thread.join(5000);
    }
}
