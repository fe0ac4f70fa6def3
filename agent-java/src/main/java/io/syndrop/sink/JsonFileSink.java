package io.syndrop.sink;

import io.syndrop.format.JsonBytes;
import io.syndrop.proto.v1.WatchItem;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;
import io.syndrop.format.JsonLines;
import io.syndrop.format.WireJson;
import io.syndrop.metrics.Metrics;
import io.syndrop.os.SyncedPages;
import java.util.concurrent.atomic.LongAdder;

/**
 * JSON lines into a file (fsynced on flush) or to stdout. Rotation by size and/or age happens only
 * between groups, so a rotated file always ends on a record the collector committed: the file
 * {@code NAME} is renamed to {@code NAME.<generation>} (000001, 000002, ...) and a new one started.
 * The checkpoint is {@code generation:offset}: after a crash the active file is cut back to it, which
 * removes exactly the records that were written but never acknowledged. After each fsync the
 * synced part of the file leaves the page cache behind its last 64 MiB ({@link SyncedPages}).
 */
public final class JsonFileSink implements Sink {
    private static final Logger LOG = Logger.getLogger(JsonFileSink.class.getName());
    private final Path file;
    private final PrintStream stdout;
    private static final int KEEP_BUFFER_BYTES = 16 << 20;
    private final JsonLines format;
    private final boolean ecs;
    private final WireJson wire = new WireJson();
    private LongAdder encodedEvents;
    private final JsonBytes out = new JsonBytes(64 * 1024);
    private final long maxBytes;
    private final Duration maxAge;
    private FileChannel ch;
    private long generation;
    private long offset;
    private long openedAtNanos;
    /** The synced part of the active file's page cache, given back behind the last keepCacheBytes. */
    private final long keepCacheBytes;
    private SyncedPages synced;

    /** @param file null for stdout */
    public JsonFileSink(Path file, PrintStream stdout, boolean ecs, long maxBytes, Duration maxAge) throws IOException {
        this(file, stdout, ecs, maxBytes, maxAge, SyncedPages.DEFAULT_KEEP_BYTES);
    }

    /** @param keepCacheBytes how much of the file's end stays in the page cache after a flush */
    JsonFileSink(Path file, PrintStream stdout, boolean ecs, long maxBytes, Duration maxAge, long keepCacheBytes) throws IOException {
        this.keepCacheBytes = keepCacheBytes;
        this.file = file;
        this.stdout = stdout;
        this.format = new JsonLines(ecs);
        this.ecs = ecs;
        this.maxBytes = maxBytes;
        this.maxAge = maxAge;
        if (file != null) {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            generation = highestRotated();
            open();
        }
    }

    private long highestRotated() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String prefix = file.getFileName() + ".";
        long max = 0;
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(prefix)) {
                    try {
                        max = Math.max(max, Long.parseLong(n.substring(prefix.length())));
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
        }
        return max;
    }

    private void open() throws IOException {
        ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        offset = ch.size();
        openedAtNanos = System.nanoTime();
        synced = new SyncedPages(file, keepCacheBytes);
    }

    @Override
    public String name() {
        return file == null ? "json:-" : "json:" + file;
    }

    @Override
    public void registerMetrics(Metrics metrics) {
        encodedEvents = metrics.counter("syndrop_collector_encoded_events_total", Metrics.label("sink", name()),
                "Drop events a JSON sink wrote straight from their protobuf bytes (the rest were parsed first); a group retried after a sink failure counts again.");
    }

    @Override
    public void write(List<WatchItem> items) throws IOException {
        out.reset();
        for (WatchItem i : items) {
            format.append(out, i);
        }
        put();
    }

    /**
     * Drop events still in their bytes are written by {@link WireJson} (ECS output has no byte
     * path: those are parsed); whatever WireJson does not take (an unknown field, say, from a newer
     * agent) is parsed and formatted as a message, which writes the same line.
     */
    @Override
    public void write(SinkRecords records) throws IOException {
        out.reset();
        long fromBytes = 0;
        for (int i = 0, n = records.size(); i < n; i++) {
            if (!ecs && records.encoded(i) && wire.drop(out, records.array(i), records.offset(i), records.length(i),
                    records.batchAgentId(i), records.batchBoot(i), records.batchNode(i))) {
                out.raw('\n');
                fromBytes++;
            } else {
                format.append(out, records.item(i));
            }
        }
        put();
        if (encodedEvents != null) {
            encodedEvents.add(fromBytes);
        }
    }

    @Override
    public boolean takesBytes() {
        return !ecs;
    }

    private void put() throws IOException {
        if (file == null) {
            out.writeTo(stdout);
        } else {
            maybeRotate();
            ByteBuffer buf = out.asByteBuffer();
            while (buf.hasRemaining()) {
                offset += ch.write(buf, offset);
            }
        }
        // A burst can grow the buffer to tens of MiB; keep at most a full group's worth.
        out.shrinkTo(KEEP_BUFFER_BYTES);
    }

    private void maybeRotate() throws IOException {
        boolean bySize = maxBytes > 0 && offset >= maxBytes;
        boolean byAge = maxAge != null && !maxAge.isZero() && offset > 0 && System.nanoTime() - openedAtNanos >= maxAge.toNanos();
        if (!bySize && !byAge) {
            return;
        }
        ch.force(true);
        ch.close();
        synced.close();
        generation++;
        Path rotated = file.resolveSibling(file.getFileName() + String.format(".%06d", generation));
        Files.move(file, rotated);
        LOG.info("rotated " + file + " to " + rotated);
        open();
    }

    @Override
    public void flush() throws IOException {
        if (file == null) {
            stdout.flush();
            if (stdout.checkError()) {
                throw new IOException("stdout is closed or failing");
            }
            return;
        }
        ch.force(false);
        synced.synced(offset);
    }

    @Override
    public String checkpoint() {
        return file == null ? "" : generation + ":" + offset;
    }

    @Override
    public void recover(String checkpoint) throws IOException {
        if (file == null || checkpoint == null || checkpoint.isEmpty()) {
            return;
        }
        int colon = checkpoint.indexOf(':');
        long gen = Long.parseLong(checkpoint.substring(0, colon));
        long off = Long.parseLong(checkpoint.substring(colon + 1));
        if (gen < generation) {
            // Rotated after the checkpoint: the rotated file ends where the checkpoint says (rotation
            // happens only between groups); everything in the active file is unacknowledged.
            Path rotated = file.resolveSibling(file.getFileName() + String.format(".%06d", gen + 1));
            if (Files.exists(rotated)) {
                try (FileChannel r = FileChannel.open(rotated, StandardOpenOption.WRITE)) {
                    if (r.size() > off) {
                        r.truncate(off);
                        r.force(true);
                    }
                }
            }
            off = 0;
        }
        if (ch.size() > off) {
            LOG.info(file + ": cutting " + (ch.size() - off) + " unacknowledged bytes (they will be resent)");
            ch.truncate(off);
            ch.force(true);
        }
        offset = Math.min(offset, off);
        offset = ch.size();
        synced.truncated(offset);
    }

    @Override
    public void close() throws IOException {
        if (ch != null) {
            ch.force(true);
            ch.close();
            synced.close();
        }
    }
}
