package io.syndrop.probe;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;

import java.util.List;

/**
 * Hands what one drain thread decodes to several listeners, in the order given, so that one
 * probe can feed a pipeline and a printer at once. Each listener runs on the drain thread.
 */
public final class DropFanout implements DropListener {
    private final List<DropListener> listeners;

    private DropFanout(List<DropListener> listeners) {
        this.listeners = listeners;
    }

    /** The listener itself when there is one; null entries are left out (an optional tee). */
    public static DropListener of(DropListener... listeners) {
        List<DropListener> present = java.util.Arrays.stream(listeners).filter(java.util.Objects::nonNull).toList();
        if (present.isEmpty()) {
            throw new IllegalArgumentException("a probe needs at least one listener for its drops");
        }
        return present.size() == 1 ? present.get(0) : new DropFanout(present);
    }

    @Override
    public void onEvent(DropEvent event) {
        for (DropListener l : listeners) {
            l.onEvent(event);
        }
    }

    @Override
    public void onLoss(LossRecord loss) {
        for (DropListener l : listeners) {
            l.onLoss(loss);
        }
    }

    @Override
    public void onSummary(DropSummary summary) {
        for (DropListener l : listeners) {
            l.onSummary(summary);
        }
    }

    @Override
    public void onBatchEnd() {
        for (DropListener l : listeners) {
            l.onBatchEnd();
        }
    }
}
