package io.syndrop.probe;

import io.syndrop.bcc.BccBackend;
import io.syndrop.bcc.BccProgram;
import io.syndrop.bcc.BccException;
import io.syndrop.filter.EventFilter;
import io.syndrop.filter.NetnsAllowList;
import io.syndrop.event.EventLayout;
import io.syndrop.proto.v1.Reason;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The BCC backend behind the same batch interface as the CO-RE shim, so one drain loop serves both. */
public final class BccProbe implements KernelProbe {
    private static final List<String> PLACES;

    static {
        List<String> p = new ArrayList<>(ProbeSession.SLOT_NAMES);
        while (p.size() < BccBackend.SLOT_MAX) {
            p.add("bcc slot " + p.size());
        }
        p.add("perf buffer full");
        p.add("drain queue full");
        PLACES = List.copyOf(p);
    }

    private final BccBackend backend;

    private BccProbe(BccBackend backend) {
        this.backend = backend;
    }

    static BccProbe open(EventFilter filter) throws ProbeException {
        return open(filter, StormSettings.OFF);
    }

    static BccProbe open(EventFilter filter, StormSettings storm) throws ProbeException {
        int mask = 0;
        for (Reason r : filter.reasons()) {
            mask |= 1 << r.getNumber();
        }
        long netns = filter.netnsInos().size() == 1 ? filter.netnsInos().get(0) : 0;
        BccBackend.Options d = BccBackend.Options.defaults();
        try {
            BccProgram.Storm st = new BccProgram.Storm(storm.on(), storm.keys(), storm.prefix4(), storm.prefix6(),
                    storm.detailRate(), storm.detailBurst());
            return new BccProbe(BccBackend.open(new BccBackend.Options(mask, netns, d.perfPagesPerCpu(), d.queueRecords(),
                    !filter.workload().isAny(), st)));
        } catch (BccException e) {
            throw new ProbeException("bcc: " + e.getMessage(), 0, e.fix());
        }
    }

    @Override
    public AttachMode mode() {
        return AttachMode.BCC;
    }

    @Override
    public int drain(ByteBuffer buf, int timeoutMs) {
        return backend.drain(buf, buf.capacity() / EventLayout.SIZE, timeoutMs);
    }

    /** BCC's perf-buffer poll cannot be interrupted: a waiting drain returns at its timeout. */
    @Override
    public void wake() {
        // nothing to do; see above
    }

    @Override
    public List<String> lossPlaces() {
        return PLACES;
    }

    @Override
    public long[] lost() {
        long[] slots = backend.lostPerSlot();
        long[] out = new long[PLACES.size()];
        System.arraycopy(slots, 0, out, 0, Math.min(slots.length, BccBackend.SLOT_MAX));
        out[BccBackend.SLOT_MAX] = backend.perfLost();
        out[BccBackend.SLOT_MAX + 1] = backend.queueOverflow();
        return out;
    }

    @Override
    public List<ProbeSession.ProgramStats> programs() {
        List<ProbeSession.ProgramStats> out = new ArrayList<>();
        for (String a : backend.attached()) {
            out.add(new ProbeSession.ProgramStats(a, "bcc", 0, 0));
        }
        return out;
    }

    @Override
    public Optional<NetnsAllowList> workloadNetns() {
        return Optional.ofNullable(backend.workloadNetns());
    }

    public synchronized int readStorm(ByteBuffer buf, long[] epochNs) {
        return backend.readStorm(buf, epochNs);
    }

    @Override
    public synchronized void close() {
        backend.close();
    }
}
