package io.syndrop.doctor;

import static io.syndrop.counters.WatchedCounters.LISTEN_DROPS;
import static io.syndrop.counters.WatchedCounters.LISTEN_OVERFLOWS;

import io.syndrop.counters.Sysctls;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An accept-queue storm, named from storm summaries: a listener's accept queue overflows on every
 * connection at a storm's rate or beyond its detail rate limit. These are handshakes that
 * completed, so the peers are real: the application is not accepting, or its backlog is too
 * small. The listener's backlog comes from its detailed events (accept_queue_max), set against
 * net.core.somaxconn to tell which of the two caps it.
 */
final class AcceptQueueStormRule implements Rule {
    static final String ID = "accept-queue-storm";

    @Override
    public List<String> counters() {
        return List.of(LISTEN_OVERFLOWS, LISTEN_DROPS);
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        List<DropSummary> summaries = e.summaries(Set.of(Reason.ACCEPT_QUEUE_FULL));
        OptionalLong somaxconn = e.sysctl(Sysctls.SOMAXCONN);
        List<String> facts = new ArrayList<>();
        List<DropEvent> examples = new ArrayList<>();
        long total = 0;
        long rate = 0;
        String first = null;
        for (Map.Entry<StormTally.Listener, StormTally> l : StormTally.byListener(summaries).entrySet()) {
            StormTally t = l.getValue();
            if (!t.storming()) {
                continue;
            }
            StormTally.Listener who = l.getKey();
            first = first == null ? who.label() : first;
            total += t.count;
            rate += t.rate();
            String workload = StormTally.workload(who, e.events()).map(w -> " held by " + w).orElse("");
            facts.add("accept-queue storm on listener " + who.label() + workload + ": "
                    + t.describe("SYNs or final ACKs dropped"));
            facts.add(backlogFact(StormTally.max(who, e.events(), DropEvent::getAcceptQueueMax), somaxconn));
            facts.add(t.sourcesFact());
            for (DropEvent ev : e.events(Set.of(Reason.ACCEPT_QUEUE_FULL), Set.of())) {
                if (who.owns(ev) && examples.size() < Evidence.MAX_EXAMPLES) {
                    examples.add(ev);
                }
            }
        }
        if (first == null) {
            return Optional.empty();
        }
        facts.add(e.sysctlFact(Sysctls.SOMAXCONN));
        String explanation = "An accept-queue storm: " + total + " connections (about " + rate + "/s) were dropped at "
                + first + " because its accept queue was full. They finished the handshake, so their peers are real: "
                + "the application does not call accept() as fast as connections arrive (stuck, overloaded, or "
                + "blocking in its accept loop), or its listen() backlog, capped by net.core.somaxconn, is too small "
                + "for its bursts. The storm summaries count every drop exactly, including those not sent as events.";
        return Optional.of(new Finding(ID, "Accept-queue storm (from storm summaries)", Severity.CRITICAL,
                e.show(LISTEN_OVERFLOWS, LISTEN_DROPS), facts, examples, explanation, List.of(
                        new Remedy("See the listener's queue now: for a listening socket Recv-Q is the accept "
                                + "queue's length and Send-Q its limit; then look at what the application is doing",
                                List.of("ss -lnt"),
                                "None: it only reads."),
                        new Remedy("Make the application accept faster (more workers, no blocking work between "
                                + "accept() calls) or fix what stalls it",
                                List.of(),
                                "More workers cost memory and CPU."),
                        new Remedy("Give the listener a longer queue: raise the backlog the application passes to "
                                + "listen() and net.core.somaxconn, which caps it, then restart the application",
                                List.of("sysctl -w net.core.somaxconn=4096",
                                        "echo 'net.core.somaxconn = 4096' > /etc/sysctl.d/90-somaxconn.conf"),
                                "A longer queue absorbs bursts, but a stalled application only fills it later, "
                                + "with added latency for every client."))));
    }

    /** The listener's backlog against somaxconn: which one is the limit. */
    static String backlogFact(int backlog, OptionalLong somaxconn) {
        if (backlog == 0) {
            return "backlog: unknown (no detailed event of this listener carried its accept queue limit)";
        }
        if (somaxconn.isEmpty()) {
            return "backlog " + backlog + " (the accept queue limit, min(listen() backlog, somaxconn))";
        }
        long cap = somaxconn.getAsLong();
        return backlog < cap
                ? "backlog " + backlog + " < somaxconn " + cap + ": the application asked listen() for " + backlog
                        + "; raising somaxconn alone changes nothing"
                : "backlog " + backlog + " = somaxconn " + cap + ": somaxconn caps the application's listen() backlog";
    }
}
