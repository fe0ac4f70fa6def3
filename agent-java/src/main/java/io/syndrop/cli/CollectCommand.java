package io.syndrop.cli;

import io.syndrop.collector.CollectorServer;
import io.syndrop.collector.KafkaCollector;
import io.syndrop.sink.Sink;
import io.syndrop.sink.Sinks;
import io.syndrop.metrics.Metrics;
import io.syndrop.metrics.MetricsServer;
import io.syndrop.agent.Agent;
import io.syndrop.wire.CollectorChannel;
import io.syndrop.wire.HostPort;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import io.syndrop.input.UsageException;

/** `syndrop collect`: receives agents' batches and writes them to SIEM sinks. */
public final class CollectCommand implements Command {
    /** Options that take a value; the deployment tests check deploy/ against these too. */
    static final Set<String> WITH_VALUE = KafkaOptions.with(Set.of("group", "listen", "sink", "tls-cert", "tls-key", "client-ca", "token-file", "metrics", "max-message-bytes", "dedupe-dir", "window",
            "subscribe-token-file", "subscriber-cn"));
    static final Set<String> FLAGS = Set.of("ecs", "insecure");

    static {
        LogFormat.install();
    }

    @Override
    public String name() {
        return "collect";
    }

    @Override
    public String summary() {
        return "receive events from agents and write them to JSON files or syslog/CEF";
    }

    @Override
    public String usage() {
        return """
                usage: syndrop collect --listen HOST:PORT --sink SPEC [--sink SPEC ...] [options]
                       syndrop collect --kafka HOST:PORT[,...] --topic T --group G --sink SPEC ... [options]
                  --listen HOST:PORT       gRPC port for agents and subscribers
                  --kafka HOST:PORT[,...]  Kafka bootstrap servers instead of --listen (docs/kafka.md)
                  --topic T                the Kafka topic
                  --kafka-security-protocol P   PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL
                  --kafka-ca FILE          CA certificates (PEM) to verify the brokers
                  --kafka-cert FILE --kafka-key FILE   client certificate chain and unencrypted PKCS#8 key (PEM)
                  --kafka-sasl-mechanism M PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, ...
                  --kafka-sasl-jaas-file FILE   the sasl.jaas.config value (credentials stay off the command line)
                  --kafka-config FILE      more Kafka client properties (Java properties file)
                  --group G                Kafka consumer group: collectors in one group share the partitions;
                                           offsets are committed after every sink took the records
                  --sink kafka://H:P[,...]/TOPIC[?format=json|ecs|cef&timeout=DURATION]   one record per item,
                                           keyed by node (the --kafka-* security options apply)
                  --sink json:FILE[?max-bytes=100M&max-age=1h]   JSON lines, fsynced, rotated
                  --sink json:-            JSON lines on stdout
                  --sink syslog+tcp://H:P  RFC 5424 + CEF, RFC 6587 octet counting
                  --sink syslog+tls://H:P[?ca=FILE&cert=FILE&key=FILE]   the same over TLS (RFC 5425)
                  --sink syslog+udp://H:P  RFC 5424 + CEF, one datagram per event
                                           syslog sinks take ?timeout=DURATION (default 30s): a connect,
                                           write or wait for the receiver's ack without progress for
                                           that long reconnects; meanwhile all sinks and acks are held
                  --ecs                    JSON sinks use Elastic Common Schema field names
                  --tls-cert FILE --tls-key FILE   serve TLS (required unless --insecure)
                  --client-ca FILE         require client certificates signed by this CA (mutual TLS)
                  --token-file FILE        require this bearer token to publish (Collector.Publish)
                  --subscribe-token-file FILE   Collector.Subscribe requires this (other) bearer token
                  --subscriber-cn NAME     Collector.Subscribe requires a client certificate with this
                                           subject CN (repeatable; needs --client-ca). Such a certificate
                                           may not publish. Without either option Subscribe is refused,
                                           unless the collector authenticates nobody at all
                  --insecure               accept plaintext (agents must use --insecure too)
                  --dedupe-dir DIR         persist dedupe state and sink checkpoints (exactly once into
                                           JSON files across collector restarts)
                  --max-message-bytes N    largest gRPC message accepted, 1K-1G (default 4M)
                  --window N               batches in flight per agent before back-pressure, 1-1024 (default 8)
                  --metrics HOST:PORT      serve Prometheus metrics at http://HOST:PORT/metrics""";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(argv, WITH_VALUE, FLAGS);
        if (!a.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + a.positional().get(0) + "'");
        }
        String listen = a.get("listen", null);
        if (a.all("sink").isEmpty()) {
            throw new UsageException("at least one --sink is required");
        }
        if (a.get("kafka", null) != null) {
            if (listen != null) {
                throw new UsageException("--listen and --kafka exclude each other: the collector takes agents' batches from one of them");
            }
            return runKafka(a, out, err);
        }
        if (listen == null) {
            throw new UsageException("--listen HOST:PORT (or --kafka HOST:PORT --topic T --group G) is required");
        }
        if (a.get("group", null) != null || a.get("topic", null) != null) {
            throw new UsageException("--group and --topic need --kafka HOST:PORT");
        }
        boolean insecure = a.flag("insecure");
        Path cert = AgentCommand.path(a, "tls-cert");
        if (cert == null && !insecure) {
            throw new UsageException("the collector refuses plaintext: give --tls-cert and --tls-key, or --insecure");
        }
        if (insecure && cert != null) {
            throw new UsageException("--insecure and --tls-cert exclude each other");
        }
        if ((cert == null) != (a.get("tls-key", null) == null)) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if (a.get("client-ca", null) != null && cert == null) {
            throw new UsageException("--client-ca needs TLS (--tls-cert and --tls-key)");
        }
        if (!a.all("subscriber-cn").isEmpty() && a.get("client-ca", null) == null) {
            throw new UsageException("--subscriber-cn needs mutual TLS (--client-ca): without client certificates there is no CN to check");
        }
        for (String cn : a.all("subscriber-cn")) {
            if (cn.isBlank()) {
                throw new UsageException("--subscriber-cn expects a certificate subject CN, got an empty one");
            }
        }
        CollectorServer.Subscribers subscribers = new CollectorServer.Subscribers(
                CollectorChannel.readToken(AgentCommand.path(a, "subscribe-token-file")), Set.copyOf(a.all("subscriber-cn")));
        List<Sink> sinks = new ArrayList<>();
        for (String spec : a.all("sink")) {
            sinks.add(Sinks.open(spec, a.flag("ecs"), out, KafkaOptions.anySecurity(a) ? KafkaOptions.settings(a, "security-only:1") : null));
        }
        CollectorServer.Config cfg = new CollectorServer.Config(HostPort.parseListen("--listen", listen), insecure, cert,
                AgentCommand.path(a, "tls-key"), AgentCommand.path(a, "client-ca"),
                CollectorChannel.readToken(AgentCommand.path(a, "token-file")),
                (int) a.getSize("max-message-bytes", 4 << 20, 1 << 10, 1 << 30), AgentCommand.path(a, "dedupe-dir"),
                a.getInt("window", 8, 1, Agent.MAX_WINDOW)).withSubscribers(subscribers);
        Metrics metrics = new Metrics();
        MetricsServer ms = a.get("metrics", null) == null ? null
                : new MetricsServer(HostPort.parseListen("--metrics", a.get("metrics", null)).socketAddress(), metrics);
        CollectorServer server = new CollectorServer(cfg, sinks, metrics);
        err.println("syndrop collect: listening on port " + server.port() + (ms != null ? ", metrics on port " + ms.port() : ""));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception ignored) {
                // exiting
            }
            if (ms != null) {
                ms.close();
            }
            done.countDown();
        }, "syndrop-collect-shutdown"));
        done.await();
        return 0;
    }

    /** `collect --kafka`: a consumer-group member instead of a gRPC server. */
    private int runKafka(Args a, PrintStream out, PrintStream err) throws Exception {
        for (String grpcOnly : List.of("tls-cert", "tls-key", "client-ca", "token-file", "subscribe-token-file", "subscriber-cn", "max-message-bytes", "window")) {
            if (a.get(grpcOnly, null) != null) {
                throw new UsageException("--" + grpcOnly + " is for the gRPC collector (--listen); with --kafka use the --kafka-* options");
            }
        }
        if (a.flag("insecure")) {
            throw new UsageException("--insecure is for the gRPC collector (--listen); Kafka's transport is --kafka-security-protocol");
        }
        String group = a.get("group", null);
        if (group == null) {
            throw new UsageException("--kafka needs --group G (collectors in one group share the topic's partitions)");
        }
        io.syndrop.kafka.KafkaSettings settings = KafkaOptions.settings(a, a.get("kafka", null));
        KafkaCollector.Config cfg;
        try {
            cfg = new KafkaCollector.Config(settings, KafkaOptions.topic(a), group, AgentCommand.path(a, "dedupe-dir"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<Sink> sinks = new ArrayList<>();
        for (String spec : a.all("sink")) {
            sinks.add(Sinks.open(spec, a.flag("ecs"), out, settings));
        }
        Metrics metrics = new Metrics();
        MetricsServer ms = a.get("metrics", null) == null ? null
                : new MetricsServer(HostPort.parseListen("--metrics", a.get("metrics", null)).socketAddress(), metrics);
        KafkaCollector collector = new KafkaCollector(cfg, sinks, metrics);
        err.println("syndrop collect: consuming " + cfg.topic() + " from " + settings.bootstrap() + " as group " + group
                + (ms != null ? ", metrics on port " + ms.port() : ""));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                collector.close();
            } catch (Exception ignored) {
                // exiting
            }
            if (ms != null) {
                ms.close();
            }
            done.countDown();
        }, "syndrop-collect-shutdown"));
        done.await();
        return 0;
    }
}
