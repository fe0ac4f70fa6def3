package io.syndrop.agent;

import io.syndrop.proto.v1.DropEvent;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Replays a recorded event stream ({@link EventStreamFile}) at a given rate, for tests and
 * benchmarks. It resumes after the last event an earlier run of the agent spooled, so a killed and
 * restarted agent neither repeats nor skips events. Event times are rewritten to "now" unless the
 * recording has them set.
 */
public final class ReplaySource implements EventSource {
    private static final Logger LOG = Logger.getLogger(ReplaySource.class.getName());
    private final Path file;
    private final double ratePerSecond;
    private volatile boolean finished;
    private volatile boolean closed;
    private Thread thread;
    private volatile long offeredCount;
    private volatile long refusedCount;

    /** @param ratePerSecond events per second; 0 or less for as fast as the queue takes them */
    public ReplaySource(Path file, double ratePerSecond) {
        this.file = file;
        this.ratePerSecond = ratePerSecond;
    }

    @Override
    public void start(EventPipeline pipeline) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("replay file " + file + " is not readable");
        }
        long resume = pipeline.resumePosition();
        thread = new Thread(() -> run(pipeline, resume), "syndrop-replay");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(EventPipeline pipeline, long resume) {
        long start = System.nanoTime();
        long sent = 0;
        try (InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
            long pos = 0;
            DropEvent e;
            while (!closed && (e = DropEvent.parseDelimitedFrom(is)) != null) {
                if (pos < resume) {
                    pos++;
                    continue;
                }
                if (ratePerSecond > 0) {
                    long due = start + (long) (sent * 1e9 / ratePerSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    }
                }
                if (e.getTimeUnixNano() == 0) {
                    e = e.toBuilder().setTimeUnixNano(EventPipeline.now()).build();
                }
                if (pipeline.offer(e, pos)) {
                    offeredCount++;
                } else {
                    refusedCount++;
                }
                sent++;
                pos++;
            }
            if (resume > 0) {
                LOG.info("replay resumed at event " + resume + " of " + file);
            }
        } catch (InterruptedException ie) {
            return;
        } catch (IOException ex) {
            LOG.log(Level.SEVERE, "replay of " + file + " failed: " + ex.getMessage(), ex);
        }
        finished = true;
    }

    public long offered() {
        return offeredCount;
    }

    public long refused() {
        return refusedCount;
    }

    @Override
    public boolean finished() {
        return finished;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        if (thread != null) {
            thread.interrupt();
            thread.join(2000);
        }
    }
}
