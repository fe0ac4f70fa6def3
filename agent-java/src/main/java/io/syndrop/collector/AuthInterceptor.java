package io.syndrop.collector;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.syndrop.metrics.Metrics;
import io.syndrop.wire.CollectorChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Refuses calls that lack what the collector requires: a client certificate (mutual TLS) and/or the
 * bearer token. Every refusal is logged with the peer address and counted; a refused call never
 * reaches the service, so nothing it sent can reach a sink.
 */
final class AuthInterceptor implements ServerInterceptor {
    private static final Logger LOG = Logger.getLogger(AuthInterceptor.class.getName());
    static final Context.Key<Object> PEER = Context.key("syndrop-peer");
    private final byte[] token;
    private final boolean requireClientCert;
    private final LongAdder badToken;
    private final LongAdder noCert;

    AuthInterceptor(String token, boolean requireClientCert, Metrics metrics) {
        this.token = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.requireClientCert = requireClientCert;
        badToken = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "token"), "Connections or calls refused (bad input, authentication).");
        noCert = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "client_certificate"), "Connections or calls refused (bad input, authentication).");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Object peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String method = call.getMethodDescriptor().getFullMethodName();
        if (requireClientCert) {
            SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            Certificate[] certs = null;
            try {
                certs = ssl == null ? null : ssl.getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                certs = null;
            }
            if (certs == null || certs.length == 0) {
                noCert.increment();
                LOG.warning("refused " + method + " from " + peer + ": no client certificate (the collector requires mutual TLS)");
                call.close(Status.UNAUTHENTICATED.withDescription("a client certificate signed by the collector's --client-ca is required"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
        }
        if (token != null) {
            String got = headers.get(CollectorChannel.AUTHORIZATION);
            if (got == null || !MessageDigest.isEqual(token, got.getBytes(StandardCharsets.UTF_8))) {
                badToken.increment();
                LOG.warning("refused " + method + " from " + peer + ": " + (got == null ? "no bearer token" : "wrong bearer token"));
                call.close(Status.UNAUTHENTICATED.withDescription(got == null ? "bearer token required" : "bearer token not accepted"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
        }
        return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
    }
}
