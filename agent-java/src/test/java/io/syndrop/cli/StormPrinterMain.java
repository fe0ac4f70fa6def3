package io.syndrop.cli;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;

/**
 * What `syndrop watch` does with a storm, on this process's real stdout: WatchStormTest runs it
 * in a pseudo-terminal (script(1)) and through a pipe, so watch's own terminal test (isatty on fd 1)
 * decides between the block drawn in place and the scrolling STORM lines. Two windows of constructed
 * summaries and a few events in between, as the probe delivers them.
 */
public final class StormPrinterMain {
    private StormPrinterMain() {}

    public static void main(String[] args) {
        EventPrinter p = new EventPrinter(false, WatchCommand.isTerminal(), System.out, System.err);
        p.printHeader();
        for (int w = 0; w < 2; w++) {
            p.onEvent(WatchStormTest.event(w));
            p.onBatchEnd();
            p.onSummary(WatchStormTest.summary(w, "198.51.100.0/24", 80, 10_000 + w, 5));
            p.onSummary(WatchStormTest.summary(w, "203.0.113.0/24", 80, 2_000, 5));
            p.onSummary(WatchStormTest.summary(w, "192.0.2.0/24", 80, 3, 3));
            p.onBatchEnd();
        }
        System.out.flush();
    }
}
