package io.syndrop.collector;

import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/** Checks of what an agent sent, and its records in sequence order. */
final class Batches {
    static final int MAX_RECORDS = 100_000;

    private Batches() {}

    /** Null when the batch is well formed, else what is wrong with it (sent back to the agent). */
    static String problem(Batch b) {
        if (b.getAgentId().isEmpty() || b.getAgentId().length() > 256) {
            return "agent_id must be 1-256 characters";
        }
        if (b.getAgentBoot() == 0) {
            return "agent_boot must be set (a new value on every agent start)";
        }
        if (b.getFirstSeq() < 1 || b.getLastSeq() < b.getFirstSeq()) {
            return "need 1 <= first_seq <= last_seq, got " + b.getFirstSeq() + ".." + b.getLastSeq();
        }
        long n = (long) b.getEventsCount() + b.getLossesCount() + b.getCountersCount() + b.getSummariesCount();
        if (n > MAX_RECORDS) {
            return "more than " + MAX_RECORDS + " records in one batch";
        }
        if (b.getLastSeq() - b.getFirstSeq() + 1 != n) {
            return "first_seq..last_seq covers " + (b.getLastSeq() - b.getFirstSeq() + 1) + " numbers but the batch holds " + n + " records";
        }
        BitSet seen = new BitSet((int) n);
        String bad = mark(seen, b, b.getEventsList(), DropEvent::getSeq);
        if (bad == null) {
            bad = mark(seen, b, b.getLossesList(), LossRecord::getSeq);
        }
        if (bad == null) {
            bad = mark(seen, b, b.getCountersList(), CounterSample::getSeq);
        }
        if (bad == null) {
            bad = mark(seen, b, b.getSummariesList(), DropSummary::getSeq);
        }
        return bad;
    }

    /** As {@link #problem(Batch)}, for a batch still in its bytes (the same checks, the same words). */
    static String problem(ReceivedBatch b) {
        if (b.agentId().isEmpty() || b.agentId().length() > 256) {
            return "agent_id must be 1-256 characters";
        }
        if (b.boot() == 0) {
            return "agent_boot must be set (a new value on every agent start)";
        }
        if (b.firstSeq() < 1 || b.lastSeq() < b.firstSeq()) {
            return "need 1 <= first_seq <= last_seq, got " + b.firstSeq() + ".." + b.lastSeq();
        }
        long n = b.records();
        if (n > MAX_RECORDS) {
            return "more than " + MAX_RECORDS + " records in one batch";
        }
        if (b.lastSeq() - b.firstSeq() + 1 != n) {
            return "first_seq..last_seq covers " + (b.lastSeq() - b.firstSeq() + 1) + " numbers but the batch holds " + n + " records";
        }
        BitSet seen = new BitSet((int) n);
        for (int r = 0; r < n; r++) {
            long s = b.seq(r);
            if (s < b.firstSeq() || s > b.lastSeq() || seen.get((int) (s - b.firstSeq()))) {
                return "record seq " + s + " is outside " + b.firstSeq() + ".." + b.lastSeq() + " or repeated";
            }
            seen.set((int) (s - b.firstSeq()));
        }
        return null;
    }

    /**
     * The batch's records in sequence order, as indices into {@link ReceivedBatch#seq(int)}: events,
     * losses, counters, summaries as they come, sorted only when they are not in order already.
     */
    static int[] orderOf(ReceivedBatch b) {
        int n = b.records();
        int[] order = new int[n];
        boolean sorted = true;
        for (int r = 0; r < n; r++) {
            order[r] = r;
            if (r > 0 && b.seq(r - 1) > b.seq(r)) {
                sorted = false;
            }
        }
        if (!sorted) {
            Integer[] boxed = new Integer[n];
            for (int r = 0; r < n; r++) {
                boxed[r] = r;
            }
            java.util.Arrays.sort(boxed, Comparator.comparingLong(b::seq));
            for (int r = 0; r < n; r++) {
                order[r] = boxed[r];
            }
        }
        return order;
    }

    private static <T> String mark(BitSet seen, Batch b, List<T> records, java.util.function.ToLongFunction<T> seqOf) {
        for (int i = 0, n = records.size(); i < n; i++) {
            long s = seqOf.applyAsLong(records.get(i));
            if (s < b.getFirstSeq() || s > b.getLastSeq() || seen.get((int) (s - b.getFirstSeq()))) {
                return "record seq " + s + " is outside " + b.getFirstSeq() + ".." + b.getLastSeq() + " or repeated";
            }
            seen.set((int) (s - b.getFirstSeq()));
        }
        return null;
    }

    static long seq(WatchItem it) {
        if (it.hasEvent()) {
            return it.getEvent().getSeq();
        }
        if (it.hasSummary()) {
            return it.getSummary().getSeq();
        }
        return it.hasLoss() ? it.getLoss().getSeq() : it.getCounters().getSeq();
    }

    /** The records in sequence order, with agent id, boot and node filled in where a client left them out. */
    static List<WatchItem> itemsInOrder(Batch b) {
        List<WatchItem> out = new ArrayList<>(b.getEventsCount() + b.getLossesCount() + b.getCountersCount() + b.getSummariesCount());
        for (DropEvent e : b.getEventsList()) {
            out.add(fill(WatchItem.newBuilder().setEvent(e).build(), b));
        }
        for (LossRecord l : b.getLossesList()) {
            out.add(fill(WatchItem.newBuilder().setLoss(l).build(), b));
        }
        for (CounterSample c : b.getCountersList()) {
            out.add(fill(WatchItem.newBuilder().setCounters(c).build(), b));
        }
        for (DropSummary s : b.getSummariesList()) {
            out.add(fill(WatchItem.newBuilder().setSummary(s).build(), b));
        }
        // syndrop's agents send events in order; sort only batches that are not (losses mixed in, other clients).
        for (int i = 1; i < out.size(); i++) {
            if (seq(out.get(i - 1)) > seq(out.get(i))) {
                out.sort(Comparator.comparingLong(Batches::seq));
                break;
            }
        }
        return out;
    }

    private static WatchItem fill(WatchItem it, Batch b) {
        return fill(it, b.getAgentId(), b.getAgentBoot(), b.getNode());
    }

    /** The record with the batch's agent id and boot, and its node where it has none, when it lacks any of them. */
    static WatchItem fill(WatchItem it, String agentId, long agentBoot, String node) {
        if (it.hasEvent()) {
            DropEvent e = it.getEvent();
            if (!e.getAgentId().isEmpty() && e.getAgentBoot() != 0 && !e.getNode().isEmpty()) {
                return it;
            }
            DropEvent.Builder eb = e.toBuilder().setAgentId(agentId).setAgentBoot(agentBoot);
            if (eb.getNode().isEmpty()) {
                eb.setNode(node);
            }
            return WatchItem.newBuilder().setEvent(eb).build();
        }
        if (it.hasLoss()) {
            LossRecord.Builder lb = it.getLoss().toBuilder().setAgentId(agentId).setAgentBoot(agentBoot);
            if (lb.getNode().isEmpty()) {
                lb.setNode(node);
            }
            return WatchItem.newBuilder().setLoss(lb).build();
        }
        if (it.hasSummary()) {
            DropSummary s = it.getSummary();
            if (!s.getAgentId().isEmpty() && s.getAgentBoot() != 0 && !s.getNode().isEmpty()) {
                return it;
            }
            DropSummary.Builder sb = s.toBuilder().setAgentId(agentId).setAgentBoot(agentBoot);
            if (sb.getNode().isEmpty()) {
                sb.setNode(node);
            }
            return WatchItem.newBuilder().setSummary(sb).build();
        }
        CounterSample.Builder cb = it.getCounters().toBuilder().setAgentId(agentId).setAgentBoot(agentBoot);
        if (cb.getNode().isEmpty()) {
            cb.setNode(node);
        }
        return WatchItem.newBuilder().setCounters(cb).build();
    }
}
