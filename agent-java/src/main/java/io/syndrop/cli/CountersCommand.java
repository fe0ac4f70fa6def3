package io.syndrop.cli;

import io.syndrop.counters.CounterChange;
import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.CounterReader;
import io.syndrop.counters.CounterSnapshot;
import io.syndrop.os.NetnsTarget;
import io.syndrop.counters.SnapshotDir;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ArrayList;
import io.syndrop.input.UsageException;

/** `syndrop counters`: the kernel's TCP/IP counters readable, as totals or as deltas and rates like nstat. */
@CommandLine.Command(name = "counters", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "print kernel TCP counters (/proc/net/netstat, snmp), totals or deltas like nstat",
        footer = {"", "Output lines are `Group:Name = value`, e.g. `TcpExt:ListenDrops = 12`."})
public final class CountersCommand implements Command {
    @Parameters(paramLabel = "FILTER", arity = "0..*", description = {
            "print only counters whose Group:Name contains one of these (any case),",
            "e.g. `syndrop counters ListenDrops PAWS`"})
    List<String> filterWords = new ArrayList<>();

    @Option(names = "--netns", paramLabel = "T", description = {
            "read a network namespace: a name under /var/run/netns, pid:N (the",
            "namespace of process N) or an inode as N or ino:N; default: syndrop's own"})
    String netns;

    @Option(names = "--interval", paramLabel = "D", converter = OptionConverters.DurationValue.class, description = {
            "every D (1s, 250ms...) print the counters that changed, with the delta",
            "and the rate per second, like nstat"})
    Duration interval;

    @Option(names = "--count", paramLabel = "N", description = "stop after N intervals (default: until interrupted)")
    Long count;

    @Option(names = "--snapshot-to", paramLabel = "DIR", description = {
            "write a snapshot for `syndrop doctor --snapshot DIR`: files netstat,",
            "snmp, sysctl and time; with --interval one numbered folder per sample"})
    Path snapshotTo;

    @Override
    public void validate() {
        interval = OptionRanges.positive("--interval", interval);
        if (count != null) {
            OptionRanges.count("--count", count, 1, Long.MAX_VALUE);
        }
        if (interval == null && count != null) {
            throw new UsageException("--count needs --interval");
        }
    }

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        NetnsTarget target = netns(netns);
        List<String> filters = filterWords.stream().map(f -> f.toLowerCase(Locale.ROOT)).toList();
        long count = this.count == null ? -1 : this.count;
        CounterReader reader = new CounterReader(target, snapshotTo != null);
        if (interval == null) {
            CounterSnapshot s = reader.sample();
            if (snapshotTo != null) {
                SnapshotDir.write(s, snapshotTo);
                err.println("syndrop counters: wrote snapshot of " + s.origin() + " to " + snapshotTo);
                return 0;
            }
            printTotals(s.counters(), filters, out);
            return 0;
        }
        CounterSnapshot prev = reader.sample();
        int n = 0;
        if (snapshotTo != null) {
            SnapshotDir.write(prev, snapshotTo.resolve(String.format("%04d", n)));
        }
        while (count < 0 || n < count) {
            Thread.sleep(interval.toMillis());
            CounterSnapshot now = reader.sample();
            n++;
            if (snapshotTo != null) {
                SnapshotDir.write(now, snapshotTo.resolve(String.format("%04d", n)));
            }
            printDeltas(CounterDelta.between(prev, now), filters, out);
            out.flush();
            prev = now;
        }
        return 0;
    }

    static NetnsTarget netns(String spec) {
        if (spec == null) {
            return NetnsTarget.host();
        }
        try {
            return NetnsTarget.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--netns: " + e.getMessage());
        }
    }

    private static boolean matches(String key, List<String> filters) {
        if (filters.isEmpty()) {
            return true;
        }
        String k = key.toLowerCase(Locale.ROOT);
        return filters.stream().anyMatch(k::contains);
    }

    static void printTotals(Map<String, Long> counters, List<String> filters, PrintStream out) {
        counters.forEach((k, v) -> {
            if (matches(k, filters)) {
                out.println(k + " = " + (k.equals("Tcp:MaxConn") ? v.toString() : Long.toUnsignedString(v)));
            }
        });
    }

    static void printDeltas(CounterDelta d, List<String> filters, PrintStream out) {
        String when = d.after().time().map(Object::toString).orElse("");
        String span = d.interval().map(i -> String.format(Locale.ROOT, "%.2fs", i.toMillis() / 1000.0)).orElse("?");
        List<CounterChange> changes = d.nonZero(null).stream().filter(c -> matches(c.key(), filters)).toList();
        out.println("# " + when + " +" + span + " " + d.after().origin() + (changes.isEmpty() ? " (no change)" : ""));
        for (CounterChange c : changes) {
            out.println(c.key() + " = " + c.delta() + "  " + String.format(Locale.ROOT, "%.1f/s", c.perSecond()));
        }
    }
}
