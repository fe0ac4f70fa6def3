package io.syndrop.doctor;

import static io.syndrop.counters.WatchedCounters.LISTEN_DROPS;
import static io.syndrop.counters.WatchedCounters.LISTEN_OVERFLOWS;

import io.syndrop.counters.Sysctls;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The accept queue was full: the application does not accept() fast enough or its backlog is too small. */
final class AcceptQueueRule implements Rule {
    static final String ID = "accept-queue-overflow";

    @Override
    public List<String> counters() {
        return List.of(LISTEN_OVERFLOWS, LISTEN_DROPS);
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        long overflows = e.delta(LISTEN_OVERFLOWS);
        List<DropEvent> events = e.events(Set.of(Reason.ACCEPT_QUEUE_FULL), Set.of());
        if (overflows == 0 && events.isEmpty()) {
            return Optional.empty();
        }
        List<String> facts = new ArrayList<>();
        Map<String, int[]> listeners = new LinkedHashMap<>();
        Map<String, String> workloads = new LinkedHashMap<>();
        for (DropEvent ev : events) {
            String l = Evidence.endpoint(ev.getDstAddr(), ev.getDstPort());
            int[] agg = listeners.computeIfAbsent(l, k -> new int[3]);
            agg[0]++;
            agg[1] = Math.max(agg[1], ev.getAcceptQueueLen());
            agg[2] = Math.max(agg[2], ev.getAcceptQueueMax());
            Evidence.workload(ev).ifPresent(w -> workloads.putIfAbsent(l, w));
        }
        String somaxconn = e.sysctl(Sysctls.SOMAXCONN).isPresent()
                ? ", somaxconn " + e.sysctl(Sysctls.SOMAXCONN).getAsLong() : "";
        listeners.forEach((l, agg) -> facts.add(workloads.containsKey(l)
                ? "the accept queue of " + workloads.get(l) + " on " + l + " is full: "
                        + (agg[2] == 0 ? "backlog unknown" : "backlog " + agg[2]) + somaxconn + " (" + agg[0] + " drops)"
                : "listener " + l + ": " + agg[0] + " drops, accept queue "
                        + (agg[2] == 0 ? "limit unknown" : agg[1] + "/" + agg[2] + " (limit = min(listen backlog, somaxconn))")));
        facts.add(e.sysctlFact(Sysctls.SOMAXCONN));
        long finalAcks = events.stream().filter(DropEvent::getFinalAck).count();
        long syns = events.stream().filter(ev -> !ev.getFinalAck() && (ev.getTcpFlags() & 0x12) == 0x02).count();
        if (finalAcks + syns > 0) {
            facts.add(syns + " dropped on the SYN (tcp_conn_request: the client retransmits it), " + finalAcks
                    + " on the handshake's final ACK (*_syn_recv_sock: the client believes it is connected)");
        }
        facts.addAll(Evidence.kernelFacts(events.stream().filter(ev -> !ev.getFinalAck()).toList()));
        String explanation = "A listening socket's accept queue (connections that finished the handshake and wait for "
                + "the application's accept()) was full, so the kernel dropped the SYN or the handshake's last ACK "
                + "(TcpExt:ListenOverflows, also counted in ListenDrops): " + overflows + " times " + e.window() + ". "
                + "The application does not accept fast enough, or its listen() backlog, capped by "
                + "net.core.somaxconn, is too small for its bursts.";
        return Optional.of(new Finding(ID, "Accept queue overflows (ListenOverflows)", Severity.CRITICAL,
                e.show(LISTEN_OVERFLOWS, LISTEN_DROPS), facts, Evidence.examples(events), explanation, List.of(
                        new Remedy("See which listener is full: for listening sockets Recv-Q is the queue length and "
                                + "Send-Q the limit",
                                List.of("ss -lnt"),
                                "None: it only reads."),
                        new Remedy("Make the application accept faster (more worker processes or threads, no "
                                + "blocking work in the accept loop)",
                                List.of(),
                                "More workers cost memory and CPU."),
                        new Remedy("Give the listener a longer queue: raise the backlog the application passes to "
                                + "listen() (e.g. nginx `listen 80 backlog=4096;`) and the cap, then restart it",
                                List.of("sysctl -w net.core.somaxconn=4096",
                                        "echo 'net.core.somaxconn = 4096' > /etc/sysctl.d/90-somaxconn.conf"),
                                "somaxconn alone changes nothing until the application asks for more; a longer queue "
                                + "absorbs bursts but also hides a slow application behind added latency."))));
    }
}
