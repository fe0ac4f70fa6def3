package io.syndrop.probe;

import io.syndrop.event.EncodedEvents;

/**
 * A listener that takes events as protobuf bytes (the agent's pipeline). The drain hands it each
 * drained batch of events as one {@link EncodedEvents}, without building DropEvents, when nothing
 * on the Java side needs the objects: no workload filter (the rest of a filter is applied to the
 * raw records) and an enricher with wire variants. Otherwise it gets {@link #onEvent} as any
 * listener. Called on the drain thread.
 */
public interface EncodedDropListener extends DropListener {
    /** The drain's events of one batch, seq not set (the pipeline numbers them); the listener owns the chunk. */
    void onEncoded(EncodedEvents events);
}
