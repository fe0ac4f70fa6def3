package io.syndrop.cli;

import io.syndrop.identity.IdentityStage;
import io.syndrop.counters.CounterWatcher;
import io.syndrop.os.NetnsTarget;
import io.syndrop.filter.EventFilter;
import io.syndrop.os.NodeIdentity;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.AgentCapabilities;
import io.syndrop.probe.AttachPlanner;
import io.syndrop.probe.LiveProbe;
import io.syndrop.probe.ProbeException;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import io.syndrop.input.UsageException;

/** `syndrop watch`: attach to this node and print one line (or JSON object) per dropped SYN. */
public final class WatchCommand implements Command {
    private static final Set<String> WITH_VALUE = union(FilterOptions.NAMES,
            Set.of("duration", "backend", "ringbuf-bytes"));
    private static final Duration GAP_INTERVAL = Duration.ofSeconds(2);
    private static final Set<String> FLAGS = Set.of("json", "verbose", "libbpf-debug");

    @Override
    public String name() {
        return "watch";
    }

    @Override
    public String summary() {
        return "attach to this node and print dropped SYNs and handshakes live, with their cause";
    }

    @Override
    public String usage() {
        return "usage: syndrop watch [options]\n"
                + "  --json               one JSON object per drop (proto3 JSON of syndrop.v1.DropEvent)\n"
                + "  --duration D         stop after D (30s, 10m); default: until Ctrl-C or SIGTERM\n"
                + "  --backend B          auto (default), fentry, kprobe, tracepoint, bcc, counters\n"
                + FilterOptions.USAGE
                + "                       without --netns: every network namespace with TCP listeners, each named\n"
                + "  --ringbuf-bytes N    kernel ring buffer size, a power of two (default 4194304)\n"
                + "  --verbose            say which attach mode was chosen and why others were not\n"
                + "  --collector H:P      also publish every event to a collector; takes the options of\n"
                + "                       `syndrop agent` (--insecure, --ca, --cert, --key, --token-file, ...);\n"
                + "                       the attach mode is then always explained, --verbose adds debug logs\n"
                + "  --libbpf-debug       print libbpf's debug log (verifier output) to stderr";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.stream().anyMatch(s -> s.equals("--collector") || s.startsWith("--collector="))) {
            // Watching and publishing at once is the agent with its events printed.
            List<String> agentArgs = new java.util.ArrayList<>(argv);
            agentArgs.add("--print");
            return new AgentCommand().run(agentArgs, out, err);
        }
        Args a = Args.parse(argv, WITH_VALUE, FLAGS);
        if (!a.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + a.positional().get(0) + "'");
        }
        EventFilter filter = FilterOptions.parse(a);
        Duration duration = a.getDuration("duration", null);
        String backend = a.get("backend", "auto");
        AttachMode forced;
        try {
            forced = backend.equals("auto") ? null : AttachMode.parse(backend);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--backend: " + e.getMessage());
        }
        int ring = ringbufBytes(a);
        boolean json = a.flag("json");

        AttachPlanner.Plan plan;
        try {
            if (forced != AttachMode.COUNTERS) {
                AgentCapabilities.require("watch", a.all("netns").isEmpty() || readsOtherProcesses(a.all("netns")));
            }
            plan = AttachPlanner.plan(forced, filter, ring, a.flag("libbpf-debug"));
        } catch (ProbeException e) {
            err.println("syndrop watch: cannot attach: " + e.getMessage());
            if (e.hint() != null && !e.hint().isEmpty()) {
                err.println("hint: " + e.hint());
            }
            return 1;
        }
        String node = NodeIdentity.nodeName();
        long boot = NodeIdentity.newBoot();
        CounterWatcher.Origin origin = new CounterWatcher.Origin(node, node, boot);
        // Without --netns every namespace with listeners is watched: each pod's drops are counted in its own.
        boolean everywhere = a.all("netns").isEmpty();
        List<NetnsTarget> counterTargets;
        try {
            counterTargets = CounterFeed.targets(a.all("netns"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--netns: " + e.getMessage());
        }
        if (plan.session() == null) {
            err.println(plan.explain());
            err.println("syndrop watch: " + (forced == AttachMode.COUNTERS ? "counters mode as asked"
                    : "no eBPF attach mode works here; falling back to counters")
                    + ": one line per change of a listener counter, no per-drop detail");
            err.println("syndrop watch: " + BlindSpots.of(AttachMode.COUNTERS));
            try (CounterFeed feed = everywhere
                    ? CounterFeed.countersOnlyEverywhere(Duration.ofSeconds(1), origin, json, out, err)
                    : CounterFeed.countersOnly(counterTargets, Duration.ofSeconds(1), origin, json, out)) {
                Thread.sleep(duration == null ? Long.MAX_VALUE : duration.toMillis());
            }
            return 0;
        }
        err.println(a.flag("verbose") ? plan.explain() : "attached: " + plan.mode().name().toLowerCase()
                + (plan.refusals().isEmpty() ? "" : " (" + plan.refusals().size() + " better mode(s) refused; --verbose says why)"));
        String blind = BlindSpots.of(plan.mode());
        if (blind != null) {
            err.println("syndrop watch: " + blind + (plan.mode() != AttachMode.TRACEPOINT ? ""
                    : "; they are counted from each namespace's TcpExt:ListenDrops and printed as unattributed drops"));
        }

        AtomicLong seq = new AtomicLong();
        EventPrinter printer = new EventPrinter(json, out, err);
        printer.printHeader();
        try (LiveProbe probe = LiveProbe.start(plan.session(), filter, printer, node, node,
                boot, seq, IdentityStage.forNode());
             CounterFeed gap = plan.mode() != AttachMode.TRACEPOINT ? new CounterFeed()
                     : everywhere ? CounterFeed.listenDropGapEverywhere(GAP_INTERVAL, origin, printer, err)
                     : CounterFeed.listenDropGap(counterTargets, GAP_INTERVAL, origin, printer, err)) {
            if (duration != null) {
                probe.await(duration.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                probe.await(Long.MAX_VALUE, TimeUnit.DAYS);
            }
        }
        out.flush();
        err.println("syndrop watch: " + printer.shown() + " drop(s) shown, " + printer.lost() + " lost in the kernel ring buffer");
        return 0;
    }

    /** --ringbuf-bytes of watch and agent; 0 when not given (the probe's default). */
    static int ringbufBytes(Args a) {
        return (int) a.getPowerOfTwoSize("ringbuf-bytes", 0, 4096, 1L << 30);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return s;
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
