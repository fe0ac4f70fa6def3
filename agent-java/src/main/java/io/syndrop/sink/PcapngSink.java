package io.syndrop.sink;

import io.syndrop.metrics.Metrics;
import io.syndrop.pcap.PcapngFile;
import io.syndrop.proto.v1.WatchItem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * {@code --sink pcapng:FILE}: each event's dropped segment as a packet in a pcapng file, with the
 * drop's proof as the packet's comment ({@link PcapngFile}). It takes part in the collector's
 * bookkeeping like the JSON sink: a group is written, then fsynced by {@link #flush()} before the
 * collector acknowledges it, and a failed or unacknowledged group is cut back to the checkpoint.
 * Loss records, counter samples, summaries and events without captured headers have no packet: they
 * are counted (metrics and a log line at the first one and at every rotation), not written.
 */
public final class PcapngSink implements Sink {
    private static final Logger LOG = Logger.getLogger(PcapngSink.class.getName());
    private final PcapngFile file;
    private long notPackets;
    private boolean toldWithoutHeaders;
    private LongAdder packetsMetric = new LongAdder();
    private LongAdder withoutHeadersMetric = new LongAdder();
    private long packetsReported;
    private long withoutHeadersReported;

    public PcapngSink(Path path, PcapngFile.Bounds bounds) throws IOException {
        this.file = new PcapngFile(path, bounds);
    }

    @Override
    public String name() {
        return "pcapng:" + file.path();
    }

    @Override
    public void registerMetrics(Metrics metrics) {
        String l = Metrics.label("sink", name());
        packetsMetric = metrics.counter("syndrop_collector_pcap_packets_total", l,
                "Packets a pcapng sink wrote and flushed (one per event with captured headers).");
        withoutHeadersMetric = metrics.counter("syndrop_collector_pcap_without_headers_total", l,
                "Events a pcapng sink did not write because the agent's attach mode captured no headers for them.");
    }

    @Override
    public void write(List<WatchItem> items) throws IOException {
        file.startGroup();
        for (WatchItem i : items) {
            if (i.hasEvent()) {
                file.append(i.getEvent());
            } else {
                notPackets++;
            }
        }
        if (!toldWithoutHeaders && file.withoutHeaders() > 0) {
            toldWithoutHeaders = true;
            LOG.info(name() + ": events without captured headers are counted, not written (their agent's attach mode did not capture"
                    + " the segment); see syndrop_collector_pcap_without_headers_total");
        }
        file.writeEncoded();
    }

    @Override
    public void flush() throws IOException {
        file.flush();
        // Counters never go down: a group cut back after its flush (another sink failed) is not counted twice.
        if (file.packets() > packetsReported) {
            packetsMetric.add(file.packets() - packetsReported);
            packetsReported = file.packets();
        }
        if (file.withoutHeaders() > withoutHeadersReported) {
            withoutHeadersMetric.add(file.withoutHeaders() - withoutHeadersReported);
            withoutHeadersReported = file.withoutHeaders();
        }
    }

    @Override
    public String checkpoint() {
        return file.checkpoint();
    }

    @Override
    public void recover(String checkpoint) throws IOException {
        file.recover(checkpoint);
    }

    @Override
    public void close() throws IOException {
        LOG.info(name() + ": " + file.packets() + " packets written, " + file.withoutHeaders() + " events without captured headers and "
                + notPackets + " other records (losses, counters, summaries) not written");
        file.close();
    }
}
