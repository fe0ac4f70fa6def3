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
import io.syndrop.proto.v1.CollectorGrpc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Refuses calls that lack what the collector requires. Publishing and reading are separate rights:
 * Publish needs the publish credential (a client certificate from --client-ca and/or the --token-file
 * token), Subscribe needs a subscriber credential (the --subscribe-token-file token and/or a client
 * certificate whose CN is a --subscriber-cn), and neither credential grants the other call. Only a
 * collector that authenticates nobody leaves Subscribe open. Every refusal is logged with the peer
 * address and counted; a refused call never reaches the service, so nothing it sent can reach a sink.
 */
final class AuthInterceptor implements ServerInterceptor {
    private static final Logger LOG = Logger.getLogger(AuthInterceptor.class.getName());
    static final Context.Key<Object> PEER = Context.key("syndrop-peer");
    private static final String SUBSCRIBE = CollectorGrpc.getSubscribeMethod().getFullMethodName();
    private final byte[] publishToken;
    private final boolean requireClientCert;
    private final CollectorServer.Subscribers subscribers;
    private final byte[] subscribeToken;
    private final LongAdder badToken;
    private final LongAdder noCert;
    private final LongAdder notPermitted;

    AuthInterceptor(String token, boolean requireClientCert, CollectorServer.Subscribers subscribers, Metrics metrics) {
        this.publishToken = bearer(token);
        this.requireClientCert = requireClientCert;
        this.subscribers = subscribers;
        this.subscribeToken = bearer(subscribers.token());
        String help = "Connections or calls refused (bad input, authentication).";
        badToken = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "token"), help);
        noCert = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "client_certificate"), help);
        notPermitted = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "permission"), help);
    }

    private static byte[] bearer(String token) {
        return token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /** True when nobody is authenticated at all (plaintext or TLS without client certificates or tokens). */
    boolean open() {
        return publishToken == null && !requireClientCert && subscribers.none();
    }

    /** Why a call is refused: its status and the reason logged. */
    private record Refusal(Status status, String logged, LongAdder counter) {}

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Object peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String method = call.getMethodDescriptor().getFullMethodName();
        Certificate[] certs = peerCertificates(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        Refusal r;
        if (requireClientCert && certs.length == 0) {
            r = new Refusal(Status.UNAUTHENTICATED.withDescription("a client certificate signed by the collector's --client-ca is required"),
                    "no client certificate (the collector requires mutual TLS)", noCert);
        } else {
            String cn = certs.length > 0 && certs[0] instanceof X509Certificate x ? commonName(x) : null;
            String got = headers.get(CollectorChannel.AUTHORIZATION);
            byte[] presented = got == null ? null : got.getBytes(StandardCharsets.UTF_8);
            r = SUBSCRIBE.equals(method) ? checkSubscriber(cn, presented) : checkPublisher(cn, presented);
        }
        if (r != null) {
            r.counter().increment();
            LOG.warning("refused " + method + " from " + peer + ": " + r.logged());
            call.close(r.status(), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
    }

    private Refusal checkPublisher(String cn, byte[] presented) {
        if (cn != null && subscribers.names().contains(cn)) {
            return denied("certificate CN=" + cn + " is a subscriber identity (--subscriber-cn) and may not publish;"
                    + " give agents certificates with other names");
        }
        if (subscribeToken != null && presented != null && MessageDigest.isEqual(subscribeToken, presented)) {
            return denied("the subscribe token (--subscribe-token-file) may not publish; agents need the collector's --token-file token");
        }
        if (publishToken != null && (presented == null || !MessageDigest.isEqual(publishToken, presented))) {
            return unauthenticated(presented);
        }
        return null;
    }

    private Refusal checkSubscriber(String cn, byte[] presented) {
        if (open()) {
            return null;
        }
        boolean publishCredential = publishToken != null && presented != null && MessageDigest.isEqual(publishToken, presented);
        if (subscribers.none()) {
            return denied("Subscribe is not enabled on this collector: publishing credentials do not grant it;"
                    + " give the collector --subscribe-token-file FILE or --subscriber-cn NAME");
        }
        if (!subscribers.names().isEmpty() && (cn == null || !subscribers.names().contains(cn))) {
            return denied("certificate CN=" + cn + " may publish but not subscribe; the collector's --subscriber-cn names who may");
        }
        if (subscribeToken != null && (presented == null || !MessageDigest.isEqual(subscribeToken, presented))) {
            if (publishCredential) {
                return denied("this bearer token may publish but not subscribe; Subscribe needs the token in the collector's --subscribe-token-file");
            }
            return unauthenticated(presented);
        }
        return null;
    }

    private Refusal denied(String why) {
        return new Refusal(Status.PERMISSION_DENIED.withDescription(why), why, notPermitted);
    }

    private Refusal unauthenticated(byte[] presented) {
        return new Refusal(Status.UNAUTHENTICATED.withDescription(presented == null ? "bearer token required" : "bearer token not accepted"),
                presented == null ? "no bearer token" : "wrong bearer token", badToken);
    }

    private static Certificate[] peerCertificates(SSLSession ssl) {
        try {
            Certificate[] certs = ssl == null ? null : ssl.getPeerCertificates();
            return certs == null ? new Certificate[0] : certs;
        } catch (SSLPeerUnverifiedException e) {
            return new Certificate[0];
        }
    }

    /** The subject's CN (the last one if there are several), or null. */
    static String commonName(X509Certificate cert) {
        try {
            String cn = null;
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = String.valueOf(rdn.getValue());
                }
            }
            return cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
