package io.syndrop.wire;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Agent.Watch's gate when the agent has a --watch-token-file: the caller must send that token. The
 * token the agent publishes with (--token-file, which every node has) is refused with
 * PERMISSION_DENIED, as the collector refuses it on Subscribe: publishing is not reading.
 */
public final class WatchAuthInterceptor implements ServerInterceptor {
    private static final Logger LOG = Logger.getLogger(WatchAuthInterceptor.class.getName());
    private final byte[] watchToken;
    private final byte[] publishToken;
    private final LongAdder refused;

    public WatchAuthInterceptor(String watchToken, String publishToken, LongAdder refused) {
        this.watchToken = ("Bearer " + watchToken).getBytes(StandardCharsets.UTF_8);
        this.publishToken = publishToken == null ? null : ("Bearer " + publishToken).getBytes(StandardCharsets.UTF_8);
        this.refused = refused;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String got = headers.get(CollectorChannel.AUTHORIZATION);
        byte[] presented = got == null ? null : got.getBytes(StandardCharsets.UTF_8);
        if (presented != null && MessageDigest.isEqual(watchToken, presented)) {
            return next.startCall(call, headers);
        }
        Status st;
        if (presented == null) {
            st = Status.UNAUTHENTICATED.withDescription("bearer token required: Agent.Watch needs the agent's --watch-token-file token");
        } else if (publishToken != null && MessageDigest.isEqual(publishToken, presented)) {
            st = Status.PERMISSION_DENIED.withDescription("this bearer token may publish to the collector but not watch;"
                    + " Agent.Watch needs the token in the agent's --watch-token-file");
        } else {
            st = Status.UNAUTHENTICATED.withDescription("bearer token not accepted");
        }
        refused.increment();
        LOG.warning("refused Agent.Watch from " + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) + ": " + st.getDescription());
        call.close(st, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
