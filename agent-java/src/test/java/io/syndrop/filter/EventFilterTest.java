package io.syndrop.filter;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.proto.v1.Filter;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventFilterTest {
    private static final DropEvent E = DropEvent.newBuilder().setSrcAddr("10.1.2.3").setDstPort(443)
            .setNetnsIno(77).setReason(Reason.TIMEWAIT_PAWS).build();

    @Test
    void emptyFilterMatchesEverything() {
        assertTrue(EventFilter.ALL.matches(E));
    }

    @Test
    void eachDimensionFilters() {
        assertTrue(filter(List.of(443), List.of(), List.of(), EnumSet.noneOf(Reason.class)).matches(E));
        assertFalse(filter(List.of(80), List.of(), List.of(), EnumSet.noneOf(Reason.class)).matches(E));
        assertTrue(filter(List.of(), List.of("10.0.0.0/8"), List.of(), EnumSet.noneOf(Reason.class)).matches(E));
        assertFalse(filter(List.of(), List.of("10.1.2.4/32"), List.of(), EnumSet.noneOf(Reason.class)).matches(E));
        assertTrue(filter(List.of(), List.of("192.0.2.0/24", "10.1.2.0/24"), List.of(), EnumSet.noneOf(Reason.class)).matches(E));
        assertFalse(filter(List.of(), List.of("fd00::/8"), List.of(), EnumSet.noneOf(Reason.class)).matches(E));
        assertFalse(filter(List.of(), List.of(), List.of(78L), EnumSet.noneOf(Reason.class)).matches(E));
        assertTrue(filter(List.of(), List.of(), List.of(), EnumSet.of(Reason.TIMEWAIT_PAWS)).matches(E));
        assertFalse(filter(List.of(), List.of(), List.of(), EnumSet.of(Reason.ACCEPT_QUEUE_FULL)).matches(E));
    }

    @Test
    void aSummaryMatchesByItsKeyAndItsPrefixOverlappingTheCidr() {
        DropSummary s = DropSummary.newBuilder().setSrcPrefix("10.1.2.0/24").setDstPort(443).setNetnsIno(77)
                .setReason(Reason.SYN_QUEUE_FULL).setCount(1000).setDetailed(10).build();
        WatchItem item = WatchItem.newBuilder().setSummary(s).build();
        EnumSet<Reason> none = EnumSet.noneOf(Reason.class);
        assertTrue(EventFilter.ALL.matches(item));
        assertTrue(filter(List.of(443), List.of(), List.of(77L), EnumSet.of(Reason.SYN_QUEUE_FULL)).matches(item));
        assertFalse(filter(List.of(80), List.of(), List.of(), none).matches(item));
        assertFalse(filter(List.of(), List.of(), List.of(78L), none).matches(item));
        assertFalse(filter(List.of(), List.of(), List.of(), EnumSet.of(Reason.ACCEPT_QUEUE_FULL)).matches(item));
        assertTrue(filter(List.of(), List.of("10.0.0.0/8"), List.of(), none).matches(item), "the filter holds the prefix");
        assertTrue(filter(List.of(), List.of("10.1.2.3/32"), List.of(), none).matches(item), "the prefix holds the filter's host");
        assertFalse(filter(List.of(), List.of("10.1.3.0/24"), List.of(), none).matches(item), "disjoint");
        assertFalse(filter(List.of(), List.of("fd00::/8"), List.of(), none).matches(item));
        DropSummary v6 = s.toBuilder().setSrcPrefix("2001:db8:1::/64").build();
        assertTrue(filter(List.of(), List.of("2001:db8::/32"), List.of(), none).matches(v6));
        assertFalse(filter(List.of(), List.of("2001:db8:2::/64"), List.of(), none).matches(v6));
        assertFalse(filter(List.of(), List.of("10.0.0.0/8"), List.of(), none).matches(s.toBuilder().setSrcPrefix("").build()),
                "no prefix is no source");
        DropSummary overflow = DropSummary.newBuilder().setOverflow(true).setReason(Reason.SYN_QUEUE_FULL).setCount(5).build();
        assertTrue(filter(List.of(443), List.of("10.1.2.3/32"), List.of(77L), EnumSet.of(Reason.SYN_QUEUE_FULL)).matches(overflow),
                "the overflow record's drops may be anyone's: it matches by reason only");
        assertFalse(filter(List.of(), List.of(), List.of(), EnumSet.of(Reason.ACCEPT_QUEUE_FULL)).matches(overflow));
        assertFalse(EventFilter.ALL.withWorkload(WorkloadFilter.of(List.of("web/a"), List.of(), List.of(), List.of())).matches(s),
                "a summary has no workload");
    }

    @Test
    void roundTripsThroughTheProtoFilter() {
        EventFilter f = filter(List.of(443, 80), List.of("fd00::/8"), List.of(5L), EnumSet.of(Reason.PEER_UNPROVEN));
        Filter p = f.toProto();
        EventFilter back = EventFilter.fromProto(p);
        assertEquals(p, back.toProto());
    }

    private static final DropEvent NAMED = DropEvent.newBuilder().setDstPort(80).setProcessPid(812).setProcessComm("nginx")
            .setContainerId("3f4e5d6c7b8a9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766").setContainerName("controller")
            .setPodNamespace("ingress-nginx").setPodName("ingress-nginx-controller-7d9").build();

    @Test
    void workloadDimensionsMatchResolvedIdentityOnly() {
        assertTrue(workload(List.of("ingress-nginx/ingress-nginx-controller-7d9"), List.of(), List.of(), List.of()).matches(NAMED));
        assertFalse(workload(List.of("ingress-nginx/other"), List.of(), List.of(), List.of()).matches(NAMED));
        assertTrue(workload(List.of(), List.of("ingress-nginx"), List.of(), List.of()).matches(NAMED));
        assertFalse(workload(List.of(), List.of("default"), List.of(), List.of()).matches(NAMED));
        assertTrue(workload(List.of(), List.of(), List.of("controller"), List.of()).matches(NAMED));
        assertTrue(workload(List.of(), List.of(), List.of("3f4e5d6c7b8a"), List.of()).matches(NAMED), "docker ps's short id");
        assertFalse(workload(List.of(), List.of(), List.of("3f4e5d"), List.of()).matches(NAMED), "too short a prefix");
        assertTrue(workload(List.of(), List.of(), List.of(), List.of("nginx")).matches(NAMED));
        assertTrue(workload(List.of(), List.of(), List.of(), List.of("812")).matches(NAMED));
        assertFalse(workload(List.of(), List.of(), List.of(), List.of("813")).matches(NAMED));
        assertFalse(workload(List.of(), List.of(), List.of(), List.of("nginx")).matches(E), "an unresolved event is not nginx's");
        assertFalse(workload(List.of(), List.of(""), List.of(), List.of()).isAny());
    }

    @Test
    void workloadFiltersRoundTripAndRefuseBadValues() {
        Filter p = Filter.newBuilder().addPods("b/x").addPods("a/y").addK8SNamespaces("kube-system")
                .addContainers("c").addProcesses("812").build();
        EventFilter f = EventFilter.fromProto(p);
        assertTrue(f.toProto().getPodsList().containsAll(List.of("a/y", "b/x")));
        assertEquals(f.toProto(), EventFilter.fromProto(f.toProto()).toProto());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EventFilter.fromProto(Filter.newBuilder().addPods("nginx").build()));
        assertTrue(e.getMessage().startsWith("pods: 'nginx' is not NAMESPACE/NAME"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EventFilter.fromProto(Filter.newBuilder().addPods("a/b/c").build()));
        assertThrows(IllegalArgumentException.class, () -> EventFilter.fromProto(Filter.newBuilder().addProcesses(" ").build()));
        assertThrows(IllegalArgumentException.class,
                () -> EventFilter.fromProto(Filter.newBuilder().addContainers("x".repeat(300)).build()));
    }

    private static WorkloadFilter workload(List<String> pods, List<String> ns, List<String> c, List<String> p) {
        return new WorkloadFilter(java.util.Set.copyOf(pods), java.util.Set.copyOf(ns), java.util.Set.copyOf(c), java.util.Set.copyOf(p));
    }

    @Test
    void badInputIsRefusedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertTrue(e.getMessage().contains("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com"));
        assertThrows(IllegalArgumentException.class, () -> EventFilter.parseReason("NOPE"));
        assertEquals(Reason.SYN_QUEUE_FULL, EventFilter.parseReason("syn_queue_full"));
    }

    private static EventFilter filter(List<Integer> ports, List<String> cidrs, List<Long> ns, EnumSet<Reason> r) {
        return new EventFilter(ports, cidrs.stream().map(Cidr::parse).toList(), ns, r);
    }
}
