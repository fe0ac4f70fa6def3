package io.syndrop.cli;

import io.syndrop.collector.CollectorServer;
import io.syndrop.collector.KafkaCollector;
import io.syndrop.kafka.KafkaSettings;
import io.syndrop.sink.Sink;
import io.syndrop.sink.Sinks;
import io.syndrop.metrics.Metrics;
import io.syndrop.metrics.MetricsServer;
import io.syndrop.agent.Agent;
import io.syndrop.wire.CollectorChannel;
import io.syndrop.wire.HostPort;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import io.syndrop.input.UsageException;

/** `syndrop collect`: receives agents' batches and writes them to SIEM sinks. */
@CommandLine.Command(name = "collect", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "receive events from agents and write them to JSON files or syslog/CEF",
        customSynopsis = {"syndrop collect --listen HOST:PORT --sink SPEC [--sink SPEC ...] [options]",
                "syndrop collect --kafka HOST:PORT[,...] --topic T --group G --sink SPEC [--sink SPEC ...] [options]"},
        footer = {"",
                "Sinks (--sink, repeatable):",
                "  json:FILE[?max-bytes=100M&max-age=1h]   JSON lines, fsynced, rotated",
                "  json:-                                  JSON lines on stdout",
                "  pcapng:FILE[?max-bytes=100M&max-age=1h&max-total=1G]   dropped segments as pcapng, fsynced, rotated (docs/pcap.md)",
                "  syslog+tcp://H:P                        RFC 5424 + CEF, RFC 6587 octet counting",
                "  syslog+tls://H:P[?ca=FILE&cert=FILE&key=FILE]   the same over TLS (RFC 5425)",
                "  syslog+udp://H:P                        RFC 5424 + CEF, one datagram per event",
                "  kafka://H:P[,...]/TOPIC[?format=json|ecs|cef&timeout=30s]   one Kafka record per item, keyed by node",
                "syslog sinks take ?timeout=DURATION (default 30s): a connect, write or wait for the",
                "receiver's ack without progress for that long reconnects; meanwhile all sinks and acks are held."})
public final class CollectCommand implements Command, ConfiguredCommand {
    @Option(names = "--config", paramLabel = "FILE", description = {
            "options from this YAML file (default /etc/syndrop/collector.yaml, if it exists);",
            "the command line and then SYNDROP_COLLECTOR_* variables override it"})
    Path config;

    @Override
    public Path configFile() {
        return config;
    }

    @Override
    public Path defaultConfigFile() {
        return Path.of("/etc/syndrop/collector.yaml");
    }

    @Override
    public String environmentPrefix() {
        return "SYNDROP_COLLECTOR_";
    }

    static {
        LogFormat.install();
    }

    @Option(names = "--listen", paramLabel = "HOST:PORT", converter = OptionConverters.ListenValue.class,
            description = "gRPC port for agents and subscribers; required")
    HostPort listen;

    @Option(names = "--sink", paramLabel = "SPEC", description = "where events go (see Sinks below); at least one, repeatable")
    List<String> sinkSpecs = new ArrayList<>();

    @Option(names = "--ecs", description = "JSON sinks use Elastic Common Schema field names")
    boolean ecs;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "serve TLS with this certificate (PEM; required unless --insecure)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PKCS#8 key of --tls-cert")
    Path tlsKey;

    @Option(names = "--client-ca", paramLabel = "FILE", description = "require client certificates signed by this CA (mutual TLS)")
    Path clientCa;

    @Option(names = "--token-file", paramLabel = "FILE", description = "require this bearer token to publish (Collector.Publish)")
    Path tokenFile;

    @Option(names = "--subscribe-token-file", paramLabel = "FILE",
            description = "Collector.Subscribe requires this (other) bearer token")
    Path subscribeTokenFile;

    @Option(names = "--subscriber-cn", paramLabel = "NAME", description = {
            "Collector.Subscribe requires a client certificate with this",
            "subject CN (repeatable; needs --client-ca). Such a certificate",
            "may not publish. Without either option Subscribe is refused,",
            "unless the collector authenticates nobody at all"})
    List<String> subscriberCns = new ArrayList<>();

    @Option(names = "--insecure", description = "accept plaintext (agents must use --insecure too)")
    boolean insecure;

    @Option(names = "--dedupe-dir", paramLabel = "DIR", description = {
            "persist dedupe state and sink checkpoints (exactly once into",
            "JSON files across collector restarts)"})
    Path dedupeDir;

    @Option(names = "--max-message-bytes", paramLabel = "N", converter = OptionConverters.SizeValue.class, defaultValue = "4M",
            description = "largest gRPC message accepted, 1K-1G (default ${DEFAULT-VALUE})")
    long maxMessageBytes;

    @Option(names = "--window", paramLabel = "N",
            description = "batches in flight per agent before back-pressure, 1-" + Agent.MAX_WINDOW + " (default 8)")
    long window = 8;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = OptionConverters.ListenValue.class,
            description = "serve Prometheus metrics at http://HOST:PORT/metrics")
    HostPort metricsListen;

    @picocli.CommandLine.Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--group", paramLabel = "G", description = {
            "with --kafka: the consumer group; collectors in one group share the",
            "partitions, offsets are committed after every sink took the records"})
    String group;

    @Override
    public void validate() {
        if (sinkSpecs.isEmpty()) {
            throw new UsageException("at least one --sink is required");
        }
        if (kafka.given()) {
            validateKafka();
            return;
        }
        if (listen == null) {
            throw new UsageException("--listen HOST:PORT (or --kafka HOST:PORT --topic T --group G) is required");
        }
        if (group != null || kafka.topic != null) {
            throw new UsageException("--group and --topic need --kafka HOST:PORT");
        }
        if (tlsCert == null && !insecure) {
            throw new UsageException("the collector refuses plaintext: give --tls-cert and --tls-key, or --insecure");
        }
        if (insecure && tlsCert != null) {
            throw new UsageException("--insecure and --tls-cert exclude each other");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if (clientCa != null && tlsCert == null) {
            throw new UsageException("--client-ca needs TLS (--tls-cert and --tls-key)");
        }
        if (!subscriberCns.isEmpty() && clientCa == null) {
            throw new UsageException("--subscriber-cn needs mutual TLS (--client-ca): without client certificates there is no CN to check");
        }
        for (String cn : subscriberCns) {
            if (cn.isBlank()) {
                throw new UsageException("--subscriber-cn expects a certificate subject CN, got an empty one");
            }
        }
        OptionRanges.size("--max-message-bytes", maxMessageBytes, 1 << 10, 1 << 30);
        OptionRanges.count("--window", window, 1, Agent.MAX_WINDOW);
    }

    private void validateKafka() {
        if (listen != null) {
            throw new UsageException("--listen and --kafka exclude each other: the collector takes agents' batches from one of them");
        }
        if (tlsCert != null || tlsKey != null || clientCa != null || tokenFile != null || subscribeTokenFile != null || !subscriberCns.isEmpty()
                || insecure) {
            throw new UsageException("--tls-*, --client-ca, --token-file, --subscribe-*, --subscriber-cn and --insecure are for the gRPC"
                    + " collector (--listen); with --kafka use the --kafka-* options");
        }
        if (group == null) {
            throw new UsageException("--kafka needs --group G (collectors in one group share the topic's partitions)");
        }
        kafka.topic();
    }

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        if (kafka.given()) {
            return runKafka(out, err);
        }
        CollectorServer.Subscribers subscribers = new CollectorServer.Subscribers(
                CollectorChannel.readToken(subscribeTokenFile), Set.copyOf(subscriberCns));
        List<Sink> sinks = new ArrayList<>();
        for (String spec : sinkSpecs) {
            sinks.add(Sinks.open(spec, ecs, out, kafka.anySecurity() ? kafka.settings("sink-sets-the-servers:1") : null));
        }
        CollectorServer.Config cfg = new CollectorServer.Config(listen, insecure, tlsCert, tlsKey, clientCa,
                CollectorChannel.readToken(tokenFile), (int) maxMessageBytes, dedupeDir, (int) window)
                .withSubscribers(subscribers);
        Metrics metrics = new Metrics();
        MetricsServer ms = metricsListen == null ? null : new MetricsServer(metricsListen.socketAddress(), metrics);
        CollectorServer server = new CollectorServer(cfg, sinks, metrics);
        if (ms != null) {
            ms.markReady(); // /readyz: the gRPC port accepts agents
        }
        err.println("syndrop collect: listening on port " + server.port() + (ms != null ? ", metrics on port " + ms.port() : ""));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (ms != null) {
                ms.markNotReady();
            }
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
    private int runKafka(PrintStream out, PrintStream err) throws Exception {
        KafkaSettings settings = kafka.settings(kafka.bootstrap);
        KafkaCollector.Config cfg;
        try {
            cfg = new KafkaCollector.Config(settings, kafka.topic(), group, dedupeDir);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<Sink> sinks = new ArrayList<>();
        for (String spec : sinkSpecs) {
            sinks.add(Sinks.open(spec, ecs, out, settings));
        }
        Metrics metrics = new Metrics();
        MetricsServer ms = metricsListen == null ? null : new MetricsServer(metricsListen.socketAddress(), metrics);
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
