package io.syndrop.sink;

import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.WatchItem;
import java.io.IOException;
import java.util.List;

/**
 * Where the collector hands records. The collector acknowledges a range to the agent only after
 * {@link #flush()} returned for every sink, so flush means "durable as far as this sink can tell"
 * (fsync for files; for syslog over TCP/TLS, acknowledged by the receiver's TCP). Writes and
 * flushes to the network give up after a timeout instead of blocking the collector for good.
 */
public interface Sink extends AutoCloseable {
    /** A short name for logs and metric labels, e.g. {@code json:/var/log/syndrop.json}. */
    String name();

    /**
     * Makes the sink ready to take a group, e.g. (re)connects; called before every group so a sink
     * that is down fails before the others are written and rolled back.
     */
    default void prepare() throws IOException {}

    /** Registers the sink's own metrics (labelled with its name), if it has any; called once by the collector. */
    default void registerMetrics(Metrics metrics) {}

    void write(List<WatchItem> items) throws IOException;

    /**
     * What the collector calls: the group's records, some drop events possibly still as bytes. By
     * default each record is parsed (once per group, shared by the sinks) and written as a message;
     * a sink that formats bytes overrides this.
     */
    default void write(SinkRecords records) throws IOException {
        write(records.items());
    }

    /**
     * True when {@link #write(SinkRecords)} writes drop events from their bytes. With any sink
     * that does not, the collector parses each batch's events as it arrives, on the transport's
     * thread (as it always did), rather than on the committer's.
     */
    default boolean takesBytes() {
        return false;
    }

    void flush() throws IOException;

    /**
     * An opaque marker of what is durable after the last successful flush, stored with the
     * collector's dedupe state; empty when the sink cannot be rolled back.
     */
    default String checkpoint() {
        return "";
    }

    /**
     * Drops what was written after the checkpoint, which was never acknowledged (the agent resends
     * it): called after a restart and after a failed group before it is retried.
     */
    default void recover(String checkpoint) throws IOException {}

    @Override
    void close() throws IOException;
}
