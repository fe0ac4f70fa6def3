package io.syndrop.agent;

import io.syndrop.event.EventEnricher;
import io.syndrop.identity.ContainerRuntimeSockets;
import io.syndrop.identity.IdentityStage;
import io.syndrop.counters.CounterReader;
import io.syndrop.counters.CounterWatcher;
import io.syndrop.os.NetnsTarget;
import io.syndrop.filter.EventFilter;
import io.syndrop.os.NodeIdentity;
import io.syndrop.probe.AttachMode;
import io.syndrop.event.EncodedEvents;
import io.syndrop.probe.DropListener;
import io.syndrop.probe.EncodedDropListener;
import io.syndrop.probe.LiveAttach;
import io.syndrop.probe.LiveProbe;
import io.syndrop.probe.ProbeException;
import io.syndrop.probe.StormSettings;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's production source: the kernel probes (best attach mode, or the forced one) feeding
 * the pipeline from the drain thread, plus periodic counter samples of the watched namespaces,
 * which are the ground truth the events reconcile with and the only evidence in counters mode.
 */
public final class KernelEventSource implements EventSource {
    private final AttachMode forced;
    private final EventFilter filter;
    private final int ringbufBytes;
    private final List<NetnsTarget> counterTargets;
    private final Duration counterInterval;
    private final DropListener tee;
    private final PrintStream err;
    private final boolean libbpfDebug;
    private final ContainerRuntimeSockets runtimes;
    private LiveProbe probe;
    private StormSettings storm = StormSettings.OFF;
    private final List<CounterWatcher> watchers = new ArrayList<>();

    /**
     * @param tee also receives every event and loss (e.g. to print them), or null
     */
    public KernelEventSource(AttachMode forced, EventFilter filter, int ringbufBytes, List<NetnsTarget> counterTargets,
                             Duration counterInterval, DropListener tee, PrintStream err) {
        this(forced, filter, ringbufBytes, counterTargets, counterInterval, tee, err, false);
    }

    /** @param libbpfDebug libbpf's debug log to stderr, as `watch --libbpf-debug` */
    public KernelEventSource(AttachMode forced, EventFilter filter, int ringbufBytes, List<NetnsTarget> counterTargets,
                             Duration counterInterval, DropListener tee, PrintStream err, boolean libbpfDebug) {
        this(forced, filter, ringbufBytes, counterTargets, counterInterval, tee, err, libbpfDebug,
                ContainerRuntimeSockets.defaults());
    }

    /** @param runtimes where the container runtimes' APIs listen, for container and pod names; null: no identity stage */
    public KernelEventSource(AttachMode forced, EventFilter filter, int ringbufBytes, List<NetnsTarget> counterTargets,
                             Duration counterInterval, DropListener tee, PrintStream err, boolean libbpfDebug,
                             ContainerRuntimeSockets runtimes) {
        this.runtimes = runtimes;
        this.libbpfDebug = libbpfDebug;
        this.forced = forced;
        this.filter = filter;
        this.ringbufBytes = ringbufBytes;
        this.counterTargets = List.copyOf(counterTargets);
        this.counterInterval = counterInterval;
        this.tee = tee;
        this.err = err;
    }

    /** Storm summaries and the kernel's detail rate limit (watch's and agent's options); off unless set. */
    public KernelEventSource storm(StormSettings s) {
        this.storm = s;
        return this;
    }

    @Override
    public void start(EventPipeline pipeline) throws ProbeException {
        LiveAttach attach = LiveAttach.plan(forced, filter, ringbufBytes, libbpfDebug, storm);
        err.println(attach.plan().explain());
        String node = NodeIdentity.nodeName();
        if (attach.live()) {
            EventEnricher enricher = runtimes == null ? EventEnricher.NONE : IdentityStage.forNode(runtimes);
            IdentityStage.reduceInKernel(enricher, filter.workload(), attach.plan().session().workloadNetns());
            probe = attach.start(node, pipeline.agentId(), pipeline.boot(), enricher, new PipelineFeed(pipeline), tee);
        } else {
            err.println("syndrop: no eBPF attach mode: sending counter samples only");
        }
        CounterWatcher.Origin origin = new CounterWatcher.Origin(node, pipeline.agentId(), pipeline.boot());
        for (NetnsTarget t : counterTargets) {
            watchers.add(new CounterWatcher(new CounterReader(t, true), counterInterval, origin,
                    (sample, changes) -> pipeline.offerCounters(sample)).start());
        }
    }

    @Override
    public void close() {
        for (CounterWatcher w : watchers) {
            w.close();
        }
        if (probe != null) {
            probe.close();
        }
    }

    /**
     * The pipeline's side of the probe: drops and losses go to the spool's queue; as bytes when the
     * drain can write them so (no workload filter, no tee), else as events.
     */
    private record PipelineFeed(EventPipeline pipeline) implements EncodedDropListener {
        @Override
        public void onEncoded(EncodedEvents events) {
            pipeline.offerEncoded(events);
        }

        @Override
        public void onEvent(DropEvent e) {
            pipeline.offer(e);
        }

        @Override
        public void onLoss(LossRecord loss) {
            pipeline.offerLoss(loss);
        }

        @Override
        public void onSummary(DropSummary s) {
            pipeline.offerSummary(s);
        }
    }
}
