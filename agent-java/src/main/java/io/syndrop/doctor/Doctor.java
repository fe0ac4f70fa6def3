package io.syndrop.doctor;

import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.Sysctls;
import io.syndrop.counters.WatchedCounters;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns counter deltas, sysctls and drop events into findings. Each piece of evidence is optional:
 * counters alone work on any kernel (3.16 included), events alone work when only a probe ran, and
 * both together give the most precise answer.
 *
 * <pre>
 *   Diagnosis d = new Doctor().diagnose(CounterDelta.between(first, last), last.sysctls(), events);
 * </pre>
 */
public final class Doctor {
    public static final String NOTHING_WRONG = "no-problem-found";
    public static final String COUNTERS_RESET = "counters-reset";

    private final List<Rule> rules = List.of(
            new TwRecycleRule(), new TimewaitPawsRule(), new NatClockRule(), new SynFloodRule(),
            new AcceptQueueStormRule(), new AcceptQueueRule(),
            new SynQueueRule(), new SynCookiesRule(), new OtherListenDropsRule());

    /**
     * @param counters what the counters did in the window (or since boot); null when only events are known
     * @param sysctls  the namespace's settings; null means those recorded with {@code counters}
     * @param events   drop events seen in the same window, any order; null or empty when none
     */
    public Diagnosis diagnose(CounterDelta counters, Sysctls sysctls, List<DropEvent> events) {
        return diagnose(counters, sysctls, events, List.of());
    }

    /**
     * @param summaries storm summaries of the same window (exact per-key counts, with how many
     *                  drops were sent in detail); null or empty when none
     */
    public Diagnosis diagnose(CounterDelta counters, Sysctls sysctls, List<DropEvent> events, List<DropSummary> summaries) {
        Sysctls s = sysctls != null ? sysctls : counters != null ? counters.sysctls() : Sysctls.empty();
        List<DropEvent> evs = events == null ? List.of() : events;
        List<DropSummary> sums = summaries == null ? List.of() : summaries;
        Evidence e = new Evidence(counters, s, evs, sums);

        List<Finding> findings = new ArrayList<>();
        List<String> reset = counters == null ? List.of() : counters.decreased().stream()
                .filter(WatchedCounters.RELEVANT::contains).toList();
        if (!reset.isEmpty()) {
            findings.add(resetFinding(reset));
            e = new Evidence(null, s, evs, sums);
        }
        for (Rule r : rules) {
            r.evaluate(e).ifPresent(findings::add);
        }
        findings.sort(Comparator.comparing(Finding::severity).reversed());

        Set<String> known = new LinkedHashSet<>();
        rules.forEach(r -> known.addAll(r.counters()));
        known.addAll(WatchedCounters.RELEVANT);
        List<CounterEvidence> checked = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String k : known) {
            if (e.has(k)) {
                checked.add(new CounterEvidence(k, e.delta(k)));
            } else if (counters != null) {
                missing.add(k);
            }
        }
        if (findings.isEmpty()) {
            findings.add(nothingWrong(e, checked, evs.size()));
        }
        Optional<Instant> from = counters == null ? Optional.empty() : counters.before().flatMap(b -> b.time());
        Optional<Instant> to = counters == null ? Optional.empty() : counters.after().time();
        String origin = counters == null ? "events only" : counters.before()
                .filter(b -> !b.origin().equals(counters.after().origin()))
                .map(b -> b.origin() + " .. " + counters.after().origin()).orElse(counters.after().origin());
        return new Diagnosis(origin, s.get(Sysctls.OSRELEASE), counters != null && counters.isSinceBoot(), from, to,
                evs.size(), findings, checked, missing);
    }

    private static Finding resetFinding(List<String> reset) {
        return new Finding(COUNTERS_RESET, "Counters went backwards between the samples", Severity.WARNING,
                List.of(), List.of("decreased: " + String.join(", ", reset)), List.of(),
                "Kernel counters only grow, yet these are lower in the later sample: the node rebooted, the network "
                        + "namespace was recreated, or the samples come from different namespaces or nodes. Deltas "
                        + "across such a pair mean nothing, so only the events (if any) were diagnosed.",
                List.of(new Remedy("Diagnose samples taken from the same namespace without a reboot in between",
                        List.of("syndrop counters --snapshot-to DIR --interval 30s --count 1"),
                        "None.")));
    }

    private static Finding nothingWrong(Evidence e, List<CounterEvidence> checked, int events) {
        String what = e.counters().isEmpty() ? "The " + events + " drop events given show"
                : "None of the " + checked.size() + " counters that record dropped SYNs and handshakes show";
        return new Finding(NOTHING_WRONG, "Nothing wrong found", Severity.OK, checked,
                List.of(e.sysctlFact(Sysctls.SYNCOOKIES), e.sysctlFact(Sysctls.TIMESTAMPS),
                        e.sysctls().get(Sysctls.TW_RECYCLE).map(v -> Sysctls.TW_RECYCLE + " = " + v)
                                .orElse(Sysctls.TW_RECYCLE + ": absent (kernel 4.12+) or not recorded")),
                List.of(),
                what + " a problem " + e.window() + ": no accept or SYN queue overflow, no PAWS reject, no "
                        + "tcp_tw_recycle drop" + (events > 0 ? "" : " (no drop events were given)") + ".",
                List.of());
    }
}
