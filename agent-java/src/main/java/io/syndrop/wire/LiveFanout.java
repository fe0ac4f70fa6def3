package io.syndrop.wire;

import io.syndrop.filter.EventFilter;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.proto.v1.WatchRequest;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Hands live items to ad hoc viewers (Agent.Watch, Collector.Subscribe). A viewer that cannot keep
 * up loses items (counted) instead of slowing the pipeline: live views are best effort by design,
 * the delivery guarantee belongs to Publish.
 */
public final class LiveFanout {
    private static final Logger LOG = Logger.getLogger(LiveFanout.class.getName());
    private final CopyOnWriteArrayList<Viewer> viewers = new CopyOnWriteArrayList<>();
    private final LongAdder dropped;

    public LiveFanout(LongAdder dropped) {
        this.dropped = dropped;
    }

    public int viewers() {
        return viewers.size();
    }

    public void publish(WatchItem item) {
        for (Viewer v : viewers) {
            v.offer(item);
        }
    }

    public void subscribe(WatchRequest req, StreamObserver<WatchItem> out) {
        EventFilter filter;
        try {
            filter = EventFilter.fromProto(req.getFilter());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("bad filter: " + e.getMessage()).asRuntimeException());
            return;
        }
        ServerCallStreamObserver<WatchItem> call = (ServerCallStreamObserver<WatchItem>) out;
        Viewer v = new Viewer(filter, call);
        call.setOnCancelHandler(() -> viewers.remove(v));
        call.setOnReadyHandler(v::drain);
        viewers.add(v);
        LOG.fine("live viewer subscribed; " + viewers.size() + " now");
    }

    public void closeAll() {
        for (Viewer v : viewers) {
            synchronized (v) {
                try {
                    v.call.onCompleted();
                } catch (RuntimeException ignored) {
                    // already cancelled
                }
            }
        }
        viewers.clear();
    }

    /** Per viewer: a bounded backlog that the transport drains as the viewer reads. */
    private final class Viewer {
        static final int BACKLOG = 16_384;
        final EventFilter filter;
        final ServerCallStreamObserver<WatchItem> call;
        final java.util.ArrayDeque<WatchItem> backlog = new java.util.ArrayDeque<>();

        Viewer(EventFilter filter, ServerCallStreamObserver<WatchItem> call) {
            this.filter = filter;
            this.call = call;
        }

        synchronized void offer(WatchItem item) {
            if (!filter.matches(item)) {
                return;
            }
            if (call.isCancelled()) {
                viewers.remove(this);
                return;
            }
            if (backlog.size() >= BACKLOG) {
                dropped.increment();
                return;
            }
            backlog.add(item);
            drain();
        }

        synchronized void drain() {
            try {
                // isReady() false means the transport's buffer for this viewer is full; onReady calls back.
                while (!backlog.isEmpty() && call.isReady() && !call.isCancelled()) {
                    call.onNext(backlog.poll());
                }
            } catch (RuntimeException e) {
                viewers.remove(this);
            }
        }
    }
}
