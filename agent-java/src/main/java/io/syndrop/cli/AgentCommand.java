package io.syndrop.cli;

import io.syndrop.agent.KafkaPublisher;
import io.syndrop.metrics.Metrics;
import io.syndrop.metrics.MetricsServer;
import io.syndrop.agent.Agent;
import io.syndrop.wire.CollectorChannel;
import io.syndrop.agent.EventSource;
import io.syndrop.os.NetnsTarget;
import io.syndrop.os.NodeIdentity;
import io.syndrop.probe.AgentCapabilities;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.ProbeException;
import io.syndrop.wire.HostPort;
import io.syndrop.agent.KernelEventSource;
import io.syndrop.agent.ReplaySource;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import io.syndrop.input.UsageException;

/** `syndrop agent`: the long-running agent that streams events to a collector. */
public final class AgentCommand implements Command {
    /** Options that take a value; the deployment tests check deploy/ against these too. */
    static final Set<String> WITH_VALUE = KafkaOptions.with(Set.of("collector", "ca", "cert", "key", "token-file", "agent-id", "spool-dir", "spool-max-bytes", "queue-max",
            "batch-max", "batch-linger", "window", "metrics", "watch-listen", "replay", "replay-rate", "node", "watch-token-file",
            "backend", "port", "src", "netns", "reason", "ringbuf-bytes", "counters-interval", "duration"));
    static final Set<String> FLAGS = Set.of("insecure", "no-spool-fsync", "exit-when-done", "print", "json", "verbose", "libbpf-debug");

    static {
        LogFormat.install();
    }

    @Override
    public String name() {
        return "agent";
    }

    @Override
    public String summary() {
        return "stream drop events to a collector (spooled, acknowledged, never blocking the kernel)";
    }

    @Override
    public String usage() {
        return """
                usage: syndrop agent --collector HOST:PORT [options]
                       syndrop agent --kafka HOST:PORT[,...] --topic T [options]
                  --collector HOST:PORT   collector to publish to (TLS unless --insecure)
                  --kafka HOST:PORT[,...]  Kafka bootstrap servers instead of --collector: one record per
                                           batch, keyed by agent id (docs/kafka.md)
                  --topic T                the Kafka topic
                  --kafka-security-protocol P   PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL
                  --kafka-ca FILE          CA certificates (PEM) to verify the brokers
                  --kafka-cert FILE --kafka-key FILE   client certificate chain and unencrypted PKCS#8 key (PEM)
                  --kafka-sasl-mechanism M PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, ...
                  --kafka-sasl-jaas-file FILE   the sasl.jaas.config value (credentials stay off the command line)
                  --kafka-config FILE      more Kafka client properties (Java properties file)
                  --insecure              send in plaintext (the collector must run with --insecure too)
                  --ca FILE               CA bundle (PEM) to verify the collector (default: system trust)
                  --cert FILE --key FILE  client certificate and PKCS#8 key for mutual TLS
                  --token-file FILE       bearer token sent with every call
                  --agent-id ID           default: the host name
                  --spool-dir DIR         unacknowledged batches (default /var/lib/syndrop/spool)
                  --spool-max-bytes N     spool bound, 1M-16T; beyond it events are dropped and reported (default 256M)
                  --no-spool-fsync        do not fsync spool appends (survives process crashes, not power loss)
                  --queue-max N           in-memory queue bound in records (default 65536); at most one
                                          per 512 bytes of heap (131072 with -Xmx64m)
                  --batch-max N           records per batch, 1-100000 (default 1000)
                  --batch-linger DUR      wait at most this for a batch to fill, 0-10s (default 2ms)
                  --window N              batches in flight before an acknowledgement, 1-1024 (default 8)
                  --metrics HOST:PORT     serve Prometheus metrics at http://HOST:PORT/metrics
                  --watch-listen HOST:PORT serve Agent.Watch (plaintext gRPC); loopback only unless
                                          --watch-token-file is given
                  --watch-token-file FILE Agent.Watch requires this bearer token (not the --token-file one)
                  --backend B             kernel source: auto (default), fentry, kprobe, tracepoint, counters
                  --port, --src, --netns, --reason   filters, as for `syndrop watch`
                  --ringbuf-bytes N       kernel ring buffer size, a power of two (default 4194304)
                  --counters-interval D   how often to send counter samples, 100ms-1d (default 10s)
                  --duration D            stop after D (default: until SIGTERM)
                  --print                 also print each event, as `syndrop watch` does (--json: as JSON)
                  --verbose               debug logs (FINE) of syndrop on stderr
                  --libbpf-debug          print libbpf's debug log (verifier output) to stderr
                  --replay FILE           event source: a recorded stream (length-delimited DropEvent)
                                          instead of the kernel
                  --replay-rate N         events per second for --replay (default 0 = as fast as possible)
                  --exit-when-done        with --replay: exit once everything was acknowledged""";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(argv, WITH_VALUE, FLAGS);
        if (a.flag("verbose")) {
            LogFormat.verbose();
        }
        if (!a.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + a.positional().get(0) + "'");
        }
        String target = a.get("collector", null);
        String kafkaBootstrap = a.get("kafka", null);
        if (target == null && kafkaBootstrap == null) {
            throw new UsageException("--collector HOST:PORT (or --kafka HOST:PORT --topic T) is required");
        }
        if (target != null && kafkaBootstrap != null) {
            throw new UsageException("--collector and --kafka exclude each other: the agent publishes to one of them");
        }
        KafkaPublisher.Target kafka = null;
        if (kafkaBootstrap != null) {
            try {
                kafka = new KafkaPublisher.Target(KafkaOptions.settings(a, kafkaBootstrap), KafkaOptions.topic(a));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        } else if (KafkaOptions.anySecurity(a) || a.get("topic", null) != null) {
            throw new UsageException("--topic and --kafka-* options need --kafka HOST:PORT");
        }
        boolean insecure = a.flag("insecure");
        if (insecure && (a.get("ca", null) != null || a.get("cert", null) != null)) {
            throw new UsageException("--insecure cannot be combined with --ca/--cert (plaintext has no certificates)");
        }
        Duration duration = a.getDuration("duration", null);
        // The kernel's host name, as `uname -n` prints it: a lookup of it fails wherever /etc/hosts lacks it.
        String host = NodeIdentity.nodeName();
        CollectorChannel ch = target == null ? null : new CollectorChannel(HostPort.parse("--collector", target), insecure,
                path(a, "ca"), path(a, "cert"), path(a, "key"), path(a, "token-file"));
        Agent.Config cfg = new Agent.Config(a.get("agent-id", host), a.get("node", host), ch,
                Path.of(a.get("spool-dir", "/var/lib/syndrop/spool")),
                a.getSize("spool-max-bytes", 256L << 20, 1L << 20, 16L << 40), !a.flag("no-spool-fsync"),
                a.getInt("queue-max", Agent.DEFAULT_QUEUE_MAX, 1, Agent.queueMaxFor(Runtime.getRuntime().maxMemory())),
                a.getInt("batch-max", Agent.DEFAULT_BATCH_MAX, 1, Agent.MAX_BATCH_RECORDS),
                a.getDuration("batch-linger", Agent.DEFAULT_BATCH_LINGER, Duration.ZERO, Duration.ofSeconds(10)),
                a.getInt("window", Agent.DEFAULT_WINDOW, 1, Agent.MAX_WINDOW),
                a.get("watch-listen", null) == null ? null : HostPort.parseListen("--watch-listen", a.get("watch-listen", null)));
        cfg = cfg.withWatchToken(CollectorChannel.readToken(path(a, "watch-token-file")));
        if (cfg.watchToken() != null && cfg.watchListen() == null) {
            throw new UsageException("--watch-token-file needs --watch-listen");
        }
        EventSource source = openSource(a, out, err);
        Metrics metrics = new Metrics();
        MetricsServer ms = a.get("metrics", null) == null ? null
                : new MetricsServer(HostPort.parseListen("--metrics", a.get("metrics", null)).socketAddress(), metrics);
        Agent agent = new Agent(cfg, kafka, metrics);
        err.println("syndrop agent: id " + cfg.agentId() + " boot " + agent.pipeline().boot() + " -> "
                + (ch != null ? ch.target() + (insecure ? " (plaintext)" : " (TLS)") : agent.kafkaPublisher().describe()) + ", spool " + cfg.spoolDir()
                + (agent.watchPort() > 0 ? ", watch on port " + agent.watchPort() : "")
                + (ms != null ? ", metrics on port " + ms.port() : ""));
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            shutdown(source, agent, ms);
        }, "syndrop-agent-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        source.start(agent.pipeline());
        if (a.flag("exit-when-done")) {
            while (!(source.finished() && agent.pipeline().idle() && agent.spool().segmentCount() == 0)) {
                if (stop.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return 0;
                }
            }
            err.println("syndrop agent: replay finished and acknowledged (" + metrics.value(kafka == null ? "syndrop_agent_acknowledged_total" : "syndrop_agent_kafka_acknowledged_total") + " records)");
            Runtime.getRuntime().removeShutdownHook(hook);
            shutdown(source, agent, ms);
            return 0;
        }
        if (duration == null) {
            stop.await();
        } else if (!stop.await(duration.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            Runtime.getRuntime().removeShutdownHook(hook);
            shutdown(source, agent, ms);
        }
        return 0;
    }

    /** The event source. The kernel source is wired in here by the probe package; today only --replay exists. */
    private static EventSource openSource(Args a, PrintStream out, PrintStream err) {
        String replay = a.get("replay", null);
        if (replay != null) {
            double rate;
            try {
                rate = Double.parseDouble(a.get("replay-rate", "0"));
            } catch (NumberFormatException e) {
                rate = Double.NaN;
            }
            if (!(rate >= 0 && rate <= 1e9)) {
                throw new UsageException("--replay-rate expects events per second from 0 to 1000000000, got '"
                        + a.get("replay-rate", "") + "'");
            }
            return new ReplaySource(Path.of(replay), rate);
        }
        AttachMode forced;
        try {
            forced = a.get("backend", "auto").equals("auto") ? null : AttachMode.parse(a.get("backend", "auto"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--backend: " + e.getMessage());
        }
        List<NetnsTarget> targets;
        try {
            targets = CounterFeed.targets(a.all("netns"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--netns: " + e.getMessage());
        }
        if (forced != AttachMode.COUNTERS) {
            // Reading another process's namespace (--netns pid:N or an inode) is what needs CAP_SYS_PTRACE here.
            try {
                AgentCapabilities.require("agent", WatchCommand.readsOtherProcesses(a.all("netns")));
            } catch (ProbeException e) {
                throw new IllegalStateException("cannot attach: " + e.summary(), e);
            }
        }
        EventPrinter printer = null;
        if (a.flag("print")) {
            printer = new EventPrinter(a.flag("json"), out, err);
            printer.printHeader();
        }
        return new KernelEventSource(forced, FilterOptions.parse(a), WatchCommand.ringbufBytes(a), targets,
                a.getDuration("counters-interval", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofDays(1)), printer, err,
                a.flag("libbpf-debug"));
    }

    private static void shutdown(EventSource source, Agent agent, MetricsServer ms) {
        try {
            source.close();
        } catch (Exception ignored) {
            // best effort on the way out
        }
        try {
            agent.close();
        } catch (Exception ignored) {
            // the spool keeps what was not acknowledged
        }
        if (ms != null) {
            ms.close();
        }
    }

    static Path path(Args a, String name) {
        String v = a.get(name, null);
        return v == null ? null : Path.of(v);
    }
}
