package io.syndrop.filter;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Filter;
import io.syndrop.proto.v1.Reason;
import io.syndrop.proto.v1.WatchItem;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The filters of `syndrop watch`, Agent.Watch and Collector.Subscribe (the proto Filter message):
 * empty dimensions match everything. The probes push what they can into the kernel and this
 * class applies the whole filter again in Java, so the result is the same on every backend.
 */
public final class EventFilter {
    public static final EventFilter ALL = new EventFilter(List.of(), List.of(), List.of(), EnumSet.noneOf(Reason.class));

    private final List<Integer> ports;
    private final List<Cidr> srcCidrs;
    private final List<Long> netnsInos;
    private final Set<Reason> reasons;
    private final WorkloadFilter workload;

    public EventFilter(List<Integer> ports, List<Cidr> srcCidrs, List<Long> netnsInos, Set<Reason> reasons) {
        this(ports, srcCidrs, netnsInos, reasons, WorkloadFilter.ANY);
    }

    public EventFilter(List<Integer> ports, List<Cidr> srcCidrs, List<Long> netnsInos, Set<Reason> reasons,
                       WorkloadFilter workload) {
        this.ports = List.copyOf(ports);
        this.srcCidrs = List.copyOf(srcCidrs);
        this.netnsInos = List.copyOf(netnsInos);
        this.reasons = reasons.isEmpty() ? EnumSet.noneOf(Reason.class) : EnumSet.copyOf(reasons);
        this.workload = workload;
    }

    /** This filter, also keeping only events of the given workloads. */
    public EventFilter withWorkload(WorkloadFilter w) {
        return new EventFilter(ports, srcCidrs, netnsInos, reasons, w);
    }

    /**
     * The filter a remote client sent. IllegalArgumentException names the proto field at fault, so
     * the client learns which part of its request to fix.
     */
    public static EventFilter fromProto(Filter f) {
        for (int p : f.getPortsList()) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("ports: " + Integer.toUnsignedString(p) + " is not a port number 1-65535");
            }
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (String c : f.getSrcCidrsList()) {
            try {
                cidrs.add(Cidr.parse(c));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("src_cidrs: " + e.getMessage());
            }
        }
        // An unknown reason dropped silently would widen the filter to every reason.
        Set<Reason> rs = EnumSet.noneOf(Reason.class);
        for (int i = 0; i < f.getReasonsCount(); i++) {
            Reason r = f.getReasons(i);
            if (r == Reason.UNRECOGNIZED || r == Reason.REASON_UNSPECIFIED) {
                throw new IllegalArgumentException("reasons: " + f.getReasonsValue(i) + " is not a drop reason this node knows");
            }
            rs.add(r);
        }
        WorkloadFilter w = WorkloadFilter.of(f.getPodsList(), f.getK8SNamespacesList(), f.getContainersList(),
                f.getProcessesList());
        return new EventFilter(f.getPortsList(), cidrs, f.getNetnsInosList(), rs, w);
    }

    public Filter toProto() {
        Filter.Builder b = Filter.newBuilder().addAllPorts(ports).addAllNetnsInos(netnsInos).addAllReasons(reasons);
        workload.addTo(b);
        for (Cidr c : srcCidrs) {
            b.addSrcCidrs(c.toString());
        }
        return b.build();
    }

    /** Reason names as users type them: TIMEWAIT_PAWS, timewait_paws. */
    public static Reason parseReason(String s) {
        try {
            Reason r = Reason.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
            if (r != Reason.REASON_UNSPECIFIED && r != Reason.UNRECOGNIZED) {
                return r;
            }
        } catch (IllegalArgumentException ignored) {
            // fall through
        }
        StringBuilder names = new StringBuilder();
        for (Reason r : Reason.values()) {
            if (r != Reason.REASON_UNSPECIFIED && r != Reason.UNRECOGNIZED) {
                names.append(names.length() == 0 ? "" : ", ").append(r.name());
            }
        }
        throw new IllegalArgumentException("unknown reason '" + s + "'; one of " + names);
    }

    /**
     * Loss records and counter samples always pass: they explain gaps in what a viewer sees. A
     * storm summary passes by its key.
     */
    public boolean matches(WatchItem item) {
        if (item.hasSummary()) {
            return matches(item.getSummary());
        }
        return !item.hasEvent() || matches(item.getEvent());
    }

    /**
     * A storm summary matches by its key: reason, listener port and namespace as an event does, and
     * its source prefix when it overlaps one of the filter's CIDRs (a /24 summary is shown to a
     * filter on one of its addresses, whose drops it counts among others'; a filter on 10.0.0.0/8
     * sees every summary inside it). A summary has no workload: with a workload filter it never
     * matches, as unresolved events do not. The overflow record (drops whose keys did not fit the
     * kernel's map, of any listener or source) matches by reason only: like a loss record it
     * explains what a viewer may be missing.
     */
    public boolean matches(DropSummary s) {
        if (!reasons.isEmpty() && !reasons.contains(s.getReason())) {
            return false;
        }
        if (s.getOverflow()) {
            return true;
        }
        if (!ports.isEmpty() && !ports.contains(s.getDstPort())) {
            return false;
        }
        if (!netnsInos.isEmpty() && !netnsInos.contains(s.getNetnsIno())) {
            return false;
        }
        if (!workload.isAny()) {
            return false;
        }
        if (srcCidrs.isEmpty()) {
            return true;
        }
        Cidr prefix;
        try {
            prefix = Cidr.parse(s.getSrcPrefix());
        } catch (IllegalArgumentException e) {
            return false; // no prefix (or not one) is no source: a source filter leaves it out
        }
        for (Cidr c : srcCidrs) {
            if (c.overlaps(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** True when every event matches (no field and no workload filter): the drain may skip building events for it. */
    public boolean passesAll() {
        return ports.isEmpty() && srcCidrs.isEmpty() && netnsInos.isEmpty() && reasons.isEmpty() && workload.isAny();
    }

    public boolean matches(DropEvent e) {
        if (!reasons.isEmpty() && !reasons.contains(e.getReason())) {
            return false;
        }
        if (!ports.isEmpty() && !ports.contains(e.getDstPort())) {
            return false;
        }
        if (!netnsInos.isEmpty() && !netnsInos.contains(e.getNetnsIno())) {
            return false;
        }
        if (!workload.matches(e)) {
            return false;
        }
        if (!srcCidrs.isEmpty()) {
            for (Cidr c : srcCidrs) {
                if (c.contains(e.getSrcAddr())) {
                    return true;
                }
            }
            return false;
        }
        return true;
    }

    public List<Integer> ports() {
        return ports;
    }

    public List<Cidr> srcCidrs() {
        return srcCidrs;
    }

    public List<Long> netnsInos() {
        return netnsInos;
    }

    public Set<Reason> reasons() {
        return reasons;
    }

    public WorkloadFilter workload() {
        return workload;
    }
}
