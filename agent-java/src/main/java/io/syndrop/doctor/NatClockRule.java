package io.syndrop.doctor;

import io.syndrop.proto.v1.DropEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One source address with several timestamp clocks. A host's TSvals towards one server only move
 * forward, so a TSval that goes back by more than the PAWS window between two events from the same
 * address means several hosts share that address (NAT, load balancer). The number of clocks is
 * estimated as the fewest forward-moving sequences that cover the TSvals in time order.
 */
final class NatClockRule implements Rule {
    static final String ID = "nat-multiple-clocks";
    /** TCP_PAWS_WINDOW in the kernel: a TSval this much behind still passes. */
    static final int PAWS_WINDOW = 1;

    @Override
    public List<String> counters() {
        return List.of();
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        Map<String, List<DropEvent>> bySource = new LinkedHashMap<>();
        for (DropEvent ev : e.events()) {
            if (ev.getTsval() != 0 && !ev.getSrcAddr().isEmpty()) {
                bySource.computeIfAbsent(ev.getSrcAddr(), k -> new ArrayList<>()).add(ev);
            }
        }
        List<String> facts = new ArrayList<>();
        List<DropEvent> examples = new ArrayList<>();
        List<String> natSources = new ArrayList<>();
        for (var entry : bySource.entrySet()) {
            List<DropEvent> evs = entry.getValue();
            DropEvent[] jump = firstBackwardJump(evs);
            if (jump == null) {
                continue;
            }
            int clocks = minClocks(evs);
            natSources.add(entry.getKey());
            facts.add(entry.getKey() + " is a NAT of at least " + clocks + " hosts: TSval "
                    + Integer.toUnsignedString(jump[0].getTsval()) + " at " + time(jump[0]) + ", then TSval "
                    + Integer.toUnsignedString(jump[1].getTsval()) + " at " + time(jump[1]) + " (back by "
                    + (jump[0].getTsval() - jump[1].getTsval()) + " ticks)");
            if (examples.size() < Evidence.MAX_EXAMPLES) {
                examples.add(jump[0]);
                examples.add(jump[1]);
            }
        }
        if (natSources.isEmpty()) {
            return Optional.empty();
        }
        String explanation = "TCP timestamps from one host towards one server only move forward, but the TSvals from "
                + String.join(", ", natSources) + " went backwards by more than the PAWS window between events: this "
                + "source is a NAT of several hosts, each with its own timestamp clock. Any state the server keys on "
                + "this address and its timestamps (TIME-WAIT PAWS; tcp_tw_recycle on kernels before 4.12) will "
                + "reject some of these hosts' SYNs.";
        List<Remedy> remedies = new ArrayList<>();
        remedies.add(TwRecycleRule.remedies().get(0));
        remedies.addAll(TimewaitPawsRule.remedies());
        return Optional.of(new Finding(ID, "One source address, several timestamp clocks: a NAT of several hosts",
                Severity.WARNING, List.of(), facts, examples.size() > Evidence.MAX_EXAMPLES
                        ? examples.subList(0, Evidence.MAX_EXAMPLES) : examples,
                explanation, remedies));
    }

    private static DropEvent[] firstBackwardJump(List<DropEvent> evs) {
        for (int i = 1; i < evs.size(); i++) {
            if (behind(evs.get(i - 1).getTsval(), evs.get(i).getTsval())) {
                return new DropEvent[] {evs.get(i - 1), evs.get(i)};
            }
        }
        return null;
    }

    /** True when {@code later} is older than {@code earlier} by more than the PAWS window (32-bit wrap-aware). */
    static boolean behind(int earlier, int later) {
        return earlier - later > PAWS_WINDOW;
    }

    /**
     * Fewest forward-moving sequences covering the TSvals in order (each clock only moves forward).
     * Greedy: extend the sequence whose last TSval is the closest one not ahead of this one.
     */
    static int minClocks(List<DropEvent> evs) {
        List<Integer> lasts = new ArrayList<>();
        for (DropEvent ev : evs) {
            int ts = ev.getTsval();
            int best = -1;
            for (int i = 0; i < lasts.size(); i++) {
                if (!behind(lasts.get(i), ts) && (best < 0 || ts - lasts.get(i) < ts - lasts.get(best))) {
                    best = i;
                }
            }
            if (best < 0) {
                lasts.add(ts);
            } else {
                lasts.set(best, ts);
            }
        }
        return lasts.size();
    }

    private static String time(DropEvent e) {
        return e.getTimeUnixNano() == 0 ? "unknown time" : Instant.ofEpochSecond(0, e.getTimeUnixNano()).toString();
    }
}
