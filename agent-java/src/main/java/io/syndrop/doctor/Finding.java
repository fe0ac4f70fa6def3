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
 */
public record Finding(String id, String title, Severity severity, List<CounterEvidence> counters,
                      List<String> facts, List<DropEvent> events, String explanation, List<Remedy> remediation) {
    public Finding {
        counters = List.copyOf(counters);
        facts = List.copyOf(facts);
        events = List.copyOf(events);
        remediation = List.copyOf(remediation);
    }
}
