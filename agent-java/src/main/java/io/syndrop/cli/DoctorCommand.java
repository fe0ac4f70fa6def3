package io.syndrop.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.CounterReader;
import io.syndrop.counters.CounterSnapshot;
import io.syndrop.counters.NetnsTarget;
import io.syndrop.counters.SnapshotDir;
import io.syndrop.doctor.Diagnosis;
import io.syndrop.doctor.DiagnosisJson;
import io.syndrop.doctor.DiagnosisText;
import io.syndrop.doctor.Doctor;
import io.syndrop.proto.v1.DropEvent;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.syndrop.event.EventFilter;
import io.syndrop.event.NodeIdentity;
import io.syndrop.probe.AttachPlanner;
import io.syndrop.probe.DropListener;
import io.syndrop.probe.LiveProbe;
import io.syndrop.probe.NetnsRef;
import io.syndrop.probe.ProbeException;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import io.syndrop.counters.NetnsTarget;

import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** `syndrop doctor`: diagnoses dropped SYNs from the live counters or from recorded snapshots. */
public final class DoctorCommand implements Command {
    @Override
    public String name() {
        return "doctor";
    }

    @Override
    public String summary() {
        return "diagnose dropped SYNs from kernel counters (live or recorded) and name the fix";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "usage: syndrop doctor [--duration 30s] [--netns NAME|pid:N|ino:N] [--backend auto|counters] [--events FILE] [--json]",
                "       syndrop doctor --snapshot DIR [--snapshot DIR2 ...] [--events FILE] [--json]",
                "  --duration D   sample the live counters D apart (default 30s) and diagnose the deltas",
                "  --netns T      the network namespace to diagnose (see `syndrop counters --help`)",
                "  --snapshot DIR diagnose recorded snapshots instead (folders with netstat, snmp, sysctl,",
                "                 time, e.g. from `syndrop counters --snapshot-to DIR` or by hand:",
                "                 cp /proc/net/netstat /proc/net/snmp DIR/; sysctl -a > DIR/sysctl;",
                "                 date +%s > DIR/time). The first and last give the deltas; a single one",
                "                 gives totals since boot. A folder of snapshot folders counts as all of them.",
                "  --backend B    live: auto (default) attaches eBPF for drop events too; counters does not",
                "                 (e.g. when `syndrop watch --json > FILE` runs already: pass --events FILE)",
                "  --events FILE  drop events as extra evidence: one JSON DropEvent per line, as",
                "                 `syndrop watch --json` prints them; live, it is read when the sampling ends",
                "  --json         print the findings as JSON");
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(argv, Set.of("duration", "netns", "snapshot", "events", "backend"), Set.of("json"));
        if (!a.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + a.positional().get(0) + "'");
        }
        List<String> snapshots = a.all("snapshot");
        if (!snapshots.isEmpty() && (a.get("duration", null) != null || a.get("netns", null) != null)) {
            throw new UsageException("--snapshot diagnoses recorded samples: it does not combine with --duration or --netns");
        }
        String backend = a.get("backend", "auto");
        if (!backend.equals("auto") && !backend.equals("counters")) {
            throw new UsageException("--backend for the doctor is auto or counters, not '" + backend + "'");
        }
        if (!snapshots.isEmpty() && a.get("backend", null) != null) {
            throw new UsageException("--backend is for live sampling: it does not combine with --snapshot");
        }
        String eventsFile = a.get("events", null);
        List<DropEvent> events = new ArrayList<>();
        CounterDelta delta;
        if (snapshots.isEmpty()) {
            // Read after the window: a `watch --json` writing the file meanwhile contributes what it saw.
            delta = live(a, err, events, backend.equals("auto"));
        } else {
            delta = recorded(snapshots);
        }
        if (eventsFile != null) {
            events.addAll(readEvents(Path.of(eventsFile)));
        }
        Diagnosis d = new Doctor().diagnose(delta, null, events);
        out.print(a.flag("json") ? DiagnosisJson.render(d) : DiagnosisText.render(d));
        return 0;
    }

    /** Live events kept as evidence; more would only repeat what the counters already say. */
    private static final int MAX_LIVE_EVENTS = 10_000;

    private static CounterDelta live(Args a, PrintStream err, List<DropEvent> events, boolean attach)
            throws IOException, InterruptedException {
        Duration duration = a.getDuration("duration", Duration.ofSeconds(30));
        if (duration.isNegative() || duration.isZero()) {
            throw new UsageException("--duration must be positive");
        }
        NetnsTarget target = CountersCommand.netns(a.get("netns", null));
        CounterReader reader = new CounterReader(target, true);
        try (LiveProbe probe = attach ? startProbe(target, err, events) : null) {
            CounterSnapshot first = reader.sample();
            err.println("syndrop doctor: sampling the counters of " + target.describe()
                    + (probe == null ? "" : " and " + probe.session().mode().name().toLowerCase() + " events")
                    + " for " + duration.toSeconds() + " s"
                    + (duration.toMillis() % 1000 == 0 ? "" : " and " + duration.toMillis() % 1000 + " ms") + "...");
            Thread.sleep(duration.toMillis());
            return CounterDelta.between(first, reader.sample());
        }
    }

    /** Events are extra evidence: without eBPF (old kernel, no root) the doctor still works from counters. */
    private static LiveProbe startProbe(NetnsTarget target, PrintStream err, List<DropEvent> events) {
        List<Long> netns = target.kind() == NetnsTarget.Kind.HOST ? List.of() : List.of(inode(target));
        EventFilter filter = new EventFilter(List.of(), List.of(), netns, EnumSet.noneOf(Reason.class));
        AttachPlanner.Plan plan;
        try {
            plan = AttachPlanner.plan(null, filter, 0);
        } catch (ProbeException e) {
            plan = null;
        }
        if (plan == null || plan.session() == null) {
            err.println("syndrop doctor: no eBPF attach mode works here; diagnosing from counters alone");
            return null;
        }
        String node = NodeIdentity.nodeName();
        long boot = NodeIdentity.newBoot();
        return LiveProbe.start(plan.session(), filter, new DropListener() {
            @Override
            public void onEvent(DropEvent e) {
                synchronized (events) {
                    if (events.size() < MAX_LIVE_EVENTS) {
                        events.add(e);
                    }
                }
            }

            @Override
            public void onLoss(LossRecord loss) {
                // the counters carry the totals; missing examples do not change a finding
            }
        }, node, node, boot, new AtomicLong());
    }

    private static long inode(NetnsTarget t) {
        switch (t.kind()) {
            case INODE:
                return t.number();
            case PID:
                return NetnsRef.inode("pid:" + t.number());
            default:
                return NetnsRef.inode(t.name());
        }
    }

    private static CounterDelta recorded(List<String> dirs) throws IOException {
        List<Path> paths = SnapshotDir.expand(dirs.stream().map(Path::of).toList());
        CounterSnapshot first = SnapshotDir.read(paths.get(0));
        if (paths.size() == 1) {
            return CounterDelta.sinceBoot(first);
        }
        CounterSnapshot last = SnapshotDir.read(paths.get(paths.size() - 1));
        if (first.time().isPresent() && last.time().isPresent() && last.time().get().isBefore(first.time().get())) {
            throw new IOException("snapshot " + paths.get(paths.size() - 1) + " is older than " + paths.get(0)
                    + ": give the snapshots oldest first");
        }
        return CounterDelta.between(first, last);
    }

    static List<DropEvent> readEvents(Path file) throws IOException {
        List<DropEvent> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        JsonFormat.Parser parser = JsonFormat.parser().ignoringUnknownFields();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            DropEvent.Builder b = DropEvent.newBuilder();
            try {
                parser.merge(line, b);
            } catch (InvalidProtocolBufferException e) {
                throw new IOException(file + " line " + (i + 1) + ": not a JSON DropEvent: " + e.getMessage(), e);
            }
            out.add(b.build());
        }
        return out;
    }
}
