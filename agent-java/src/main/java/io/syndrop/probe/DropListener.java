package io.syndrop.probe;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;

/** Receives what the drain thread decodes. Called on the drain thread: return quickly, never block. */
public interface DropListener {
    void onEvent(DropEvent event);

    void onLoss(LossRecord loss);

    /**
     * A storm summary: the exact count of one key over one window, and how many of its drops were
     * sent as events. The summaries of one window come in a row, followed by onBatchEnd().
     */
    default void onSummary(DropSummary summary) {}

    /** After each drained batch: the moment to flush what onEvent buffered. */
    default void onBatchEnd() {}
}
