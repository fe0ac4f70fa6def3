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

    EventEnricher NONE = e -> { };
}
