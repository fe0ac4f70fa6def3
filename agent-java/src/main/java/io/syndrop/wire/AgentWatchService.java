package io.syndrop.wire;

import io.grpc.stub.StreamObserver;
import io.syndrop.proto.v1.AgentGrpc;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.proto.v1.WatchRequest;

/** Agent.Watch: a live, filtered view of what this agent spools. */
public final class AgentWatchService extends AgentGrpc.AgentImplBase {
    private final LiveFanout live;

    public AgentWatchService(LiveFanout live) {
        this.live = live;
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchItem> out) {
        live.subscribe(request, out);
    }
}
