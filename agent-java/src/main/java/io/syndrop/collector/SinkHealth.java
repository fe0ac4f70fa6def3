package io.syndrop.collector;

import io.syndrop.sink.SinkStalledException;
import io.syndrop.metrics.Metrics;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * One sink's state as the committer sees it: in metrics, and in one log line each time it goes
 * down or comes back (repeated failures while down are logged at FINE, counted always).
 */
final class SinkHealth {
    private static final Logger LOG = Logger.getLogger(SinkHealth.class.getName());
    private final String name;
    private final LongAdder errors;
    private final LongAdder stalls;
    private final LongAdder reconnects;
    private volatile boolean up = true;
    private volatile boolean stalled;
    private volatile long lastErrorMillis;
    private long downSinceNanos;
    private long failuresWhileDown;

    SinkHealth(String name, Metrics metrics) {
        this.name = name;
        String l = Metrics.label("sink", name);
        errors = metrics.counter("syndrop_collector_sink_errors_total", l, "Failed opens, writes or flushes of a sink (the group is retried).");
        stalls = metrics.counter("syndrop_collector_sink_stalls_total", l,
                "Times a sink made no progress for its timeout (receiver not reading, route down) and its connection was closed.");
        reconnects = metrics.counter("syndrop_collector_sink_reconnects_total", l,
                "Times a failed sink was opened again (syslog: a new connection) before a retry.");
        metrics.gauge("syndrop_collector_sink_up", l, "1 while a sink takes data, 0 from its first failure until a group succeeds again.", () -> up ? 1 : 0);
        metrics.gauge("syndrop_collector_sink_stalled", l, "1 while a sink is down and its last failure was a timeout (no progress), 0 otherwise.", () -> stalled ? 1 : 0);
        metrics.gauge("syndrop_collector_sink_last_error_timestamp_seconds", l, "Unix time of a sink's last failure, 0 if none.",
                () -> lastErrorMillis / 1000);
    }

    boolean up() {
        return up;
    }

    /** The sink opened again after a failure. */
    void reopened() {
        reconnects.increment();
    }

    void failed(Exception e, long retryInMs) {
        errors.increment();
        String why = String.valueOf(e.getMessage());
        if (why.startsWith(name + ": ")) {
            why = why.substring(name.length() + 2);
        }
        boolean stall = e instanceof SinkStalledException;
        if (stall) {
            stalls.increment();
        }
        lastErrorMillis = System.currentTimeMillis();
        stalled = stall;
        if (up) {
            up = false;
            downSinceNanos = System.nanoTime();
            failuresWhileDown = 1;
            LOG.warning("sink " + name + " is DOWN: " + why + ". Nothing more is acknowledged to agents (they spool)"
                    + " and every sink is held until it takes data again; retrying with backoff (first in " + retryInMs + " ms, at most "
                    + Committer.MAX_PAUSE_MS / 1000 + " s apart). See syndrop_collector_sink_up and _sink_errors_total.");
        } else {
            failuresWhileDown++;
            LOG.fine("sink " + name + " still down (" + failuresWhileDown + " failures): " + why);
        }
    }

    void succeeded() {
        if (up) {
            return;
        }
        up = true;
        stalled = false;
        LOG.info("sink " + name + " is UP again after " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - downSinceNanos) + " s and "
                + failuresWhileDown + " failed attempts; acknowledgements resume");
    }
}
