package io.syndrop.agent;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.syndrop.metrics.Metrics;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import io.syndrop.wire.AgentWatchService;
import io.syndrop.wire.CollectorChannel;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.LiveFanout;
import io.syndrop.wire.WatchAuthInterceptor;

/**
 * A running agent: pipeline, spool, publisher to the collector and, optionally, the Agent.Watch
 * server. Events come in through {@link #pipeline()} from whatever {@link EventSource} is plugged in.
 */
public final class Agent implements AutoCloseable {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Agent.class.getName());
    public static final int DEFAULT_QUEUE_MAX = 65536;
    public static final int DEFAULT_BATCH_MAX = 1000;
    /**
     * Long enough to gather a few dozen events per batch at 10k/s (one fsync and one gRPC message
     * for each), short enough that a drop reaches the collector within milliseconds.
     */
    public static final Duration DEFAULT_BATCH_LINGER = Duration.ofMillis(2);
    public static final int DEFAULT_WINDOW = 8;
    public static final int MAX_WINDOW = 1024;
    /** The collector refuses larger batches (collector.Batches). */
    public static final int MAX_BATCH_RECORDS = 100_000;
    /**
     * Heap a queued record may take, with margin: about 250 bytes were measured (README, "Running
     * the agent on a node"). A queue bound the heap cannot hold would end in OutOfMemoryError.
     */
    static final long QUEUED_RECORD_BYTES = 512;

    /** The largest --queue-max a heap of {@code maxHeapBytes} holds. */
    public static int queueMaxFor(long maxHeapBytes) {
        return (int) Math.max(1, Math.min(1L << 22, maxHeapBytes / QUEUED_RECORD_BYTES));
    }

    /**
     * Everything `syndrop agent` configures. watchToken, when set, is what Agent.Watch callers must
     * send; without it Agent.Watch may only listen on loopback.
     */
    public record Config(String agentId, String node, CollectorChannel collector, Path spoolDir, long spoolMaxBytes,
                         boolean spoolFsync, int queueMax, int batchMax, Duration batchLinger, int window,
                         HostPort watchListen, String watchToken) {
        /** An agent whose Agent.Watch (if any) has no token. */
        public Config(String agentId, String node, CollectorChannel collector, Path spoolDir, long spoolMaxBytes,
                      boolean spoolFsync, int queueMax, int batchMax, Duration batchLinger, int window, HostPort watchListen) {
            this(agentId, node, collector, spoolDir, spoolMaxBytes, spoolFsync, queueMax, batchMax, batchLinger, window, watchListen, null);
        }

        public Config withWatchToken(String token) {
            return new Config(agentId, node, collector, spoolDir, spoolMaxBytes, spoolFsync, queueMax, batchMax, batchLinger, window,
                    watchListen, token);
        }
    }

    private final Spool spool;
    private final EventPipeline pipeline;
    private final ManagedChannel channel;
    private final Publisher publisher;
    private final KafkaPublisher kafkaPublisher;
    private final Server watchServer;
    private final LiveFanout live;

    public Agent(Config cfg, Metrics metrics) throws IOException {
        this(cfg, null, metrics);
    }

    /** An agent that publishes to Kafka instead of a collector when {@code kafka} is given (cfg.collector() is then unused). */
    public Agent(Config cfg, KafkaPublisher.Target kafka, Metrics metrics) throws IOException {
        // Checked first, so that a refused --watch-listen leaves nothing open behind it.
        String publishToken = cfg.watchListen() == null ? null : checkWatchAccess(cfg);
        spool = new Spool(cfg.spoolDir(), cfg.spoolMaxBytes(), Math.max(64 << 10, Math.min(16 << 20, cfg.spoolMaxBytes() / 8)), cfg.spoolFsync());
        live = new LiveFanout(metrics.counter("syndrop_agent_watch_dropped_total", "Live items a slow Agent.Watch viewer missed."));
        metrics.gauge("syndrop_agent_watch_viewers", "", "Agent.Watch viewers connected.", live::viewers);
        pipeline = new EventPipeline(cfg.agentId(), cfg.node(), spool, cfg.queueMax(), cfg.batchMax(), cfg.batchLinger(), metrics, live);
        if (kafka == null) {
            channel = cfg.collector().open();
            publisher = new Publisher(cfg.collector().withToken(channel), spool, cfg.window(), metrics);
            kafkaPublisher = null;
        } else {
            channel = null;
            publisher = null;
            kafkaPublisher = new KafkaPublisher(kafka, cfg.agentId(), spool, cfg.window(), metrics);
        }
        if (cfg.watchListen() != null) {
            ServerServiceDefinition watch = new AgentWatchService(live).bindService();
            if (cfg.watchToken() != null) {
                watch = ServerInterceptors.intercept(watch, new WatchAuthInterceptor(cfg.watchToken(), publishToken,
                        metrics.counter("syndrop_agent_watch_refused_total", "Agent.Watch calls refused (missing, wrong or publish-only token).")));
            }
            watchServer = NettyServerBuilder.forAddress(cfg.watchListen().socketAddress()).addService(watch).build().start();
        } else {
            watchServer = null;
        }
        pipeline.start();
        if (publisher != null) {
            publisher.start();
        } else {
            kafkaPublisher.start();
        }
        LOG.fine("agent " + cfg.agentId() + ": spool " + cfg.spoolDir() + " holds " + spool.segmentCount()
                + " segment(s) on start; queue " + cfg.queueMax() + ", batch " + cfg.batchMax() + " / " + cfg.batchLinger().toMillis()
                + " ms, window " + cfg.window());
    }

    /**
     * Agent.Watch streams every event of the node, so it follows the collector's rule for Subscribe:
     * its own credential (--watch-token-file), never the publish token; without one, loopback only.
     * Returns the publish token (null if none).
     */
    private static String checkWatchAccess(Config cfg) throws IOException {
        String publishToken = cfg.collector() == null ? null : CollectorChannel.readToken(cfg.collector().tokenFile());
        if (cfg.watchToken() == null) {
            InetAddress at = cfg.watchListen().socketAddress().getAddress();
            if (at == null || !at.isLoopbackAddress()) {
                throw new IllegalArgumentException("Agent.Watch has no credential, so --watch-listen " + cfg.watchListen()
                        + " must be a loopback address (127.0.0.1:PORT or [::1]:PORT); to serve it elsewhere give --watch-token-file");
            }
        } else if (cfg.watchToken().equals(publishToken)) {
            throw new IllegalArgumentException("the watch token (--watch-token-file) must differ from the token the agent publishes with"
                    + " (--token-file): every node has that one");
        }
        return publishToken;
    }

    public EventPipeline pipeline() {
        return pipeline;
    }

    public Spool spool() {
        return spool;
    }

    /** The gRPC publisher; null when the agent publishes to Kafka. */
    public Publisher publisher() {
        return publisher;
    }

    /** The Kafka publisher; null when the agent publishes to a collector. */
    public KafkaPublisher kafkaPublisher() {
        return kafkaPublisher;
    }

    public int watchPort() {
        return watchServer == null ? -1 : watchServer.getPort();
    }

    /** Stops taking events, spools what is queued, stops sending; the spool keeps what is unacknowledged. */
    @Override
    public void close() throws Exception {
        if (watchServer != null) {
            live.closeAll();
            watchServer.shutdownNow();
        }
        pipeline.close();
        if (publisher != null) {
            publisher.close();
            channel.shutdownNow();
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } else {
            kafkaPublisher.close();
        }
        spool.close();
    }
}
