package io.syndrop.doctor;

import static io.syndrop.counters.WatchedCounters.PAWS_ESTAB;
import static io.syndrop.counters.WatchedCounters.PAWS_TIMEWAIT;

import io.syndrop.counters.Sysctls;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * TIME-WAIT PAWS: a SYN that hits a server-side TIME-WAIT socket with an older TSval than the one
 * that socket saw last gets an ACK instead of a SYN-ACK. 6.16+ counts it as PAWSTimewait; older
 * kernels count it in PAWSEstab together with PAWS drops on established connections, so there the
 * counter alone is only a hint and the events decide.
 */
final class TimewaitPawsRule implements Rule {
    static final String ID = "timewait-paws";
    static final String KERNEL_REASON = "TCP_RFC7323_TW_PAWS";

    @Override
    public List<String> counters() {
        return List.of(PAWS_TIMEWAIT, PAWS_ESTAB);
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        List<DropEvent> events = e.events(Set.of(Reason.TIMEWAIT_PAWS), Set.of(KERNEL_REASON));
        boolean precise = e.has(PAWS_TIMEWAIT);
        long count = precise ? e.delta(PAWS_TIMEWAIT) : e.delta(PAWS_ESTAB);
        if (events.isEmpty() && count == 0) {
            return Optional.empty();
        }
        boolean certain = precise || !events.isEmpty();
        List<String> facts = new ArrayList<>();
        if (!precise && e.counters().isPresent()) {
            facts.add("this kernel has no PAWSTimewait counter (before 6.16): TIME-WAIT PAWS rejects are counted in "
                    + "PAWSEstab together with PAWS drops on established connections");
        }
        if (!events.isEmpty()) {
            long sources = events.stream().map(DropEvent::getSrcAddr).distinct().count();
            facts.add(events.size() + " TIME-WAIT PAWS events from " + sources + " source address(es)");
            for (DropEvent ev : Evidence.examples(events)) {
                if (ev.getCachedTs() != 0 && ev.getTsval() != 0) {
                    facts.add(ev.getSrcAddr() + " sent TSval " + Integer.toUnsignedString(ev.getTsval())
                            + " but the TIME-WAIT socket last saw " + Integer.toUnsignedString(ev.getCachedTs()));
                }
            }
        }
        facts.add(e.sysctlFact(Sysctls.TIMESTAMPS));
        String explanation = "A SYN reused the addresses and ports of a connection this server had closed and still "
                + "held in TIME-WAIT, and its TCP timestamp was older than the last one seen on that connection, so "
                + "PAWS (RFC 7323) rejected it: the client got an ACK instead of a SYN-ACK and retries after a timeout. "
                + "This happens when several hosts behind one NAT reuse a source port towards a server that closes "
                + "connections first, each host with its own timestamp clock.";
        if (!certain) {
            explanation += " Without drop events the PAWSEstab count cannot tell these apart from PAWS drops on "
                    + "established connections: run syndrop with eBPF events to confirm.";
        }
        String title = certain ? "SYNs rejected by PAWS on TIME-WAIT sockets (NAT'd clients reusing ports)"
                : "PAWS rejects that may be TIME-WAIT PAWS on SYNs (PAWSEstab rising)";
        return Optional.of(new Finding(ID, title, certain ? Severity.CRITICAL : Severity.WARNING,
                e.show(PAWS_TIMEWAIT, PAWS_ESTAB), facts, Evidence.examples(events), explanation, remedies()));
    }

    static List<Remedy> remedies() {
        return List.of(
                new Remedy("Let clients close first, or keep connections open (HTTP keep-alive, connection pools), "
                        + "so the server does not hold TIME-WAIT for them",
                        List.of(),
                        "Idle kept-alive connections hold a socket and some memory on both sides."),
                new Remedy("On the NAT in front of the clients, randomise source ports so that hosts rarely reuse "
                        + "one another's ports (replace the existing MASQUERADE/SNAT rule)",
                        List.of("iptables -t nat -A POSTROUTING -s CLIENT_SUBNET -o OUT_IF -j MASQUERADE --random-fully"),
                        "Needs iptables 1.6.2+ and kernel 3.13+; it makes collisions rare, not impossible."),
                new Remedy("Last resort on the server: stop using TCP timestamps",
                        List.of("sysctl -w net.ipv4.tcp_timestamps=0"),
                        "Removes PAWS protection against wrapped sequence numbers on fast long transfers and the "
                        + "timestamp-based RTT measurement for every connection of this host."));
    }
}
