package io.syndrop.cli;

import io.syndrop.counters.CounterWatcher;
import io.syndrop.os.NetnsTarget;
import io.syndrop.event.EventEnricher;
import io.syndrop.filter.EventFilter;
import io.syndrop.identity.IdentityStage;
import io.syndrop.os.NodeIdentity;
import io.syndrop.pcap.PcapRecorder;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.Visibility;
import io.syndrop.probe.AgentCapabilities;
import io.syndrop.probe.AttachPlanner;
import io.syndrop.probe.LiveAttach;
import io.syndrop.probe.LiveProbe;
import io.syndrop.probe.ProbeException;

import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import io.syndrop.input.UsageException;

/** `syndrop watch`: attach to this node and print one line (or JSON object) per dropped SYN. */
@CommandLine.Command(name = "watch", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "attach to this node and print dropped SYNs and handshakes live, with their cause",
        footer = {"",
                "Without --netns every network namespace with TCP listeners is watched, each named.",
                "  --collector H:P      also publish every event to a collector; takes the options of",
                "                       `syndrop agent` (--insecure, --ca, --cert, --key, --token-file, ...);",
                "                       the attach mode is then always explained, --verbose adds debug logs"})
public final class WatchCommand implements Command {
    private static final Duration GAP_INTERVAL = Duration.ofSeconds(2);

    @Option(names = "--json", description = {"one JSON object per drop (proto3 JSON of syndrop.v1.DropEvent) and",
            "per storm summary ({\"type\":\"summary\",...} syndrop.v1.DropSummary)"})
    boolean json;

    @Option(names = "--duration", paramLabel = "D", converter = OptionConverters.DurationValue.class,
            description = "stop after D (30s, 10m); default: until Ctrl-C or SIGTERM")
    Duration duration;

    @Option(names = "--backend", paramLabel = "B", defaultValue = "auto",
            description = "auto (default), fentry, kprobe, tracepoint, bcc, counters")
    String backend;

    @Mixin
    FilterOptions filters = new FilterOptions();

    @Mixin
    ContainerRuntimeOptions runtimes = new ContainerRuntimeOptions();

    @Mixin
    PcapOptions pcap = new PcapOptions();

    @Mixin
    StormOptions stormOptions = new StormOptions();

    @Option(names = "--ringbuf-bytes", paramLabel = "N", converter = OptionConverters.SizeValue.class,
            description = "kernel ring buffer size, a power of two from 4K to 1G (default 4194304)")
    Long ringbufBytes;

    @Option(names = "--verbose", description = "say which attach mode was chosen and why others were not")
    boolean verbose;

    @Option(names = "--libbpf-debug", description = "print libbpf's debug log (verifier output) to stderr")
    boolean libbpfDebug;

    private AttachMode forced;
    private EventFilter filter;
    private int ring;
    private io.syndrop.probe.StormSettings storm;

    @Override
    public void validate() {
        duration = OptionRanges.positive("--duration", duration);
        forced = backend(backend);
        ring = ringbufBytes(ringbufBytes);
        filter = filters.filter();
        storm = stormOptions.settings();
        runtimes.sockets(); // a blank socket path is refused before anything starts
        pcap.validate();
    }

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        List<String> netns = filters.netns();
        LiveAttach attach;
        try {
            if (forced != AttachMode.COUNTERS) {
                AgentCapabilities.require("watch", netns.isEmpty() || readsOtherProcesses(netns), err::println);
            }
            attach = LiveAttach.plan(forced, filter, ring, libbpfDebug, storm);
        } catch (ProbeException e) {
            err.println("syndrop watch: cannot attach: " + e.getMessage());
            if (e.hint() != null && !e.hint().isEmpty()) {
                err.println("hint: " + e.hint());
            }
            return 1;
        }
        AttachPlanner.Plan plan = attach.plan();
        String node = NodeIdentity.nodeName();
        long boot = NodeIdentity.newBoot();
        CounterWatcher.Origin origin = new CounterWatcher.Origin(node, node, boot);
        // Without --netns every namespace with listeners is watched: each pod's drops are counted in its own.
        boolean everywhere = netns.isEmpty();
        List<NetnsTarget> counterTargets;
        try {
            counterTargets = CounterFeed.targets(netns);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--netns: " + e.getMessage());
        }
        if (plan.session() == null) {
            err.println(plan.explain());
            err.println("syndrop watch: " + (forced == AttachMode.COUNTERS ? "counters mode as asked"
                    : "no eBPF attach mode works here; falling back to counters")
                    + ": one line per change of a listener counter, no per-drop detail");
            err.println("syndrop watch: " + BlindSpots.of(AttachMode.COUNTERS));
            if (pcap.given()) {
                err.println("syndrop watch: --pcap writes nothing in counters mode: it sees no packets");
            }
            try (CounterFeed feed = everywhere
                    ? CounterFeed.countersOnlyEverywhere(Duration.ofSeconds(1), origin, json, out, err)
                    : CounterFeed.countersOnly(counterTargets, Duration.ofSeconds(1), origin, json, out)) {
                Thread.sleep(duration == null ? Long.MAX_VALUE : duration.toMillis());
            }
            return 0;
        }
        err.println(verbose ? plan.explain() : "attached: " + plan.mode().name().toLowerCase()
                + (plan.refusals().isEmpty() ? "" : " (" + plan.refusals().size() + " better mode(s) refused; --verbose says why)"));
        for (String blind : BlindSpots.of(plan.session())) {
            err.println("syndrop watch: " + blind + (!blind.equals(Visibility.CONN_REQUEST_BLIND) ? ""
                    : "; they are counted from each namespace's TcpExt:ListenDrops and printed as unattributed drops"));
        }

        EventPrinter printer = new EventPrinter(json, out == System.out && isTerminal(), out, err);
        printer.printHeader();
        EventEnricher enricher = runtimes.enricher(err);
        IdentityStage.reduceInKernel(enricher, filter.workload(), plan.session().workloadNetns());
        PcapRecorder recorder = pcap.open(PcapRecorder.Counts.fresh());
        if (recorder != null) {
            // Ctrl-C or SIGTERM ends the JVM before the end of this method: write what is queued first.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    if (recorder.closeFirst()) {
                        err.println("syndrop watch: pcap: " + recorder.summary());
                    }
                } catch (java.io.IOException e) {
                    err.println("syndrop watch: pcap: " + e.getMessage());
                }
                err.flush();
            }, "syndrop-pcap-close"));
        }
        // On Ctrl-C or SIGTERM the probe's own hook detaches, which ends the wait below; the JVM
        // halts when the hooks are done, so this one holds it until the end line is said (bounded:
        // a stuck main thread must not keep the process alive).
        CountDownLatch endLineSaid = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                endLineSaid.await(END_LINE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "syndrop-watch-end"));
        try {
            LiveProbe probe = attach.start(node, node, boot, enricher, printer,
                    recorder == null ? null : new PcapOptions.Tap(recorder));
            // The recorder is not a resource here: closing it with the probe would leave closeFirst()
            // below false and its summary line unsaid; the finally below closes it however the wait
            // ends, and the pcap hook above covers a failure before this point.
            try (probe;
                 CounterFeed gap = plan.mode() != AttachMode.TRACEPOINT ? new CounterFeed()
                         : everywhere ? CounterFeed.listenDropGapEverywhere(GAP_INTERVAL, origin, printer, err)
                         : CounterFeed.listenDropGap(counterTargets, GAP_INTERVAL, origin, printer, err)) {
                if (duration != null) {
                    probe.await(duration.toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    probe.await(Long.MAX_VALUE, TimeUnit.DAYS);
                }
            } finally {
                // After the probe and feed are closed, and said however the wait ended: a SIGTERM while
                // the counter feed was still starting made it throw, and the line was lost (WatchStopLineIT).
                printer.close();
                out.flush();
                // What the kernel delivered, before Java's filter: with filters the kernel applies, the two agree.
                err.println("syndrop watch: " + printer.shown() + " drop(s) shown of " + probe.drained()
                        + " the kernel delivered, " + printer.summarised() + " counted in storm summaries without detail, "
                        + printer.lost() + " lost in the kernel ring buffer");
                if (recorder != null && recorder.closeFirst()) {
                    err.println("syndrop watch: pcap: " + recorder.summary());
                }
            }
            return 0;
        } finally {
            err.flush();
            endLineSaid.countDown();
        }
    }

    private static final int END_LINE_WAIT_SECONDS = 5;

    /** Whether stdout is a terminal (storm summaries are then drawn in place); false when libc cannot say. */
    static boolean isTerminal() {
        try {
            return io.syndrop.os.Libc.INSTANCE.isatty(1) == 1;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }

    /** --ringbuf-bytes of watch and agent; 0 when not given (the probe's default). */
    static int ringbufBytes(Long given) {
        return given == null ? 0 : (int) OptionRanges.powerOfTwoSize("--ringbuf-bytes", given, 4096, 1L << 30);
    }

    /** --backend of watch and agent: null for auto (the planner picks). */
    static AttachMode backend(String given) {
        try {
            return given.equals("auto") ? null : AttachMode.parse(given);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--backend: " + e.getMessage());
        }
    }

    /** --netns pid:N and inodes are read through another process's /proc entries (CAP_SYS_PTRACE); names by setns. */
    static boolean readsOtherProcesses(List<String> netnsArgs) {
        try {
            return netnsArgs.stream().map(NetnsTarget::parse)
                    .anyMatch(t -> t.kind() == NetnsTarget.Kind.PID || t.kind() == NetnsTarget.Kind.INODE);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--netns: " + e.getMessage());
        }
    }
}
