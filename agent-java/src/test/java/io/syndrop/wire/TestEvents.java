package io.syndrop.wire;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.syndrop.agent.EventStreamFile;

/** Recorded-looking drop events whose tsval is their index, so a sink's content can be checked one by one. */
public final class TestEvents {
    private TestEvents() {}

    public static DropEvent event(int i) {
        Reason[] reasons = {Reason.PAWS_PASSIVE_REJECTED, Reason.PEER_UNPROVEN, Reason.SYN_QUEUE_FULL, Reason.ACCEPT_QUEUE_FULL};
        return DropEvent.newBuilder()
                .setTimeUnixNano(1_790_000_000_000_000_000L + i * 1000L)
                .setReason(reasons[i % reasons.length])
                .setSrcAddr(i % 5 == 0 ? "fd00::" + Integer.toHexString(i % 65536 + 1) : "10.1." + (i / 250 % 250) + "." + (i % 250 + 1))
                .setSrcPort(30000 + i % 30000)
                .setDstAddr(i % 5 == 0 ? "fd00::1" : "10.0.0.1")
                .setDstPort(8080)
                .setTsval(i)
                .setCachedTs(i + 1000)
                .setCachedTsAgeSec(3)
                .setNetnsIno(4026531840L)
                .setProbe(Probe.FENTRY)
                .build();
    }

    public static List<DropEvent> events(int n) {
        List<DropEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(event(i));
        }
        return out;
    }

    public static Path recording(Path dir, int n) throws IOException {
        Path f = dir.resolve("events-" + n + ".pb");
        EventStreamFile.write(f, events(n));
        return f;
    }

    private static final Pattern TSVAL = Pattern.compile("\"tsval\":(\\d+)");

    /** tsvals of the drop lines in a JSON-lines sink file; fails on a duplicate. */
    public static Set<Integer> tsvalsInJson(Path file, List<String> duplicatesOut) throws IOException {
        Set<Integer> seen = new TreeSet<>();
        if (!Files.exists(file)) {
            return seen;
        }
        for (String line : Files.readAllLines(file)) {
            if (!line.startsWith("{\"type\":\"drop\"")) {
                continue;
            }
            Matcher m = TSVAL.matcher(line);
            int t = m.find() ? Integer.parseInt(m.group(1)) : 0; // proto3 JSON omits zero
            if (!seen.add(t) && duplicatesOut != null) {
                duplicatesOut.add(line);
            }
        }
        return seen;
    }

    public static long dropLines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var s = Files.lines(file)) {
            return s.filter(l -> l.startsWith("{\"type\":\"drop\"")).count();
        }
    }
}
