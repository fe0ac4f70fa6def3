package io.syndrop.filter;

import io.syndrop.proto.v1.DropEvent;
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
    void roundTripsThroughTheProtoFilter() {
        EventFilter f = filter(List.of(443, 80), List.of("fd00::/8"), List.of(5L), EnumSet.of(Reason.PEER_UNPROVEN));
        Filter p = f.toProto();
        EventFilter back = EventFilter.fromProto(p);
        assertEquals(p, back.toProto());
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
