package io.syndrop.cli;

import io.syndrop.format.EventJson;
import io.syndrop.format.EventText;
import io.syndrop.probe.DropListener;
import io.syndrop.proto.v1.DropEvent;
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
 */
final class EventPrinter implements DropListener {
    /** Reasons that the kernel also counts in TcpExt:ListenDrops. */
    static final Set<Reason> LISTENER_REASONS = EnumSet.of(Reason.PEER_UNPROVEN, Reason.SYN_QUEUE_FULL,
            Reason.ACCEPT_QUEUE_FULL, Reason.CONN_REQUEST_OTHER, Reason.PAWS_PASSIVE_REJECTED);

    private final boolean json;
    private final PrintStream out;
    private final PrintStream err;
    private final AtomicLong shown = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final Map<Long, AtomicLong> listenerEventsByNetns = new ConcurrentHashMap<>();

    EventPrinter(boolean json, PrintStream out, PrintStream err) {
        this.json = json;
        this.out = out;
        this.err = err;
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
        synchronized (out) {
            out.println(json ? EventJson.line(e) : EventText.line(e));
        }
    }

    @Override
    public void onBatchEnd() {
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

    /** Events of reasons the kernel counts in ListenDrops in the namespace with this inode, for the tracepoint-mode gap report. */
    AtomicLong listenerEventsIn(long netnsIno) {
        return listenerEventsByNetns.computeIfAbsent(netnsIno, k -> new AtomicLong());
    }
}
