package io.syndrop.doctor;

import static io.syndrop.counters.WatchedCounters.LISTEN_DROPS;
import static io.syndrop.counters.WatchedCounters.PAWS_PASSIVE;

import io.syndrop.counters.Sysctls;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The seed's problem: kernels before 4.12 with tcp_tw_recycle=1 drop SYNs whose timestamp is older
 * than the per-peer cached one (PAWSPassive). With the setting on and no drops yet, it is a latent risk.
 */
final class TwRecycleRule implements Rule {
    static final String ID = "tw-recycle-paws-passive";
    static final String LATENT_ID = "tw-recycle-enabled";

    @Override
    public List<String> counters() {
        return List.of(PAWS_PASSIVE);
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        long paws = e.delta(PAWS_PASSIVE);
        List<DropEvent> events = e.events(Set.of(Reason.PAWS_PASSIVE_REJECTED), Set.of());
        OptionalLong recycle = e.sysctl(Sysctls.TW_RECYCLE);
        boolean on = recycle.isPresent() && recycle.getAsLong() != 0;
        if (paws == 0 && events.isEmpty()) {
            return on ? Optional.of(latent(e)) : Optional.empty();
        }
        List<String> facts = new ArrayList<>();
        if (recycle.isEmpty()) {
            facts.add(Sysctls.TW_RECYCLE + ": not recorded (PAWSPassive only counts while it is 1; before 4.11 it is "
                    + "a host-wide setting that a container's namespace does not show)");
        } else if (!on) {
            facts.add(Sysctls.TW_RECYCLE + " = 0 now: it was 1 while these drops happened, or it was switched off since");
        } else {
            facts.add(e.sysctlFact(Sysctls.TW_RECYCLE));
        }
        facts.add(e.sysctlFact(Sysctls.TIMESTAMPS));
        if (!events.isEmpty()) {
            facts.add(events.size() + " PAWS_PASSIVE_REJECTED events from "
                    + events.stream().map(DropEvent::getSrcAddr).distinct().count() + " source address(es)");
        }
        String explanation = "With net.ipv4.tcp_tw_recycle=1 (kernels before 4.12) the server remembers the last TCP "
                + "timestamp seen from each peer address and silently drops a SYN whose TSval is older than that "
                + "(TcpExt:PAWSPassive, also counted in ListenDrops); " + paws + " SYNs were dropped this way " + e.window() + ". "
                + "Clients behind one NAT or load balancer share a source address but not a timestamp clock, so their "
                + "SYNs look like old duplicates and get no SYN-ACK: the browser waits, retries and reports the "
                + "connection as refused.";
        return Optional.of(new Finding(ID, "SYNs dropped by tcp_tw_recycle's per-peer timestamp check (PAWSPassive)",
                Severity.CRITICAL, e.show(PAWS_PASSIVE, LISTEN_DROPS), facts, Evidence.examples(events),
                explanation, remedies()));
    }

    private Finding latent(Evidence e) {
        String explanation = "net.ipv4.tcp_tw_recycle is 1, so this kernel drops any SYN whose TCP timestamp is older "
                + "than the last one cached for its source address. No SYN was dropped that way " + e.window()
                + ", but the first clients that reach this server through a shared NAT address will see "
                + "intermittent connection failures.";
        return new Finding(LATENT_ID, "tcp_tw_recycle is on: NAT'd clients will lose SYNs", Severity.WARNING,
                e.show(PAWS_PASSIVE), List.of(e.sysctlFact(Sysctls.TW_RECYCLE), e.sysctlFact(Sysctls.TIMESTAMPS)),
                List.of(), explanation, remedies());
    }

    static List<Remedy> remedies() {
        return List.of(
                new Remedy("Turn tcp_tw_recycle off now (on kernels before 4.11 it is one global setting: run it "
                        + "on the host, not in a container)",
                        List.of("sysctl -w net.ipv4.tcp_tw_recycle=0"),
                        "TIME-WAIT sockets last their full 60 s again, so a server that closes many short "
                        + "connections keeps more of them; they cost little memory and tcp_max_tw_buckets caps them."),
                new Remedy("Keep it off after a reboot: remove every line that sets it to 1 and add one that sets 0",
                        List.of("grep -rn tcp_tw_recycle /etc/sysctl.conf /etc/sysctl.d/",
                                "echo 'net.ipv4.tcp_tw_recycle = 0' > /etc/sysctl.d/90-no-tw-recycle.conf",
                                "sysctl --system"),
                        "Files are applied in name order and the last one wins: a later file that sets 1 "
                        + "undoes this one."),
                new Remedy("If it was turned on to save local ports for outgoing connections, use tcp_tw_reuse "
                        + "instead",
                        List.of("sysctl -w net.ipv4.tcp_tw_reuse=1"),
                        "Only outgoing connections (this host as a client) reuse TIME-WAIT ports, guarded by "
                        + "timestamps, which is safe behind NAT; it does nothing for incoming connections."));
    }
}
