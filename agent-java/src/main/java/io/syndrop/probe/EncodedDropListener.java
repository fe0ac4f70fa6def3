package io.syndrop.probe;

import io.syndrop.event.EncodedEvents;

/**
 * A {@link DropListener} that takes drained batches as protobuf bytes (the agent's pipeline): when
 * the drain's filter passes everything, {@link DrainLoop} encodes each record straight to bytes
 * ({@code EventWireEncoder}) and hands the batch over in one call, instead of building a DropEvent
 * per record. Called on the drain thread: return quickly, never block.
 */
public interface EncodedDropListener extends DropListener {
    /** A chunk to fill; after {@link #onEncoded} it belongs to the listener. */
    EncodedEvents emptyChunk();

    void onEncoded(EncodedEvents events);
}
