package io.syndrop.doctor;

import static io.syndrop.counters.WatchedCounters.LISTEN_DROPS;
import static io.syndrop.counters.WatchedCounters.REQQ_FULL_DROP;

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
 * A SYN flood, named from storm summaries: a listener drops SYNs for lack of SYN queue room
 * (SYN_QUEUE_FULL, or PEER_UNPROVEN with syncookies off) at a storm's rate or beyond its detail
 * rate limit. The summaries give what events cannot in a storm: the exact count, the rate, and
 * the sources by prefix, which tell a flood from one place from a distributed one.
 */
final class SynFloodRule implements Rule {
    static final String ID = "syn-flood";
    private static final Set<Reason> REASONS = Set.of(Reason.SYN_QUEUE_FULL, Reason.PEER_UNPROVEN);

    @Override
    public List<String> counters() {
        return List.of(REQQ_FULL_DROP, LISTEN_DROPS);
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        List<DropSummary> summaries = e.summaries(REASONS);
        List<String> facts = new ArrayList<>();
        List<DropEvent> examples = new ArrayList<>();
        long total = 0;
        long rate = 0;
        int prefixes = 0;
        double topShare = 0;
        String firstListener = null;
        for (Map.Entry<StormTally.Listener, StormTally> l : StormTally.byListener(summaries).entrySet()) {
            StormTally t = l.getValue();
            if (!t.storming()) {
                continue;
            }
            StormTally.Listener who = l.getKey();
            firstListener = firstListener == null ? who.label() : firstListener;
            total += t.count;
            rate += t.rate();
            prefixes = Math.max(prefixes, t.sources());
            topShare = Math.max(topShare, t.topShare());
            String workload = StormTally.workload(who, e.events()).map(w -> " held by " + w).orElse("");
            int synMax = StormTally.max(who, e.events(), DropEvent::getSynQueueMax);
            facts.add("SYN flood on listener " + who.label() + workload + ": " + t.describe("SYNs dropped")
                    + (synMax == 0 ? "" : "; SYN queue limit " + synMax));
            facts.add(t.sourcesFact());
            for (DropEvent ev : e.events(REASONS, Set.of())) {
                if (who.owns(ev) && examples.size() < Evidence.MAX_EXAMPLES) {
                    examples.add(ev);
                }
            }
        }
        if (firstListener == null) {
            return Optional.empty();
        }
        facts.add(e.sysctlFact(Sysctls.SYNCOOKIES));
        facts.add(e.sysctlFact(Sysctls.MAX_SYN_BACKLOG));
        facts.add(e.sysctlFact(Sysctls.SOMAXCONN));
        OptionalLong cookies = e.sysctl(Sysctls.SYNCOOKIES);
        boolean cookiesOn = cookies.isPresent() && cookies.getAsLong() != 0;
        String where = topShare >= 0.9 ? "almost all from one prefix, so a single source or a spoofer within one /24 or /64"
                : "spread over " + prefixes + " source prefix(es), so distributed or spoofed across many networks";
        String explanation = "A SYN flood: " + total + " SYNs (about " + rate + "/s) were dropped at " + firstListener
                + " because its SYN queue had no room for more half-open connections, " + where + ". The storm "
                + "summaries count every drop exactly, including those not sent as events by the rate limit. "
                + (cookiesOn ? "Syncookies are on, yet SYNs were still dropped for the SYN queue: check that "
                        + "net.ipv4.tcp_syncookies is 1 in the listener's own network namespace."
                        : "With net.ipv4.tcp_syncookies=1 the kernel answers an overflowing SYN queue with cookies, "
                        + "so the flood no longer exhausts the queue that real clients need.");
        // Twice today's SYN backlog, within 4096..65535: room for real clients' bursts, not for the flood.
        long backlog = Math.min(65535, Math.max(4096, 2 * e.sysctl(Sysctls.MAX_SYN_BACKLOG).orElse(0)));
        return Optional.of(new Finding(ID, "SYN flood (from storm summaries)", Severity.CRITICAL,
                e.show(REQQ_FULL_DROP, LISTEN_DROPS), facts, examples, explanation, List.of(
                        new Remedy("Turn syncookies on, so that a full SYN queue answers with cookies instead of "
                                + "dropping (in every network namespace that listens)",
                                List.of("sysctl -w net.ipv4.tcp_syncookies=1",
                                        "echo 'net.ipv4.tcp_syncookies = 1' > /etc/sysctl.d/90-syncookies.conf"),
                                "Cookie connections lose the TCP options a cookie cannot carry (window scaling and "
                                + "SACK survive only with timestamps on); 1 is the kernel's usual default."),
                        new Remedy("Size the SYN queue for the legitimate connection rate: raise tcp_max_syn_backlog "
                                + "and the listener's backlog (the SYN queue is bounded by both, the backlog by "
                                + "somaxconn), then restart the listener",
                                List.of("sysctl -w net.ipv4.tcp_max_syn_backlog=" + backlog,
                                        "sysctl -w net.core.somaxconn=" + backlog),
                                "Memory for each half-open connection; a flood of " + rate + "/s fills any queue "
                                + "within seconds, so this helps real clients only together with syncookies."),
                        new Remedy("Filter the flood upstream or rate-limit SYNs from its prefixes before the "
                                + "listener (the sources above), and watch it live",
                                List.of("ss -nt state syn-recv", "syndrop watch --reason SYN_QUEUE_FULL"),
                                "A filter on prefixes also drops the legitimate clients inside them."))));
    }
}
