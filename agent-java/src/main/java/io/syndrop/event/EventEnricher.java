package io.syndrop.event;

import io.syndrop.proto.v1.DropEvent;

/**
 * Adds to a decoded event, on the drain thread, what user space already knows about it (the
 * listener's process, container and pod). Implementations only read caches: anything slow is
 * queued for another thread, so the drain never waits.
 *
 * <p>The wire variants serve {@link EventWireEncoder}, which writes events as protobuf bytes
 * without building them: they return the same fields as bytes, encoded once per identity and
 * cached, with the same lookups (and the same queued resolutions) as {@link #enrich}.
 */
@FunctionalInterface
public interface EventEnricher {
    /** No fields. */
    byte[] NO_FIELDS = new byte[0];

    /** Called with the decoded fields set (listener_ino, netns_ino included), before the event is built. */
    void enrich(DropEvent.Builder event);

    /** True when the wire variants below add exactly what {@link #enrich} adds (else the drain builds objects). */
    default boolean enrichesWire() {
        return false;
    }

    /** DropEvent fields 23-33 (process, container, pod) as protobuf bytes in field order; empty when unknown. */
    default byte[] identityWire(long listenerIno, long netnsIno) {
        return NO_FIELDS;
    }

    /** DropEvent field 37 (ifname) as protobuf bytes; empty when unknown. */
    default byte[] ifnameWire(long netnsIno, int ifindex) {
        return NO_FIELDS;
    }

    EventEnricher NONE = new EventEnricher() {
        @Override
        public void enrich(DropEvent.Builder event) {
        }

        @Override
        public boolean enrichesWire() {
            return true;
        }
    };
}
