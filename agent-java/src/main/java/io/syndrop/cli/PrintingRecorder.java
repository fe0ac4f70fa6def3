package io.syndrop.cli;

import io.syndrop.probe.DropListener;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;

import java.util.ArrayList;
import java.util.List;

/** Prints each drop as it comes and keeps it, so a demo can diagnose what it showed. */
final class PrintingRecorder implements DropListener {
    private final EventPrinter printer;
    private final List<DropEvent> events = new ArrayList<>();

    PrintingRecorder(EventPrinter printer) {
        this.printer = printer;
    }

    @Override
    public void onEvent(DropEvent e) {
        synchronized (events) {
            events.add(e);
        }
        printer.onEvent(e);
    }

    @Override
    public void onLoss(LossRecord loss) {
        printer.onLoss(loss);
    }

    @Override
    public void onBatchEnd() {
        printer.onBatchEnd();
    }

    /** The drops seen so far (a copy: the drain keeps adding). */
    List<DropEvent> seen() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }
}
