package io.syndrop.event;

import io.syndrop.proto.v1.DropEvent;

/**
 * Adds to a decoded event, on the drain thread, what user space already knows about it (the
 * listener's process, container and pod). Implementations only read caches: anything slow is
 * queued for another thread, so the drain never waits.
 */
@FunctionalInterface
public interface EventEnricher {
    /** Called with the decoded fields set (listener_ino, netns_ino included), before the event is built. */
    void enrich(DropEvent.Builder event);

    /**
     * What {@link #enrich} would add to an event of this listener and namespace, as a message holding
     * only those fields (null: nothing); the drain's wire encoder splices it into the bytes it
     * writes. This default runs {@link #enrich} on a scratch builder; caching enrichers override it.
     */
    default DropEvent identityOf(long listenerIno, long netnsIno) {
        DropEvent.Builder b = DropEvent.newBuilder().setListenerIno(listenerIno).setNetnsIno(netnsIno);
        enrich(b);
        b.clearListenerIno().clearNetnsIno();
        DropEvent d = b.build();
        return d.getSerializedSize() == 0 ? null : d;
    }

    EventEnricher NONE = e -> { };
}
