package io.syndrop.probe;

import io.syndrop.event.EventEnricher;
import io.syndrop.filter.EventFilter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way from "attach" to drops flowing: {@link AttachPlanner} picks the mode, then
 * {@link #start} has {@link LiveProbe} drain it into every listener given. Two steps, because
 * callers say what was chosen (and print headers) before the first drop can arrive.
 */
public final class LiveAttach {
    private final AttachPlanner.Plan plan;
    private final EventFilter filter;
    private final StormSettings storm;

    private LiveAttach(AttachPlanner.Plan plan, EventFilter filter, StormSettings storm) {
        this.plan = plan;
        this.filter = filter;
        this.storm = storm;
    }

    /**
     * @param forced a mode from --backend, or null for the best that works
     * @param ringbufBytes 0 for the probe's default
     * @throws ProbeException when a forced mode fails (with the reason and advice)
     */
    public static LiveAttach plan(AttachMode forced, EventFilter filter, int ringbufBytes, boolean libbpfDebug)
            throws ProbeException {
        return plan(forced, filter, ringbufBytes, libbpfDebug, StormSettings.OFF);
    }

    /** As above, with storm summaries and the kernel's detail rate limit as {@code storm} says. */
    public static LiveAttach plan(AttachMode forced, EventFilter filter, int ringbufBytes, boolean libbpfDebug,
                                  StormSettings storm) throws ProbeException {
        return new LiveAttach(AttachPlanner.plan(forced, filter, ringbufBytes, libbpfDebug, storm), filter, storm);
    }

    public AttachPlanner.Plan plan() {
        return plan;
    }

    public AttachMode mode() {
        return plan.mode();
    }

    /** False when only the counters work (no eBPF mode attached): there is nothing to drain. */
    public boolean live() {
        return plan.session() != null;
    }

    /**
     * Starts draining; every drop and loss goes to each listener in order (null ones are skipped).
     * Events get a sequence of their own and carry {@code node}, {@code agentId} and {@code boot}.
     */
    public LiveProbe start(String node, String agentId, long boot, DropListener... listeners) {
        return start(node, agentId, boot, EventEnricher.NONE, listeners);
    }

    /** As above, with {@code enricher} naming each event's listener before the filter sees it (see LiveProbe). */
    public LiveProbe start(String node, String agentId, long boot, EventEnricher enricher, DropListener... listeners) {
        if (!live()) {
            throw new IllegalStateException("no eBPF attach mode was planned (" + plan.mode().name().toLowerCase()
                    + "): check live() before start()");
        }
        return LiveProbe.start(plan.session(), filter, DropFanout.of(listeners), node, agentId, boot, new AtomicLong(),
                enricher, storm);
    }
}
