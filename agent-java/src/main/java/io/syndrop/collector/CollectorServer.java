package io.syndrop.collector;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.syndrop.sink.Sink;
import io.syndrop.metrics.Metrics;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.LiveFanout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The collector: a gRPC server on Netty in front of the committer and its sinks. */
public final class CollectorServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CollectorServer.class.getName());

    /**
     * Everything `syndrop collect` configures. tlsCert/tlsKey null means plaintext, which needs
     * insecure. token is what Publish requires; subscribers say who may Subscribe.
     */
    public record Config(HostPort listen, boolean insecure, Path tlsCert, Path tlsKey, Path clientCa, String token,
                         int maxMessageBytes, Path dedupeDir, int window, Subscribers subscribers) {
        public Config {
            if (maxMessageBytes <= 0) {
                maxMessageBytes = 4 << 20;
            }
            if (window <= 0) {
                window = 8;
            }
            if (subscribers == null) {
                subscribers = Subscribers.NONE;
            }
        }

        /** A collector without subscriber credentials. */
        public Config(HostPort listen, boolean insecure, Path tlsCert, Path tlsKey, Path clientCa, String token,
                      int maxMessageBytes, Path dedupeDir, int window) {
            this(listen, insecure, tlsCert, tlsKey, clientCa, token, maxMessageBytes, dedupeDir, window, Subscribers.NONE);
        }

        public Config withSubscribers(Subscribers s) {
            return new Config(listen, insecure, tlsCert, tlsKey, clientCa, token, maxMessageBytes, dedupeDir, window, s);
        }
    }

    /**
     * Who may call Collector.Subscribe: the holder of this bearer token and/or of a client
     * certificate whose subject CN is one of names (each one given is required). Publishing
     * credentials never grant it.
     */
    public record Subscribers(String token, Set<String> names) {
        public static final Subscribers NONE = new Subscribers(null, Set.of());

        public Subscribers {
            names = names == null ? Set.of() : Set.copyOf(names);
        }

        boolean none() {
            return token == null && names.isEmpty();
        }
    }

    private final Server server;
    private final Committer committer;
    private final LiveFanout live;
    private final List<Sink> sinks;
    private final Handler transportLog;
    private final Logger transportLogger = Logger.getLogger("io.grpc.netty.NettyServerTransport.connections");
    private TlsHandshakeLog tlsLog;

    public CollectorServer(Config cfg, List<Sink> sinks, Metrics metrics) throws IOException {
        if (cfg.tlsCert() == null && !cfg.insecure()) {
            throw new IllegalArgumentException("the collector refuses plaintext: give --tls-cert and --tls-key, or --insecure");
        }
        this.sinks = sinks;
        live = new LiveFanout(metrics.counter("syndrop_collector_subscriber_dropped_total", "Live items a slow subscriber missed."));
        committer = new Committer(sinks, new DedupeState(cfg.dedupeDir()), live, metrics);
        LongAdder badCert = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "client_certificate"),
                "Connections or calls refused (bad input, authentication).");
        LongAdder badTransport = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "transport"),
                "Connections or calls refused (bad input, authentication).");
        NettyServerBuilder b = NettyServerBuilder.forAddress(cfg.listen().socketAddress())
                .maxInboundMessageSize(cfg.maxMessageBytes())
                .maxInboundMetadataSize(16 << 10)
                .maxConcurrentCallsPerConnection(16)
                .flowControlWindow(1 << 20)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .maxConnectionIdle(10, TimeUnit.MINUTES);
        boolean mtls = cfg.clientCa() != null;
        if (cfg.tlsCert() != null) {
            if (cfg.tlsKey() == null) {
                throw new IllegalArgumentException("--tls-cert needs --tls-key");
            }
            SslContextBuilder ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(cfg.tlsCert().toFile(), cfg.tlsKey().toFile()));
            if (mtls) {
                // OPTIONAL, not REQUIRE: a client without a certificate then gets a logged UNAUTHENTICATED
                // from the interceptor instead of an anonymous handshake failure.
                ssl.trustManager(new LoggingTrustManager(cfg.clientCa(), badCert)).clientAuth(ClientAuth.OPTIONAL);
            }
            b.sslContext(ssl.build());
            tlsLog = new TlsHandshakeLog(metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "tls_handshake"),
                    "Connections or calls refused (bad input, authentication)."));
        } else if (cfg.clientCa() != null) {
            throw new IllegalArgumentException("--client-ca needs TLS (--tls-cert and --tls-key)");
        }
        Subscribers subs = cfg.subscribers();
        if (!subs.names().isEmpty() && !mtls) {
            throw new IllegalArgumentException("--subscriber-cn needs mutual TLS (--client-ca): without client certificates there is no CN to check");
        }
        if (subs.token() != null && subs.token().equals(cfg.token())) {
            throw new IllegalArgumentException("the subscribe token must differ from the publish token (--token-file): every agent has that one");
        }
        AuthInterceptor auth = new AuthInterceptor(cfg.token(), mtls, subs, metrics);
        if (auth.open()) {
            LOG.warning("the collector authenticates nobody (no --client-ca, --token-file or subscriber credential):"
                    + " anyone who can connect may publish and Collector.Subscribe to every node's events");
        }
        b.addService(ServerInterceptors.intercept(new CollectorService(committer, live, cfg.window(),
                sinks.stream().anyMatch(s -> !s.takesBytes()), metrics), auth));
        // grpc-netty reports broken connections (garbage, HTTP/1) on this logger; count them and
        // repeat them in plain words. Failed TLS handshakes are not reported there: refused client
        // certificates are logged by LoggingTrustManager, the rest by TlsHandshakeLog.
        transportLog = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getThrown() == null || r.getLevel().intValue() < Level.INFO.intValue()) {
                    return;
                }
                badTransport.increment();
                Throwable t = r.getThrown();
                while (t.getCause() != null && t.getCause() != t) {
                    t = t.getCause();
                }
                LOG.warning("refused a connection: " + t.getClass().getSimpleName() + ": " + t.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        transportLogger.setUseParentHandlers(false);
        transportLogger.addHandler(transportLog);
        committer.start();
        server = b.build().start();
        LOG.info("collector listening on " + cfg.listen().host() + ":" + port() + (cfg.tlsCert() == null ? " (plaintext, --insecure)" : mtls ? " (mutual TLS)" : " (TLS)")
                + (cfg.token() != null ? " with bearer token" : "") + "; Subscribe: " + subscribeAccess(subs, auth.open())
                + "; sinks: " + sinks.stream().map(Sink::name).toList());
    }

    private static String subscribeAccess(Subscribers s, boolean open) {
        if (open) {
            return "open";
        }
        if (s.none()) {
            return "refused (no --subscribe-token-file or --subscriber-cn)";
        }
        return (s.token() != null ? "subscribe token" : "") + (s.token() != null && !s.names().isEmpty() ? " and " : "")
                + (s.names().isEmpty() ? "" : "certificate CN in " + new java.util.TreeSet<>(s.names()));
    }

    public int port() {
        return server.getPort();
    }

    public LiveFanout live() {
        return live;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() throws Exception {
        server.shutdown();
        live.closeAll();
        if (!server.awaitTermination(3, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
        committer.close();
        for (Sink s : sinks) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.warning(s.name() + ": close failed: " + e.getMessage());
            }
        }
        transportLogger.removeHandler(transportLog);
        if (tlsLog != null) {
            tlsLog.close();
        }
    }
}
