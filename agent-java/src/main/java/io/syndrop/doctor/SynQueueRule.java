package io.syndrop.doctor;

import static io.syndrop.counters.WatchedCounters.LISTEN_DROPS;
import static io.syndrop.counters.WatchedCounters.LISTEN_OVERFLOWS;
import static io.syndrop.counters.WatchedCounters.PAWS_PASSIVE;
import static io.syndrop.counters.WatchedCounters.REQQ_FULL_DROP;

import io.syndrop.counters.Sysctls;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * SYNs dropped for lack of room for half-open connections: SYN queue full without a usable
 * syncookie (TCPReqQFullDrop), or, with tcp_syncookies=0, the "peer not proven" drop when the SYN
 * backlog is over 3/4 full. That second path has no counter of its own; with syncookies off it is
 * what remains of ListenDrops after the drops other counters explain.
 */
final class SynQueueRule implements Rule {
    static final String ID = "syn-queue-drops";

    @Override
    public List<String> counters() {
        return List.of(REQQ_FULL_DROP, LISTEN_DROPS);
    }

    /** ListenDrops that no more specific counter explains. */
    static long unexplainedListenDrops(Evidence e) {
        return Math.max(0, e.delta(LISTEN_DROPS) - e.delta(LISTEN_OVERFLOWS) - e.delta(REQQ_FULL_DROP) - e.delta(PAWS_PASSIVE));
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        long full = e.delta(REQQ_FULL_DROP);
        List<DropEvent> events = e.events(Set.of(Reason.SYN_QUEUE_FULL, Reason.PEER_UNPROVEN), Set.of());
        OptionalLong cookies = e.sysctl(Sysctls.SYNCOOKIES);
        boolean cookiesOff = cookies.isPresent() && cookies.getAsLong() == 0;
        long unproven = cookiesOff ? unexplainedListenDrops(e) : 0;
        if (full == 0 && events.isEmpty() && unproven == 0) {
            return Optional.empty();
        }
        List<String> facts = new ArrayList<>();
        facts.add(e.sysctlFact(Sysctls.SYNCOOKIES));
        facts.add(e.sysctlFact(Sysctls.MAX_SYN_BACKLOG));
        facts.add(e.sysctlFact(Sysctls.SOMAXCONN));
        if (unproven > 0) {
            facts.add(unproven + " ListenDrops are not explained by ListenOverflows, TCPReqQFullDrop or PAWSPassive: "
                    + "with syncookies off this is the PEER_UNPROVEN drop (SYN backlog over 3/4 full)");
        }
        long unprovenEvents = events.stream().filter(ev -> ev.getReason() == Reason.PEER_UNPROVEN).count();
        if (!events.isEmpty()) {
            facts.add(events.size() + " events: " + (events.size() - unprovenEvents) + " SYN_QUEUE_FULL, "
                    + unprovenEvents + " PEER_UNPROVEN");
            facts.addAll(Evidence.kernelFacts(events));
        }
        String explanation = "SYNs were dropped because the listener had no room for more half-open connections: "
                + "its SYN queue was full and no syncookie could be sent (TcpExt:TCPReqQFullDrop), or, with "
                + "net.ipv4.tcp_syncookies=0, the SYN backlog was over 3/4 full and the kernel kept the rest for peers it "
                + "already knew (PEER_UNPROVEN). This points to a SYN flood, or to tcp_max_syn_backlog and the listen "
                + "backlog being too small for the connection rate.";
        return Optional.of(new Finding(ID, "SYNs dropped for lack of SYN queue room"
                + (cookiesOff ? " (syncookies off)" : ""), Severity.CRITICAL,
                e.show(REQQ_FULL_DROP, LISTEN_DROPS, LISTEN_OVERFLOWS), facts, Evidence.examples(events),
                explanation, List.of(
                        new Remedy("Turn syncookies on, so that an overflowing SYN queue answers with cookies "
                                + "instead of dropping",
                                List.of("sysctl -w net.ipv4.tcp_syncookies=1",
                                        "echo 'net.ipv4.tcp_syncookies = 1' > /etc/sysctl.d/90-syncookies.conf"),
                                "Connections set up by a cookie lose the TCP options the cookie cannot carry "
                                + "(window scaling and SACK survive only with timestamps on); 1 is the usual default."),
                        new Remedy("Give half-open connections more room: raise tcp_max_syn_backlog and the "
                                + "listener's backlog (the effective SYN queue is bounded by both)",
                                List.of("sysctl -w net.ipv4.tcp_max_syn_backlog=4096",
                                        "sysctl -w net.core.somaxconn=4096"),
                                "A few hundred bytes of memory per half-open connection; under a real flood a "
                                + "bigger queue only delays the overflow."),
                        new Remedy("If it is a flood, see where the half-open connections come from and filter "
                                + "them upstream",
                                List.of("ss -nt state syn-recv"),
                                "None: it only reads."))));
    }
}
