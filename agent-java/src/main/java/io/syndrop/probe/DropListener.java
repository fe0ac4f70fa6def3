package io.syndrop.probe;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;

/** Receives what the drain thread decodes. Called on the drain thread: return quickly, never block. */
public interface DropListener {
    void onEvent(DropEvent event);

    void onLoss(LossRecord loss);

    /**
     * A storm summary of one key and window (probe/SummaryReader), numbered like events. All
     * summaries of one map read come in a row, followed by one {@link #onBatchEnd()}.
     */
    default void onSummary(DropSummary summary) {}

    /** After each drained batch: the moment to flush what onEvent buffered. */
    default void onBatchEnd() {}
}
