package io.syndrop.cli;

import io.syndrop.agent.KafkaPublisher;
import io.syndrop.metrics.Metrics;
import io.syndrop.metrics.MetricsServer;
import io.syndrop.agent.Agent;
import io.syndrop.wire.CollectorChannel;
import io.syndrop.agent.EventSource;
import io.syndrop.os.NetnsTarget;
import io.syndrop.os.NodeIdentity;
import io.syndrop.pcap.PcapRecorder;
import io.syndrop.probe.AgentCapabilities;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.ProbeException;
import io.syndrop.wire.HostPort;
import io.syndrop.agent.KernelEventSource;
import io.syndrop.agent.ReplaySource;
import io.syndrop.filter.EventFilter;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import io.syndrop.input.UsageException;

/** `syndrop agent`: the long-running agent that streams events to a collector. */
@CommandLine.Command(name = "agent", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "stream drop events to a collector (spooled, acknowledged, never blocking the kernel)",
        customSynopsis = {"syndrop agent --collector HOST:PORT [options]", "syndrop agent --kafka HOST:PORT[,...] --topic T [options]"})
public final class AgentCommand implements Command, ConfiguredCommand {
    @Option(names = "--config", paramLabel = "FILE", description = {
            "options from this YAML file (default /etc/syndrop/agent.yaml, if it exists);",
            "the command line and then SYNDROP_AGENT_* variables override it"})
    Path config;

    @Override
    public Path configFile() {
        return config;
    }

    @Override
    public Path defaultConfigFile() {
        return Path.of("/etc/syndrop/agent.yaml");
    }

    @Override
    public String environmentPrefix() {
        return "SYNDROP_AGENT_";
    }

    static {
        LogFormat.install();
    }

    @Option(names = "--collector", paramLabel = "HOST:PORT", converter = OptionConverters.HostPortValue.class,
            description = "collector to publish to (TLS unless --insecure); required")
    HostPort collector;

    @Option(names = "--insecure", description = "send in plaintext (the collector must run with --insecure too)")
    boolean insecure;

    @Option(names = "--ca", paramLabel = "FILE", description = "CA bundle (PEM) to verify the collector (default: system trust)")
    Path ca;

    @Option(names = "--cert", paramLabel = "FILE", description = "client certificate (PEM) for mutual TLS, with --key")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PKCS#8 key of --cert")
    Path key;

    @Option(names = "--token-file", paramLabel = "FILE", description = "bearer token sent with every call")
    Path tokenFile;

    @Option(names = "--agent-id", paramLabel = "ID", description = "default: the host name")
    String agentId;

    @Option(names = "--node", paramLabel = "NAME", description = "node name in events (default: the host name)")
    String node;

    @Option(names = "--spool-dir", paramLabel = "DIR", defaultValue = "/var/lib/syndrop/spool",
            description = "unacknowledged batches (default ${DEFAULT-VALUE})")
    Path spoolDir;

    @Option(names = "--spool-max-bytes", paramLabel = "N", converter = OptionConverters.SizeValue.class, defaultValue = "256M",
            description = "spool bound, 1M-16T; beyond it events are dropped and reported (default ${DEFAULT-VALUE})")
    long spoolMaxBytes;

    @Option(names = "--no-spool-fsync", description = "do not fsync spool appends (survives process crashes, not power loss)")
    boolean noSpoolFsync;

    @Option(names = "--queue-max", paramLabel = "N", description = {
            "in-memory queue bound in records (default " + Agent.DEFAULT_QUEUE_MAX + "); at most one",
            "per 512 bytes of heap (131072 with -Xmx64m)"})
    long queueMax = Agent.DEFAULT_QUEUE_MAX;

    @Option(names = "--batch-max", paramLabel = "N",
            description = "records per batch, 1-" + Agent.MAX_BATCH_RECORDS + " (default " + Agent.DEFAULT_BATCH_MAX + ")")
    long batchMax = Agent.DEFAULT_BATCH_MAX;

    @Option(names = "--batch-linger", paramLabel = "DUR", converter = OptionConverters.DurationValue.class,
            description = "wait at most this for a batch to fill, 0-10s (default 2ms)")
    Duration batchLinger = Agent.DEFAULT_BATCH_LINGER;

    @Option(names = "--window", paramLabel = "N",
            description = "batches in flight before an acknowledgement, 1-" + Agent.MAX_WINDOW + " (default " + Agent.DEFAULT_WINDOW + ")")
    long window = Agent.DEFAULT_WINDOW;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = OptionConverters.ListenValue.class,
            description = "serve Prometheus metrics at http://HOST:PORT/metrics")
    HostPort metricsListen;

    @Option(names = "--watch-listen", paramLabel = "HOST:PORT", converter = OptionConverters.ListenValue.class,
            description = {"serve Agent.Watch (plaintext gRPC); loopback only unless", "--watch-token-file is given"})
    HostPort watchListen;

    @Option(names = "--watch-token-file", paramLabel = "FILE",
            description = "Agent.Watch requires this bearer token (not the --token-file one)")
    Path watchTokenFile;

    @Option(names = "--backend", paramLabel = "B", defaultValue = "auto",
            description = "kernel source: auto (default), fentry, kprobe, tracepoint, counters")
    String backend;

    @Mixin
    PcapOptions pcap = new PcapOptions();

    @Mixin
    FilterOptions filters = new FilterOptions();

    @Mixin
    ContainerRuntimeOptions runtimes = new ContainerRuntimeOptions();

    @Mixin
    KafkaOptions kafkaOptions = new KafkaOptions();

    @Mixin
    StormOptions stormOptions = new StormOptions();

    private KafkaPublisher.Target kafka;
    private io.syndrop.probe.StormSettings storm;

    @Option(names = "--ringbuf-bytes", paramLabel = "N", converter = OptionConverters.SizeValue.class,
            description = "kernel ring buffer size, a power of two from 4K to 1G (default 4194304)")
    Long ringbufBytes;

    @Option(names = "--counters-interval", paramLabel = "D", converter = OptionConverters.DurationValue.class,
            description = "how often to send counter samples, 100ms-1d (default 10s)")
    Duration countersInterval = Duration.ofSeconds(10);

    @Option(names = "--duration", paramLabel = "D", converter = OptionConverters.DurationValue.class,
            description = "stop after D (default: until SIGTERM)")
    Duration duration;

    @Option(names = "--print", description = "also print each event, as `syndrop watch` does (--json: as JSON)")
    boolean print;

    @Option(names = "--json", description = "with --print: one JSON object per event")
    boolean json;

    @Option(names = "--verbose", description = "debug logs (FINE) of syndrop on stderr")
    boolean verbose;

    @Option(names = "--libbpf-debug", description = "print libbpf's debug log (verifier output) to stderr")
    boolean libbpfDebug;

    @Option(names = "--replay", paramLabel = "FILE",
            description = {"event source: a recorded stream (length-delimited DropEvent)", "instead of the kernel"})
    Path replay;

    @Option(names = "--replay-rate", paramLabel = "N",
            description = "events per second for --replay, 0-1000000000 (default 0 = as fast as possible)")
    double replayRate;

    @Option(names = "--exit-when-done", description = "with --replay: exit once everything was acknowledged")
    boolean exitWhenDone;

    private AttachMode forced;
    private EventFilter filter;
    private int ring;

    @Override
    public void validate() {
        if (collector == null && !kafkaOptions.given()) {
            throw new UsageException("--collector HOST:PORT (or --kafka HOST:PORT --topic T) is required");
        }
        if (collector != null && kafkaOptions.given()) {
            throw new UsageException("--collector and --kafka exclude each other: the agent publishes to one of them");
        }
        if (kafkaOptions.given()) {
            try {
                kafka = new KafkaPublisher.Target(kafkaOptions.settings(kafkaOptions.bootstrap), kafkaOptions.topic());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        } else if (kafkaOptions.anyOther()) {
            throw new UsageException("--topic and --kafka-* options need --kafka HOST:PORT");
        }
        runtimes.sockets(); // a blank socket path is refused before anything starts
        if (insecure && (ca != null || cert != null)) {
            throw new UsageException("--insecure cannot be combined with --ca/--cert (plaintext has no certificates)");
        }
        duration = OptionRanges.positive("--duration", duration);
        OptionRanges.size("--spool-max-bytes", spoolMaxBytes, 1L << 20, 16L << 40);
        OptionRanges.count("--queue-max", queueMax, 1, Agent.queueMaxFor(Runtime.getRuntime().maxMemory()));
        OptionRanges.count("--batch-max", batchMax, 1, Agent.MAX_BATCH_RECORDS);
        OptionRanges.duration("--batch-linger", batchLinger, Duration.ZERO, Duration.ofSeconds(10));
        OptionRanges.count("--window", window, 1, Agent.MAX_WINDOW);
        OptionRanges.duration("--counters-interval", countersInterval, Duration.ofMillis(100), Duration.ofDays(1));
        storm = stormOptions.settings();
        if (!(replayRate >= 0 && replayRate <= 1e9)) {
            throw new UsageException("--replay-rate expects events per second from 0 to 1000000000, got '" + replayRate + "'");
        }
        if (watchTokenFile != null && watchListen == null) {
            throw new UsageException("--watch-token-file needs --watch-listen");
        }
        forced = WatchCommand.backend(backend);
        ring = WatchCommand.ringbufBytes(ringbufBytes);
        filter = filters.filter();
        pcap.validate();
    }

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        if (verbose) {
            LogFormat.verbose();
        }
        // The kernel's host name, as `uname -n` prints it: a lookup of it fails wherever /etc/hosts lacks it.
        String host = NodeIdentity.nodeName();
        CollectorChannel ch = collector == null ? null : new CollectorChannel(collector, insecure, ca, cert, key, tokenFile);
        Agent.Config cfg = new Agent.Config(agentId != null ? agentId : host, node != null ? node : host, ch,
                spoolDir, spoolMaxBytes, !noSpoolFsync, (int) queueMax, (int) batchMax, batchLinger, (int) window,
                watchListen);
        cfg = cfg.withWatchToken(CollectorChannel.readToken(watchTokenFile));
        EventSource source = openSource(out, err);
        Metrics metrics = new Metrics();
        MetricsServer ms = metricsListen == null ? null : new MetricsServer(metricsListen.socketAddress(), metrics);
        Agent agent = new Agent(cfg, kafka, metrics);
        PcapRecorder recorder = pcap.open(new PcapRecorder.Counts(
                metrics.counter("syndrop_agent_pcap_packets_total", "Dropped segments queued and written to the --pcap file."),
                metrics.counter("syndrop_agent_pcap_without_headers_total",
                        "Events not written to the --pcap file: the attach mode captured no headers for them."),
                metrics.counter("syndrop_agent_pcap_lost_total", "Events lost for the --pcap file (its queue full: the disk too slow; or a failed write).")));
        if (recorder != null) {
            // After the spool: the packets' comments carry the sequence numbers the collector sees.
            agent.pipeline().tapSpooled(recorder::offer);
        }
        err.println("syndrop agent: id " + cfg.agentId() + " boot " + agent.pipeline().boot() + " -> "
                + (ch != null ? ch.target() + (insecure ? " (plaintext)" : " (TLS)") : agent.kafkaPublisher().describe()) + ", spool " + cfg.spoolDir()
                + (agent.watchPort() > 0 ? ", watch on port " + agent.watchPort() : "")
                + (ms != null ? ", metrics on port " + ms.port() : ""));
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            shutdown(source, agent, ms, recorder, err);
        }, "syndrop-agent-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        source.start(agent.pipeline());
        if (ms != null) {
            ms.markReady(); // /readyz: attached (or replaying) and publishing
        }
        if (exitWhenDone) {
            while (!(source.finished() && agent.pipeline().idle() && agent.spool().segmentCount() == 0)) {
                if (stop.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return 0;
                }
            }
            err.println("syndrop agent: replay finished and acknowledged (" + metrics.value(kafka == null ? "syndrop_agent_acknowledged_total" : "syndrop_agent_kafka_acknowledged_total") + " records)");
            Runtime.getRuntime().removeShutdownHook(hook);
            shutdown(source, agent, ms, recorder, err);
            return 0;
        }
        if (duration == null) {
            stop.await();
        } else if (!stop.await(duration.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            Runtime.getRuntime().removeShutdownHook(hook);
            shutdown(source, agent, ms, recorder, err);
        }
        return 0;
    }

    /** The event source: a recorded stream with --replay, else the kernel. */
    private EventSource openSource(PrintStream out, PrintStream err) {
        if (replay != null) {
            return new ReplaySource(replay, replayRate);
        }
        List<String> netns = filters.netns();
        List<NetnsTarget> targets;
        try {
            targets = CounterFeed.targets(netns);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--netns: " + e.getMessage());
        }
        if (forced != AttachMode.COUNTERS) {
            // Reading another process's namespace (--netns pid:N or an inode) is what needs CAP_SYS_PTRACE here.
            try {
                AgentCapabilities.require("agent", WatchCommand.readsOtherProcesses(netns), err::println);
            } catch (ProbeException e) {
                throw new IllegalStateException("cannot attach: " + e.summary(), e);
            }
        }
        EventPrinter printer = null;
        if (print) {
            printer = new EventPrinter(json, out, err);
            printer.printHeader();
        }
        return new KernelEventSource(forced, filter, ring, targets, countersInterval, printer, err, libbpfDebug,
                runtimes.socketsOrNone()).storm(storm);
    }

    private static void shutdown(EventSource source, Agent agent, MetricsServer ms, PcapRecorder recorder, PrintStream err) {
        if (ms != null) {
            ms.markNotReady();
        }
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
        if (recorder != null) {
            try {
                recorder.close();
                err.println("syndrop agent: pcap: " + recorder.summary());
            } catch (Exception e) {
                err.println("syndrop agent: pcap: closing " + recorder.file().path() + " failed: " + e.getMessage());
            }
        }
        if (ms != null) {
            ms.close();
        }
    }
}
