package io.syndrop.sink;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection when a blocking operation on it makes no progress for the timeout. java.net
 * sockets have no write timeout, and closing the socket from another thread is what makes a
 * blocked write return (with an exception). Callers report progress to push the deadline back, so
 * a slow but moving receiver is not cut off in the middle of a large group.
 */
final class StallWatchdog implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "syndrop-sink-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Closeable connection;
    private final long timeoutNanos;
    private ScheduledFuture<?> deadline;
    private volatile boolean fired;

    private StallWatchdog(Closeable connection, Duration timeout) {
        this.connection = connection;
        this.timeoutNanos = timeout.toNanos();
    }

    /** Starts the clock; {@link #close()} stops it. */
    static StallWatchdog arm(Closeable connection, Duration timeout) {
        StallWatchdog w = new StallWatchdog(connection, timeout);
        w.progress();
        return w;
    }

    /** The operation moved: the timeout starts again from now. */
    synchronized void progress() {
        if (deadline != null) {
            deadline.cancel(false);
        }
        deadline = TIMER.schedule(this::fire, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void fire() {
        fired = true;
        try {
            connection.close();
        } catch (IOException ignored) {
            // the point is to break the connection; it may already be broken
        }
    }

    /** True when the timeout passed and the connection was closed. */
    boolean fired() {
        return fired;
    }

    @Override
    public synchronized void close() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
