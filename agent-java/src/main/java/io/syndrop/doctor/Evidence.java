package io.syndrop.doctor;

import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.Sysctls;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What the rules look at: counter deltas (optional), the sysctls, drop events and storm summaries
 * (each possibly none).
 */
final class Evidence {
    static final int MAX_EXAMPLES = 5;

    private final CounterDelta counters;
    private final Sysctls sysctls;
    private final List<DropEvent> events;
    private final List<DropSummary> summaries;

    Evidence(CounterDelta counters, Sysctls sysctls, List<DropEvent> events) {
        this(counters, sysctls, events, List.of());
    }

    Evidence(CounterDelta counters, Sysctls sysctls, List<DropEvent> events, List<DropSummary> summaries) {
        this.summaries = List.copyOf(summaries == null ? List.of() : summaries);
        this.counters = counters;
        this.sysctls = sysctls == null ? Sysctls.empty() : sysctls;
        List<DropEvent> sorted = new ArrayList<>(events == null ? List.of() : events);
        sorted.sort(Comparator.comparingLong(DropEvent::getTimeUnixNano).thenComparingLong(DropEvent::getSeq));
        this.events = List.copyOf(sorted);
    }

    Optional<CounterDelta> counters() {
        return Optional.ofNullable(counters);
    }

    boolean has(String counter) {
        return counters != null && counters.has(counter);
    }

    /** Delta of a counter, 0 when there are no counters or the kernel lacks it. */
    long delta(String counter) {
        if (counters == null) {
            return 0;
        }
        OptionalLong d = counters.delta(counter);
        return d.isPresent() ? Math.max(0, d.getAsLong()) : 0;
    }

    /** Counter evidence for the counters the kernel has, in the given order. */
    List<CounterEvidence> show(String... names) {
        List<CounterEvidence> out = new ArrayList<>();
        for (String n : names) {
            if (has(n)) {
                out.add(new CounterEvidence(n, delta(n)));
            }
        }
        return out;
    }

    Sysctls sysctls() {
        return sysctls;
    }

    OptionalLong sysctl(String name) {
        return sysctls.getLong(name);
    }

    /** "net.ipv4.tcp_syncookies = 0", or a note that it was not recorded. */
    String sysctlFact(String name) {
        return sysctls.get(name).map(v -> name + " = " + v).orElse(name + ": not recorded");
    }

    List<DropEvent> events() {
        return events;
    }

    List<DropEvent> events(Set<Reason> reasons, Set<String> kernelReasons) {
        List<DropEvent> out = new ArrayList<>();
        for (DropEvent e : events) {
            if (reasons.contains(e.getReason())
                    || (e.getReason() == Reason.KERNEL_REASON && kernelReasons.contains(e.getKernelReason()))) {
                out.add(e);
            }
        }
        return out;
    }

    List<DropSummary> summaries() {
        return summaries;
    }

    List<DropSummary> summaries(Set<Reason> reasons) {
        return summaries.stream().filter(s -> reasons.contains(s.getReason())).toList();
    }

    static List<DropEvent> examples(List<DropEvent> events) {
        return events.size() <= MAX_EXAMPLES ? events : events.subList(0, MAX_EXAMPLES);
    }

    /**
     * What the kernel recorded at the drops themselves, as facts: the namespace's tcp_syncookies and
     * tcp_max_syn_backlog at each drop (which may differ from the sysctls sampled afterwards), and
     * this CPU's TcpExt:ListenDrops before and after tcp_conn_request, whose rise by one is the
     * proof that the call dropped the SYN. Empty without events that carry them.
     */
    static List<String> kernelFacts(List<DropEvent> events) {
        List<String> out = new ArrayList<>();
        java.util.Map<String, Integer> settings = new java.util.TreeMap<>();
        for (DropEvent ev : events) {
            if (ev.hasSyncookies() || ev.getMaxSynBacklog() != 0) {
                String k = (ev.hasSyncookies() ? "net.ipv4.tcp_syncookies = " + ev.getSyncookies() : "net.ipv4.tcp_syncookies unknown")
                        + (ev.getMaxSynBacklog() != 0 ? ", net.ipv4.tcp_max_syn_backlog = " + Integer.toUnsignedString(ev.getMaxSynBacklog()) : "");
                settings.merge(k, 1, Integer::sum);
            }
        }
        settings.forEach((k, n) -> out.add("at the drop (kernel, " + n + (n == 1 ? " event" : " events") + "): " + k));
        long proven = events.stream().filter(ev -> ev.hasListenDropsBefore() && ev.hasListenDropsAfter()
                && ev.getListenDropsAfter() - ev.getListenDropsBefore() == 1).count();
        events.stream().filter(DropEvent::hasListenDropsBefore).findFirst().ifPresent(ev -> out.add(
                "TcpExt:ListenDrops of the dropping CPU rose by one over tcp_conn_request for " + proven + " of "
                        + events.size() + " events (e.g. " + Long.toUnsignedString(ev.getListenDropsBefore()) + " -> "
                        + Long.toUnsignedString(ev.getListenDropsAfter()) + " for " + endpoint(ev.getSrcAddr(), ev.getSrcPort()) + ")"));
        return out;
    }

    /** "during 30 s" or "since boot", for explanations. */
    String window() {
        if (counters == null) {
            return "in the given events";
        }
        if (counters.isSinceBoot()) {
            return "since boot";
        }
        return counters.interval().map(d -> "in " + d.toSeconds() + " s").orElse("between the samples");
    }

    /**
     * Who holds the listener, as a finding names it: "nginx (pid 812) in pod ingress-nginx/controller-7d9",
     * "nginx (pid 812) in container web", "nginx (pid 812) of nginx.service"; empty when the event was not resolved.
     */
    static Optional<String> workload(DropEvent e) {
        if (e.getProcessPid() == 0 && e.getPodName().isEmpty() && e.getContainerId().isEmpty()) {
            return Optional.empty();
        }
        StringBuilder w = new StringBuilder();
        if (e.getProcessPid() != 0) {
            w.append(e.getProcessComm()).append(" (pid ").append(Integer.toUnsignedString(e.getProcessPid())).append(')');
        }
        String where = !e.getPodName().isEmpty() ? "pod " + e.getPodNamespace() + "/" + e.getPodName()
                : !e.getContainerName().isEmpty() ? "container " + e.getContainerName()
                : !e.getContainerId().isEmpty() ? "container " + e.getContainerId().substring(0, Math.min(12, e.getContainerId().length()))
                : "";
        if (!where.isEmpty()) {
            w.append(w.length() > 0 ? " in " : "").append(where);
        } else if (!e.getProcessUnit().isEmpty()) {
            w.append(" of ").append(e.getProcessUnit());
        }
        return Optional.of(w.toString());
    }

    static String endpoint(String addr, int port) {
        return (addr.contains(":") ? "[" + addr + "]" : addr) + ":" + port;
    }

    /** One event as a line of evidence: who, where, why, and the timestamps that matter. */
    static String describe(DropEvent e) {
        StringBuilder sb = new StringBuilder();
        sb.append(endpoint(e.getSrcAddr(), e.getSrcPort())).append(" -> ").append(endpoint(e.getDstAddr(), e.getDstPort()));
        sb.append(' ').append(e.getReason() == Reason.KERNEL_REASON ? e.getKernelReason() : e.getReason().name());
        if (e.getTsval() != 0) {
            sb.append(" TSval ").append(Integer.toUnsignedString(e.getTsval()));
        }
        if (e.getCachedTs() != 0) {
            sb.append(" cached ts ").append(Integer.toUnsignedString(e.getCachedTs()));
            if (e.getCachedTsAgeSec() != 0) {
                sb.append(" (").append(e.getCachedTsAgeSec()).append(" s old)");
            }
        }
        if (e.getAcceptQueueMax() != 0) {
            sb.append(" accept queue ").append(e.getAcceptQueueLen()).append('/').append(e.getAcceptQueueMax());
        }
        if (e.getSynQueueMax() != 0) {
            sb.append(" SYN queue ").append(e.getSynQueueLen()).append('/').append(e.getSynQueueMax());
        }
        if (e.getTcpFlags() != 0) {
            sb.append(e.getFinalAck() ? " on the final ACK" : (e.getTcpFlags() & 0x12) == 0x02 ? " on the SYN" : "");
        }
        if (e.hasListenDropsBefore() && e.hasListenDropsAfter()) {
            sb.append(" ListenDrops ").append(Long.toUnsignedString(e.getListenDropsBefore())).append("->")
                    .append(Long.toUnsignedString(e.getListenDropsAfter()));
        }
        return sb.toString();
    }
}
