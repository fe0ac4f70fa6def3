package io.syndrop.doctor;

import static io.syndrop.counters.WatchedCounters.LISTEN_DROPS;
import static io.syndrop.counters.WatchedCounters.LISTEN_OVERFLOWS;
import static io.syndrop.counters.WatchedCounters.PAWS_PASSIVE;
import static io.syndrop.counters.WatchedCounters.REQQ_FULL_DROP;

import io.syndrop.counters.Sysctls;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * ListenDrops that no specific counter explains while syncookies are on (with them off, {@link SynQueueRule}
 * reads the same remainder as PEER_UNPROVEN drops). Memory or route failures while creating the
 * request or child socket end up here.
 */
final class OtherListenDropsRule implements Rule {
    static final String ID = "listen-drops-other";

    @Override
    public List<String> counters() {
        return List.of(LISTEN_DROPS);
    }

    /** The sampled syncookies, and the kernel's ListenDrops proof from the CONN_REQUEST_OTHER events, if any. */
    private static List<String> otherFacts(Evidence e) {
        List<String> facts = new java.util.ArrayList<>(List.of(e.sysctlFact(Sysctls.SYNCOOKIES)));
        facts.addAll(Evidence.kernelFacts(e.events(java.util.Set.of(io.syndrop.proto.v1.Reason.CONN_REQUEST_OTHER), java.util.Set.of())));
        return facts;
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        OptionalLong cookies = e.sysctl(Sysctls.SYNCOOKIES);
        if (cookies.isPresent() && cookies.getAsLong() == 0) {
            return Optional.empty();
        }
        long other = SynQueueRule.unexplainedListenDrops(e);
        if (other == 0) {
            return Optional.empty();
        }
        String explanation = other + " SYNs or handshakes were dropped by listeners " + e.window() + " (ListenDrops) "
                + "without any of the specific counters (ListenOverflows, TCPReqQFullDrop, PAWSPassive) explaining "
                + "them. Failures to allocate the request or child socket, a missing route back to the client, or an "
                + "LSM/BPF policy refusing the connection end up here; drop events name the path.";
        return Optional.of(new Finding(ID, "Listen drops with no specific counter", Severity.WARNING,
                e.show(LISTEN_DROPS, LISTEN_OVERFLOWS, REQQ_FULL_DROP, PAWS_PASSIVE),
                otherFacts(e), Evidence.examples(e.events(java.util.Set.of(io.syndrop.proto.v1.Reason.CONN_REQUEST_OTHER), java.util.Set.of())),
                explanation, List.of(
                        new Remedy("Record drop events to see the path: run syndrop with an eBPF attach mode",
                                List.of("syndrop watch"), "Needs root and a kernel with BPF tracing."),
                        new Remedy("Look for memory pressure and routing problems",
                                List.of("cat /proc/net/sockstat", "ip route get CLIENT_IP"), "None: they only read."))));
    }
}
