package io.syndrop.doctor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The result of one diagnosis: findings worst first, and what was looked at.
 *
 * @param origin          where the counters came from ("host", "netns web1", snapshot folders)
 * @param kernel          kernel.osrelease when known
 * @param sinceBoot       true when a single sample was diagnosed: values are totals since boot
 * @param from            time of the first sample, when known
 * @param to              time of the last sample, when known
 * @param eventsGiven     how many drop events were given as evidence
 * @param countersChecked the counters the rules looked at that this kernel has, with their deltas
 * @param countersMissing the counters the rules know that this kernel does not have
 * @param namespaces      when several network namespaces were diagnosed together, each one and whether it
 *                        was checked; empty when the diagnosis is of one namespace or of snapshots
 */
public record Diagnosis(String origin, Optional<String> kernel, boolean sinceBoot, Optional<Instant> from,
                        Optional<Instant> to, int eventsGiven, List<Finding> findings,
                        List<CounterEvidence> countersChecked, List<String> countersMissing,
                        List<NamespaceCheck> namespaces) {
    /**
     * One network namespace of a diagnosis of several.
     *
     * @param netns   its name in output ("host", "netns web1 (ino N)", "netns ino N (pid 12 nginx)")
     * @param checked false when its counters could not be read; {@code why} then says why
     * @param findings how many findings other than "nothing wrong" it had
     */
    public record NamespaceCheck(String netns, long inode, boolean checked, int findings, String why) {}

    public Diagnosis(String origin, Optional<String> kernel, boolean sinceBoot, Optional<Instant> from,
                     Optional<Instant> to, int eventsGiven, List<Finding> findings,
                     List<CounterEvidence> countersChecked, List<String> countersMissing) {
        this(origin, kernel, sinceBoot, from, to, eventsGiven, findings, countersChecked, countersMissing, List.of());
    }

    public Diagnosis {
        namespaces = List.copyOf(namespaces);
        findings = List.copyOf(findings);
        countersChecked = List.copyOf(countersChecked);
        countersMissing = List.copyOf(countersMissing);
    }

    public Optional<Duration> interval() {
        return from.isPresent() && to.isPresent() ? Optional.of(Duration.between(from.get(), to.get())) : Optional.empty();
    }

    /** True when nothing worse than OK/INFO was found. */
    public boolean healthy() {
        return findings.stream().allMatch(f -> f.severity().compareTo(Severity.INFO) <= 0);
    }

    public Optional<Finding> finding(String id) {
        return findings.stream().filter(f -> f.id().equals(id)).findFirst();
    }
}
