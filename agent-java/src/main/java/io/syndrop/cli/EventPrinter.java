package io.syndrop.cli;

import io.syndrop.format.EventJson;
import io.syndrop.format.EventText;
import io.syndrop.format.JsonLines;
import io.syndrop.format.SummaryText;
import io.syndrop.probe.DropListener;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;

import java.io.PrintStream;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints drops as they come: the human table or one JSON object per line, flushed after each
 * drained batch so a terminal or a pipe sees each drop at once without a flush per line. Loss records go to stderr in the table form.
 * Storm summaries: with --json every one as a JSON line; in the table, on a terminal, the storming
 * keys as a block rewritten in place under the scrolling events ({@link StormBlock}), elsewhere one
 * STORM line per storming key per window (keys whose drops were all shown in detail add nothing).
 */
final class EventPrinter implements DropListener, AutoCloseable {
    /** Reasons that the kernel also counts in TcpExt:ListenDrops. */
    static final Set<Reason> LISTENER_REASONS = EnumSet.of(Reason.PEER_UNPROVEN, Reason.SYN_QUEUE_FULL,
            Reason.ACCEPT_QUEUE_FULL, Reason.CONN_REQUEST_OTHER, Reason.PAWS_PASSIVE_REJECTED);

    private final boolean json;
    private final PrintStream out;
    private final PrintStream err;
    private final AtomicLong shown = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong summarised = new AtomicLong();
    private final Map<Long, AtomicLong> listenerEventsByNetns = new ConcurrentHashMap<>();
    private final StormBlock block;
    private final java.util.concurrent.ScheduledExecutorService ticker;

    EventPrinter(boolean json, PrintStream out, PrintStream err) {
        this(json, false, out, err);
    }

    /** @param terminal stdout is a terminal: the table's storm summaries are drawn in place */
    EventPrinter(boolean json, boolean terminal, PrintStream out, PrintStream err) {
        this.json = json;
        this.out = out;
        this.err = err;
        this.block = terminal && !json ? new StormBlock(out) : null;
        if (block != null) {
            // A storm's end brings no more summaries: age its keys out of the block by the clock.
            ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "syndrop-storm-block");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleWithFixedDelay(block::tick, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        } else {
            ticker = null;
        }
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            block.redraw();
        }
    }

    void printHeader() {
        if (!json) {
            synchronized (out) {
                out.println(EventText.header());
                out.flush();
            }
        }
    }

    @Override
    public void onEvent(DropEvent e) {
        if (LISTENER_REASONS.contains(e.getReason())) {
            listenerEventsByNetns.computeIfAbsent(e.getNetnsIno(), k -> new AtomicLong()).incrementAndGet();
        }
        shown.incrementAndGet();
        if (block != null) {
            block.event(EventText.line(e));
            return;
        }
        synchronized (out) {
            out.println(json ? EventJson.line(e) : EventText.line(e));
        }
    }

    @Override
    public void onSummary(DropSummary s) {
        long notDetailed = JsonLines.notDetailed(s);
        summarised.addAndGet(notDetailed);
        if (LISTENER_REASONS.contains(s.getReason())) {
            // Counted by the kernel, not sent in detail: not a gap of the tracepoint mode.
            listenerEventsByNetns.computeIfAbsent(s.getNetnsIno(), k -> new AtomicLong()).addAndGet(notDetailed);
        }
        if (block != null) {
            block.summary(s);
            return;
        }
        if (json || SummaryText.storming(s)) {
            synchronized (out) {
                out.println(json ? EventJson.line(s) : SummaryText.line(s));
            }
        }
    }

    @Override
    public void onBatchEnd() {
        if (block != null) {
            block.redraw();
            return;
        }
        synchronized (out) {
            out.flush();
        }
    }

    @Override
    public void onLoss(LossRecord l) {
        lost.addAndGet(l.getCount());
        synchronized (out) {
            if (json) {
                out.println(EventJson.line(l));
                out.flush();
            } else {
                err.println(EventText.loss(l));
            }
        }
    }

    long shown() {
        return shown.get();
    }

    long lost() {
        return lost.get();
    }

    /** Drops that summaries counted but that were not sent as events (the rate limit's share). */
    long summarised() {
        return summarised.get();
    }

    /** Events of reasons the kernel counts in ListenDrops in the namespace with this inode, for the tracepoint-mode gap report. */
    AtomicLong listenerEventsIn(long netnsIno) {
        return listenerEventsByNetns.computeIfAbsent(netnsIno, k -> new AtomicLong());
    }
}
