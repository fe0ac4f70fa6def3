package io.syndrop.doctor;

import io.syndrop.proto.v1.DropEvent;
import java.util.List;

/**
 * One diagnosed problem (or the absence of any).
 *
 * @param id          stable name, part of the --json contract (e.g. "tw-recycle-paws-passive")
 * @param counters    the counters that prove it, with their deltas
 * @param facts       other evidence, one line each (sysctl values, listeners, timestamp jumps)
 * @param events      example drop events, when events were given
 * @param explanation two or three sentences
 * @param remediation ways to fix it, best first
 * @param netns       the network namespace it was found in, when several were diagnosed together; "" otherwise
 */
public record Finding(String id, String title, Severity severity, List<CounterEvidence> counters,
                      List<String> facts, List<DropEvent> events, String explanation, List<Remedy> remediation,
                      String netns) {
    public Finding(String id, String title, Severity severity, List<CounterEvidence> counters,
                   List<String> facts, List<DropEvent> events, String explanation, List<Remedy> remediation) {
        this(id, title, severity, counters, facts, events, explanation, remediation, "");
    }

    /** This finding as found in the namespace {@code label}. */
    public Finding in(String label) {
        return new Finding(id, title, severity, counters, facts, events, explanation, remediation, label);
    }

    public Finding {
        netns = netns == null ? "" : netns;
        counters = List.copyOf(counters);
        facts = List.copyOf(facts);
        events = List.copyOf(events);
        remediation = List.copyOf(remediation);
    }
}
