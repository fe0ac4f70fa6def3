package io.syndrop.cli;

import io.syndrop.identity.IdentityStage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.CounterReader;
import io.syndrop.counters.CounterSnapshot;
import io.syndrop.os.NetnsTarget;
import io.syndrop.counters.SnapshotDir;
import io.syndrop.doctor.Diagnosis;
import io.syndrop.doctor.DiagnosisJson;
import io.syndrop.doctor.DiagnosisText;
import io.syndrop.doctor.Doctor;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.syndrop.filter.EventFilter;
import io.syndrop.os.NodeIdentity;
import io.syndrop.probe.LiveAttach;
import io.syndrop.probe.DropListener;
import io.syndrop.probe.LiveProbe;
import io.syndrop.probe.ProbeException;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import io.syndrop.counters.CounterSource;
import io.syndrop.counters.ListeningNamespace;
import io.syndrop.counters.NetnsDiscovery;
import io.syndrop.doctor.NamespaceDiagnoses;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import io.syndrop.input.UsageException;

/** `syndrop doctor`: diagnoses dropped SYNs from the live counters or from recorded snapshots. */
@CommandLine.Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "diagnose dropped SYNs from kernel counters (live or recorded) and name the fix",
        customSynopsis = {
                "syndrop doctor [--duration 30s] [--netns NAME|pid:N|INODE] [--backend auto|counters] [--events FILE] [--json]",
                "       syndrop doctor --snapshot DIR [--snapshot DIR2 ...] [--events FILE] [--json]"})
public final class DoctorCommand implements Command {
    @Option(names = "--duration", paramLabel = "D", converter = OptionConverters.DurationValue.class,
            description = "sample the live counters D apart (default 30s) and diagnose the deltas")
    Duration duration;

    @Option(names = "--netns", paramLabel = "T", description = {
            "diagnose this network namespace only (see `syndrop counters --help`); by",
            "default every namespace with TCP listeners is (each pod has its own)"})
    String netns;

    @Option(names = "--snapshot", paramLabel = "DIR", description = {
            "diagnose recorded snapshots instead (folders with netstat, snmp, sysctl,",
            "time, e.g. from `syndrop counters --snapshot-to DIR` or by hand:",
            "cp /proc/net/netstat /proc/net/snmp DIR/; sysctl -a > DIR/sysctl;",
            "date +%%s > DIR/time). The first and last give the deltas; a single one",
            "gives totals since boot. A folder of snapshot folders counts as all of them."})
    List<String> snapshots = new ArrayList<>();

    @Option(names = "--backend", paramLabel = "B", description = {
            "live: auto (default) attaches eBPF for drop events too; counters does not",
            "(e.g. when `syndrop watch --json > FILE` runs already: pass --events FILE)"})
    String backend;

    @Option(names = "--events", paramLabel = "FILE", description = {
            "drop events and storm summaries as extra evidence: one JSON record per",
            "line, as `syndrop watch --json` prints them (or the collector's JSON",
            "sink writes them); live, it is read when the sampling ends"})
    Path eventsFile;

    @Option(names = "--json", description = "print the findings as JSON")
    boolean json;

    @Override
    public void validate() {
        duration = OptionRanges.positive("--duration", duration);
        if (!snapshots.isEmpty() && (duration != null || netns != null)) {
            throw new UsageException("--snapshot diagnoses recorded samples: it does not combine with --duration or --netns");
        }
        if (backend != null && !backend.equals("auto") && !backend.equals("counters")) {
            throw new UsageException("--backend for the doctor is auto or counters, not '" + backend + "'");
        }
        if (!snapshots.isEmpty() && backend != null) {
            throw new UsageException("--backend is for live sampling: it does not combine with --snapshot");
        }
    }

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        boolean attach = backend == null || backend.equals("auto");
        Duration duration = this.duration != null ? this.duration : Duration.ofSeconds(30);
        // Live, the events file is read when the window ends: a `watch --json` writing it meanwhile
        // contributes what it saw.
        Recorded events = new Recorded(new ArrayList<>(), new ArrayList<>());
        Diagnosis d;
        if (snapshots.isEmpty() && netns == null) {
            d = liveEverywhere(duration, err, events, attach, eventsFile);
        } else {
            CounterDelta delta = snapshots.isEmpty() ? live(duration, netns, err, events, attach) : recorded(snapshots);
            if (eventsFile != null) {
                events.addAll(readEvents(eventsFile));
            }
            d = new Doctor().diagnose(delta, null, events.events(), events.summaries());
        }
        out.print(json ? DiagnosisJson.render(d) : DiagnosisText.render(d));
        return 0;
    }

    /** Live events kept as evidence; more would only repeat what the counters already say. */
    private static final int MAX_LIVE_EVENTS = 10_000;
    /** Live storm summaries kept (a few keys per window; beyond this the oldest windows are enough). */
    private static final int MAX_LIVE_SUMMARIES = 100_000;

    /** Drop events and storm summaries, live or read from a file; guarded by its own monitor. */
    record Recorded(List<DropEvent> events, List<DropSummary> summaries) {
        synchronized void addAll(Recorded r) {
            events.addAll(r.events());
            summaries.addAll(r.summaries());
        }

        synchronized Map<Long, Recorded> byNetns() {
            Map<Long, Recorded> out = new LinkedHashMap<>();
            for (DropEvent e : events) {
                out.computeIfAbsent(e.getNetnsIno(), k -> new Recorded(new ArrayList<>(), new ArrayList<>())).events().add(e);
            }
            for (DropSummary s : summaries) {
                out.computeIfAbsent(s.getNetnsIno(), k -> new Recorded(new ArrayList<>(), new ArrayList<>())).summaries().add(s);
            }
            return out;
        }
    }

    private static String forHowLong(Duration duration) {
        return " for " + duration.toSeconds() + " s"
                + (duration.toMillis() % 1000 == 0 ? "" : " and " + duration.toMillis() % 1000 + " ms") + "...";
    }

    /**
     * Without --netns: every network namespace with listeners (each pod has its own counters), each
     * diagnosed on its own and named in its findings; one that cannot be read is said to be unchecked.
     */
    private static Diagnosis liveEverywhere(Duration duration, PrintStream err, Recorded events, boolean attach,
            Path eventsFile)
            throws IOException, InterruptedException {
        NetnsDiscovery.Result found = new NetnsDiscovery().discover();
        List<NamespaceDiagnoses.Unchecked> unchecked = new ArrayList<>();
        for (NetnsDiscovery.Unreadable u : found.unreadable()) {
            unchecked.add(new NamespaceDiagnoses.Unchecked(u.label(), u.inode(), "its sockets could not be listed: " + u.why()));
        }
        if (found.overLimit() > 0) {
            unchecked.add(new NamespaceDiagnoses.Unchecked(found.overLimit() + " more namespace(s) with listeners", 0,
                    "over the limit of " + NetnsDiscovery.MAX_NAMESPACES + "; diagnose one with --netns"));
        }
        Map<ListeningNamespace, CounterSource> readers = new LinkedHashMap<>();
        Map<ListeningNamespace, CounterSnapshot> first = new LinkedHashMap<>();
        for (ListeningNamespace ns : found.withListeners()) {
            readers.put(ns, ns.reader(true));
        }
        try (LiveProbe probe = attach ? startProbe(NetnsTarget.host(), err, events) : null) {
            for (Map.Entry<ListeningNamespace, CounterSource> r : readers.entrySet()) {
                try {
                    first.put(r.getKey(), r.getValue().sample());
                } catch (IOException e) {
                    unchecked.add(new NamespaceDiagnoses.Unchecked(r.getKey().label(), r.getKey().inode(), e.getMessage()));
                }
            }
            err.println("syndrop doctor: sampling the counters of "
                    + first.keySet().stream().map(ListeningNamespace::label).collect(Collectors.joining(", "))
                    + " (" + first.size() + " network namespace(s) with listeners"
                    + (found.withoutListeners() > 0 ? "; " + found.withoutListeners() + " without listeners not looked at" : "")
                    + ")" + (probe == null ? "" : " and " + probe.session().mode().name().toLowerCase() + " events")
                    + forHowLong(duration));
            if (probe != null) {
                for (String blind : BlindSpots.of(probe.session())) {
                    err.println("syndrop doctor: " + blind + "; the counters still count them, so the findings include them");
                }
            }
            Thread.sleep(duration.toMillis());
            List<NamespaceDiagnoses.Of> checked = new ArrayList<>();
            if (eventsFile != null) {
                events.addAll(readEvents(eventsFile));
            }
            Map<Long, Recorded> byNetns = events.byNetns();
            Recorded none = new Recorded(List.of(), List.of());
            for (Map.Entry<ListeningNamespace, CounterSnapshot> f : first.entrySet()) {
                ListeningNamespace ns = f.getKey();
                try {
                    CounterDelta delta = CounterDelta.between(f.getValue(), readers.get(ns).sample());
                    Recorded own = byNetns.getOrDefault(ns.inode(), none);
                    checked.add(new NamespaceDiagnoses.Of(ns.label(), ns.inode(),
                            new Doctor().diagnose(delta, null, own.events(), own.summaries())));
                    byNetns.remove(ns.inode());
                } catch (IOException e) {
                    unchecked.add(new NamespaceDiagnoses.Unchecked(ns.label(), ns.inode(), e.getMessage()));
                }
            }
            // Drops seen in a namespace whose counters were not sampled (created during the window,
            // or unreadable) are still evidence: diagnose them from the events alone.
            for (Map.Entry<Long, Recorded> rest : byNetns.entrySet()) {
                checked.add(new NamespaceDiagnoses.Of("netns ino " + rest.getKey() + " (from its drop events only)",
                        rest.getKey(), new Doctor().diagnose(null, null, rest.getValue().events(), rest.getValue().summaries())));
            }
            if (checked.isEmpty()) {
                throw new IOException("no network namespace could be read: "
                        + unchecked.stream().map(u -> u.netns() + ": " + u.why()).collect(Collectors.joining("; ")));
            }
            return NamespaceDiagnoses.merge(checked, unchecked, found.withoutListeners());
        }
    }

    private static CounterDelta live(Duration duration, String netns, PrintStream err, Recorded events, boolean attach)
            throws IOException, InterruptedException {
        NetnsTarget target = CountersCommand.netns(netns);
        CounterReader reader = new CounterReader(target, true);
        try (LiveProbe probe = attach ? startProbe(target, err, events) : null) {
            CounterSnapshot first = reader.sample();
            err.println("syndrop doctor: sampling the counters of " + target.describe()
                    + (probe == null ? "" : " and " + probe.session().mode().name().toLowerCase() + " events")
                    + forHowLong(duration));
            Thread.sleep(duration.toMillis());
            return CounterDelta.between(first, reader.sample());
        }
    }

    /** Events are extra evidence: without eBPF (old kernel, no root) the doctor still works from counters. */
    private static LiveProbe startProbe(NetnsTarget target, PrintStream err, Recorded events) {
        List<Long> netns = target.kind() == NetnsTarget.Kind.HOST ? List.of() : List.of(target.inode());
        EventFilter filter = new EventFilter(List.of(), List.of(), netns, EnumSet.noneOf(Reason.class));
        LiveAttach plan;
        try {
            plan = LiveAttach.plan(null, filter, 0, false);
        } catch (ProbeException e) {
            plan = null;
        }
        if (plan == null || !plan.live()) {
            err.println("syndrop doctor: no eBPF attach mode works here; diagnosing from counters alone");
            return null;
        }
        String node = NodeIdentity.nodeName();
        long boot = NodeIdentity.newBoot();
        return plan.start(node, node, boot, IdentityStage.forNode(), new DropListener() {
            @Override
            public void onEvent(DropEvent e) {
                synchronized (events) {
                    if (events.events().size() < MAX_LIVE_EVENTS) {
                        events.events().add(e);
                    }
                }
            }

            @Override
            public void onSummary(DropSummary s) {
                synchronized (events) {
                    if (events.summaries().size() < MAX_LIVE_SUMMARIES) {
                        events.summaries().add(s);
                    }
                }
            }

            @Override
            public void onLoss(LossRecord loss) {
                // the counters carry the totals; missing examples do not change a finding
            }
        });
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

    /**
     * Reads `watch --json` output or a collector's JSON sink file: lines with "type":"summary" are
     * storm summaries, lines without a type or with "type":"drop" drop events; loss records
     * ("stage") and counter samples are not evidence of a cause and are skipped.
     */
    static Recorded readEvents(Path file) throws IOException {
        Recorded out = new Recorded(new ArrayList<>(), new ArrayList<>());
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        JsonFormat.Parser parser = JsonFormat.parser().ignoringUnknownFields();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            String type;
            try {
                JsonElement el = JsonParser.parseString(line);
                if (!el.isJsonObject()) {
                    throw new IOException(where + ": not a JSON object");
                }
                JsonObject o = el.getAsJsonObject();
                type = o.has("type") ? o.get("type").getAsString() : o.has("stage") ? "loss" : "drop";
            } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
                throw new IOException(where + ": not a JSON DropEvent or DropSummary: " + e.getMessage(), e);
            }
            try {
                switch (type) {
                    case "drop" -> {
                        DropEvent.Builder b = DropEvent.newBuilder();
                        parser.merge(line, b);
                        out.events().add(b.build());
                    }
                    case "summary" -> {
                        DropSummary.Builder b = DropSummary.newBuilder();
                        parser.merge(line, b);
                        out.summaries().add(b.build());
                    }
                    case "loss", "counters" -> { }
                    default -> throw new IOException(where + ": unknown record type '" + type
                            + "' (drop, summary, loss or counters)");
                }
            } catch (InvalidProtocolBufferException e) {
                throw new IOException(where + ": not a JSON " + (type.equals("summary") ? "DropSummary" : "DropEvent")
                        + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
