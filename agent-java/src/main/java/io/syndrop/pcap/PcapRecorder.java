package io.syndrop.pcap;

import io.syndrop.proto.v1.DropEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code watch --pcap} and {@code agent --pcap}: writes dropped segments to a {@link PcapngFile} on
 * a thread of its own, so the kernel drain never waits for the disk. {@link #offer} only puts the
 * event into a bounded queue; when the queue is full (the disk is slower than the drops) the event
 * is counted lost for the capture (it still goes everywhere else). A write that fails (a full disk)
 * is cut back to the last whole group, its events counted lost, and the next group tries again.
 * Written data is synced at most once a second and at close.
 */
public final class PcapRecorder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PcapRecorder.class.getName());
    public static final int QUEUE_MAX = 8192;
    private static final int GROUP_MAX = 512;
    private static final long SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What the recorder counts; the agent passes its metrics' counters, watch fresh ones. */
    public record Counts(LongAdder written, LongAdder withoutHeaders, LongAdder lost) {
        public static Counts fresh() {
            return new Counts(new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    private final PcapngFile file;
    private final Counts counts;
    private final ArrayBlockingQueue<DropEvent> queue = new ArrayBlockingQueue<>(QUEUE_MAX);
    private final Thread thread;
    private volatile boolean closing;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private boolean failing;

    public PcapRecorder(PcapngFile file, Counts counts) {
        this.file = file;
        this.counts = counts;
        thread = new Thread(this::run, "syndrop-pcap");
        thread.setDaemon(true);
        thread.start();
    }

    public Counts counts() {
        return counts;
    }

    public PcapngFile file() {
        return file;
    }

    /** Never blocks. Events without captured headers are counted, not queued. */
    public void offer(DropEvent e) {
        if (!DropPacket.hasHeaders(e)) {
            counts.withoutHeaders.increment();
            return;
        }
        if (closing || !queue.offer(e)) {
            counts.lost.increment();
        }
    }

    private void run() {
        List<DropEvent> group = new ArrayList<>(GROUP_MAX);
        long lastSync = System.nanoTime();
        boolean dirty = false;
        while (true) {
            try {
                DropEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    group.add(first);
                    queue.drainTo(group, GROUP_MAX - 1);
                    write(group);
                    group.clear();
                    dirty = true;
                } else if (closing) {
                    break;
                }
                if (dirty && System.nanoTime() - lastSync >= SYNC_NANOS) {
                    file.flush();
                    lastSync = System.nanoTime();
                    dirty = false;
                }
            } catch (InterruptedException e) {
                break;
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "pcap " + file.path() + ": sync failed: " + e.getMessage(), e);
            }
        }
    }

    private void write(List<DropEvent> group) {
        String before = file.checkpoint();
        try {
            file.startGroup();
            before = file.checkpoint();
            for (DropEvent e : group) {
                file.append(e);
            }
            file.writeEncoded();
            counts.written.add(group.size());
            if (failing) {
                failing = false;
                LOG.info("pcap " + file.path() + ": writing again");
            }
        } catch (IOException | RuntimeException e) {
            counts.lost.add(group.size());
            if (!failing) {
                failing = true;
                LOG.warning("pcap " + file.path() + ": write failed (" + e.getMessage() + "); its packets are lost for the capture and counted,"
                        + " the next ones are tried again. Free space there or point --pcap elsewhere.");
            }
            try {
                file.recover(before);
            } catch (IOException | RuntimeException again) {
                LOG.log(Level.FINE, "pcap " + file.path() + ": cutting back the failed write failed too", again);
            }
        }
    }

    /** Writes what is queued, syncs and closes the file; once (later calls return at once). */
    @Override
    public void close() throws IOException {
        closeFirst();
    }

    /** As {@link #close()}; true for the call that closed it. */
    public boolean closeFirst() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        closing = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        counts.lost.add(queue.size());
        queue.clear();
        file.close();
        return true;
    }

    /** One line for the end of a run: what reached the file and what did not. */
    public String summary() {
        return counts.written.sum() + " packet(s) written to " + file.path() + ", " + counts.withoutHeaders.sum()
                + " drop(s) without captured headers not written, " + counts.lost.sum() + " lost (capture queue full or write failed)";
    }
}
