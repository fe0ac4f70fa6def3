package io.syndrop.probe;

import io.syndrop.event.EventDecoder;
import io.syndrop.event.EventEnricher;
import io.syndrop.identity.ContainerLookup;
import io.syndrop.identity.IdentityStage;
import io.syndrop.filter.EventFilter;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Attaches the real programs in one mode and records what the drain thread delivers. */
public final class ProbeRecorder implements AutoCloseable {
    private final KernelProbe session;
    private final DrainLoop loop;
    private final Thread thread;
    private final List<DropEvent> events;
    private final List<LossRecord> losses;
    private final boolean owner;
    /** Names each event's listener (this JVM's /proc), when the recorder was started with it. */
    private IdentityStage identity;
    /** Events before this index belong to an earlier user of a shared recorder (inodes get reused). */
    private final int firstEvent;

    /** A view of a shared recorder: same events, but closing it leaves the probe attached. */
    private ProbeRecorder(ProbeRecorder shared) {
        this.session = shared.session;
        this.loop = shared.loop;
        this.thread = shared.thread;
        this.events = shared.events;
        this.losses = shared.losses;
        this.owner = false;
        this.identity = shared.identity;
        synchronized (shared.events) {
            this.firstEvent = shared.events.size();
        }
    }

    /** The shared recorder's view when there is one, else a new recorder for this namespace. */
    public static ProbeRecorder startOrShare(AttachMode mode, ProbeRecorder shared, long netnsIno) throws ProbeException {
        return shared != null ? new ProbeRecorder(shared) : start(mode, netnsIno);
    }

    private ProbeRecorder(KernelProbe session, EventFilter filter, boolean drain) {
        this(session, filter, drain, EventEnricher.NONE);
    }

    private ProbeRecorder(KernelProbe session, EventFilter filter, boolean drain, EventEnricher enricher) {
        this(session, filter, drain, enricher, false);
    }

    /** @param bytes take the drain's byte path (an EncodedDropListener) and parse what it hands over */
    private ProbeRecorder(KernelProbe session, EventFilter filter, boolean drain, EventEnricher enricher, boolean bytes) {
        this.events = new ArrayList<>();
        this.losses = new ArrayList<>();
        this.owner = true;
        this.firstEvent = 0;
        this.session = session;
        DropListener objects = new DropListener() {
            @Override
            public void onEvent(DropEvent e) {
                synchronized (events) {
                    events.add(e);
                    events.notifyAll();
                }
            }

            @Override
            public void onLoss(LossRecord loss) {
                synchronized (events) {
                    losses.add(loss);
                }
            }
        };
        DropListener l = !bytes ? objects : new EncodedDropListener() {
            @Override
            public void onEncoded(io.syndrop.event.EncodedEvents chunk) {
                for (int k = 0; k < chunk.size(); k++) {
                    try {
                        objects.onEvent(DropEvent.parseFrom(com.google.protobuf.UnsafeByteOperations.unsafeWrap(
                                chunk.array(), chunk.start(k), chunk.length(k))));
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }

            @Override
            public void onEvent(DropEvent e) {
                objects.onEvent(e);
            }

            @Override
            public void onLoss(LossRecord loss) {
                objects.onLoss(loss);
            }
        };
        this.loop = new DrainLoop(session, new EventDecoder("test", "test", 1, new KernelReasonNames(), enricher), filter, l,
                "test", 1, new AtomicLong());
        this.thread = new Thread(loop, "probe-recorder");
        if (drain) {
            thread.start();
        }
    }

    /**
     * Attaches {@code mode} for drops in namespace {@code netnsIno} only, and starts draining, with
     * the identity stage on (as watch and agent run): {@link #identity()}.
     */
    public static ProbeRecorder start(AttachMode mode, long netnsIno) throws ProbeException {
        IdentityStage stage = IdentityStage.start(ContainerLookup.NONE, line -> System.err.println("identity: " + line));
        ProbeRecorder r;
        try {
            r = start(mode, netnsIno, 0, true, stage);
        } catch (ProbeException | RuntimeException e) {
            stage.close();
            throw e;
        }
        r.identity = stage;
        return r;
    }

    /**
     * As {@link #start(AttachMode, long)}, through the drain's byte path (what the agent's pipeline
     * takes): each event the kernel wrote, as EventWireEncoder's bytes, parsed back here.
     */
    public static ProbeRecorder startBytes(AttachMode mode, long netnsIno) throws ProbeException {
        IdentityStage stage = IdentityStage.start(ContainerLookup.NONE, line -> System.err.println("identity: " + line));
        EventFilter f = new EventFilter(List.of(), List.of(), List.of(netnsIno), EnumSet.noneOf(Reason.class));
        ProbeRecorder r;
        try {
            r = new ProbeRecorder(AttachPlanner.plan(mode, f, 0).session(), f, true, stage, true);
        } catch (ProbeException | RuntimeException e) {
            stage.close();
            throw e;
        }
        r.identity = stage;
        return r;
    }

    public IdentityStage identity() {
        if (identity == null) {
            throw new IllegalStateException("this recorder was started without the identity stage");
        }
        return identity;
    }

    public static ProbeRecorder start(AttachMode mode, long netnsIno, int ringbufBytes, boolean drain) throws ProbeException {
        EventFilter f = new EventFilter(List.of(), List.of(), netnsIno == 0 ? List.of() : List.of(netnsIno),
                EnumSet.noneOf(Reason.class));
        return new ProbeRecorder(AttachPlanner.plan(mode, f, ringbufBytes).session(), f, drain);
    }

    /** As {@link #start(AttachMode, long, int, boolean)}, each event enriched (e.g. by the identity stage) before the filter. */
    public static ProbeRecorder start(AttachMode mode, long netnsIno, EventEnricher enricher) throws ProbeException {
        EventFilter f = new EventFilter(List.of(), List.of(), netnsIno == 0 ? List.of() : List.of(netnsIno),
                EnumSet.noneOf(Reason.class));
        return new ProbeRecorder(AttachPlanner.plan(mode, f, 0).session(), f, true, enricher);
    }

    public static ProbeRecorder start(AttachMode mode, long netnsIno, int ringbufBytes, boolean drain,
                                      EventEnricher enricher) throws ProbeException {
        EventFilter f = new EventFilter(List.of(), List.of(), netnsIno == 0 ? List.of() : List.of(netnsIno),
                EnumSet.noneOf(Reason.class));
        return new ProbeRecorder(AttachPlanner.plan(mode, f, ringbufBytes).session(), f, drain, enricher);
    }

    /**
     * Attaches {@code mode} with {@code kernelFilter} pushed into the kernel (a workload filter's
     * namespace map kept current by {@code stage}, as watch and agent do), and records every event
     * the kernel delivers, enriched by the stage but with no Java filter: what the kernel let through.
     */
    public static ProbeRecorder startKernelFiltered(AttachMode mode, EventFilter kernelFilter, IdentityStage stage)
            throws ProbeException {
        KernelProbe session = AttachPlanner.plan(mode, kernelFilter, 0).session();
        try {
            IdentityStage.reduceInKernel(stage, kernelFilter.workload(), session.workloadNetns());
            return new ProbeRecorder(session, EventFilter.ALL, true, stage);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** Waits until at least n events of namespace {@code netnsIno} arrived (plus a short grace), returns those. */
    public List<DropEvent> awaitIn(long netnsIno, int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (eventsIn(netnsIno).size() < n && System.nanoTime() < end) {
            synchronized (events) {
                events.wait(100);
            }
        }
        Thread.sleep(300);
        return eventsIn(netnsIno);
    }

    public List<DropEvent> eventsIn(long netnsIno) {
        return events().stream().filter(e -> e.getNetnsIno() == netnsIno).toList();
    }

    /** Waits until at least n events arrived, then a little longer so extra ones would show. */
    public List<DropEvent> await(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (events.size() < n && System.nanoTime() < end) {
                events.wait(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            }
        }
        Thread.sleep(300);
        return events();
    }

    public List<DropEvent> events() {
        synchronized (events) {
            return List.copyOf(events.subList(firstEvent, events.size()));
        }
    }

    public List<LossRecord> losses() {
        synchronized (events) {
            return List.copyOf(losses);
        }
    }


    public DrainLoop loop() {
        return loop;
    }

    public KernelProbe session() {
        return session;
    }

    @Override
    public void close() throws InterruptedException {
        if (!owner) {
            return;
        }
        loop.stop();
        if (thread.isAlive()) {
            thread.join(5000);
        }
        session.close();
        if (identity != null) {
            identity.close();
        }
    }
}
