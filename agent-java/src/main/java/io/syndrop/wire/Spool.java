package io.syndrop.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.syndrop.proto.v1.Batch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * The agent's on-disk spool: every batch is appended here before it is sent and stays until the
 * collector acknowledges it, so a collector outage or an agent restart loses nothing that reached
 * the spool.
 *
 * <p>Layout: a directory of append-only segment files {@code 000000000001.seg}, each written by one
 * agent boot. A record is {@code [u32 length][u32 crc32c][i64 source position][Batch bytes]}, the CRC
 * covering position and batch. A torn tail (crash mid-write) fails its CRC or length and is cut off
 * on open. Segments are deleted once every batch in them is acknowledged. The size bound counts
 * all segment bytes; an append that would exceed it is refused (the caller counts the loss).
 *
 * <p>The source position lets a replayable event source (a recorded stream) resume after what was
 * spooled; it is kept in {@code source.pos} when the segments holding it are deleted.
 */
public final class Spool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Spool.class.getName());
    private static final int HEADER = 8;
    private static final int MAX_RECORD = 64 << 20;

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final boolean fsync;
    private final List<Segment> segments = new ArrayList<>();
    private final Map<Long, Long> acked = new HashMap<>();
    private long totalBytes;
    private long nextSegmentIndex = 1;
    private long maxBoot;
    private long lastSourcePosition = -1;
    private Segment active;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER + 8);
    private FileChannel activeChannel;
    private boolean closed;

    /** Where the reader is: a segment index and a byte offset inside it. */
    public static final class Cursor {
        long segment;
        long offset;

        Cursor(long segment, long offset) {
            this.segment = segment;
            this.offset = offset;
        }
    }

    private static final class Segment {
        final long index;
        final Path path;
        long boot;
        long lastSeq;
        long size;
        long maxSourcePosition = -1;
        int batches;

        Segment(long index, Path path) {
            this.index = index;
            this.path = path;
        }
    }

    public Spool(Path dir, long maxBytes, long segmentBytes, boolean fsync) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(4096, segmentBytes);
        this.fsync = fsync;
        Files.createDirectories(dir);
        Path pos = dir.resolve("source.pos");
        if (Files.exists(pos)) {
            try {
                lastSourcePosition = Long.parseLong(Files.readString(pos).trim());
            } catch (NumberFormatException e) {
                LOG.warning("spool: ignoring unreadable " + pos + " (" + e.getMessage() + ")");
            }
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.seg")) {
            ds.forEach(files::add);
        }
        files.sort(null);
        for (Path f : files) {
            String n = f.getFileName().toString();
            long index;
            try {
                index = Long.parseLong(n.substring(0, n.length() - 4));
            } catch (NumberFormatException e) {
                LOG.warning("spool: ignoring " + f + ": not a segment name");
                continue;
            }
            Segment s = scan(new Segment(index, f));
            nextSegmentIndex = Math.max(nextSegmentIndex, index + 1);
            if (s.batches == 0) {
                Files.deleteIfExists(f);
                continue;
            }
            segments.add(s);
            totalBytes += s.size;
            maxBoot = Math.max(maxBoot, s.boot);
            lastSourcePosition = Math.max(lastSourcePosition, s.maxSourcePosition);
        }
        Path bootFile = dir.resolve("boot.last");
        if (Files.exists(bootFile)) {
            try {
                maxBoot = Math.max(maxBoot, Long.parseLong(Files.readString(bootFile).trim()));
            } catch (NumberFormatException e) {
                LOG.warning("spool: ignoring unreadable " + bootFile);
            }
        }
    }

    /** Reads a segment's records to learn its range; cuts a torn or corrupt tail off. */
    private Segment scan(Segment s) throws IOException {
        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long fileSize = ch.size();
            long off = 0;
            while (true) {
                Record r = readAt(ch, off, fileSize);
                if (r == null) {
                    break;
                }
                s.boot = r.batch.boot();
                s.lastSeq = Math.max(s.lastSeq, r.batch.lastSeq());
                s.maxSourcePosition = Math.max(s.maxSourcePosition, r.sourcePosition);
                s.batches++;
                off = r.end;
            }
            if (off < fileSize) {
                LOG.warning("spool: " + s.path + ": " + (fileSize - off) + " bytes after offset " + off
                        + " are torn or corrupt (crash during a write?); cutting them off");
                ch.truncate(off);
            }
            s.size = off;
        }
        return s;
    }

    private record Record(SpooledBatch batch, long sourcePosition, long end) {}

    /** The record at off, or null at the end, on a torn tail or on a checksum mismatch. */
    private static Record readAt(FileChannel ch, long off, long limit) throws IOException {
        if (off + HEADER > limit) {
            return null;
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER);
        readFully(ch, h, off);
        h.flip();
        int len = h.getInt();
        int crc = h.getInt();
        if (len < 8 || len > MAX_RECORD || off + HEADER + len > limit) {
            return null;
        }
        byte[] body = new byte[len];
        readFully(ch, ByteBuffer.wrap(body), off + HEADER);
        CRC32C c = new CRC32C();
        c.update(body, 0, len);
        if ((int) c.getValue() != crc) {
            return null;
        }
        long pos = ByteBuffer.wrap(body, 0, 8).getLong();
        try {
            return new Record(SpooledBatch.scan(body, 8, len - 8), pos, off + HEADER + len);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long off) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, off + b.position());
            if (n < 0) {
                throw new IOException("unexpected end of spool segment");
            }
        }
    }

    /** Highest boot value any earlier run of this agent used (0 when none). */
    public synchronized long maxBoot() {
        return maxBoot;
    }

    /** Records that a new boot starts, so that the next start picks a larger one even if nothing is spooled. */
    public synchronized void recordBoot(long boot) throws IOException {
        maxBoot = Math.max(maxBoot, boot);
        writeAtomically(dir.resolve("boot.last"), Long.toString(boot));
    }

    /** Source position of the last spooled record (-1 when none): a replayable source resumes after it. */
    public synchronized long lastSourcePosition() {
        return lastSourcePosition;
    }

    public synchronized long bytes() {
        return totalBytes;
    }

    public synchronized int segmentCount() {
        return segments.size();
    }

    /** As {@link #append(SpooledBatch, long)}, encoding the batch first. */
    public boolean append(Batch batch, long sourcePosition) throws IOException {
        return append(SpooledBatch.of(batch), sourcePosition);
    }

    /**
     * Appends an encoded batch; false when that would exceed the size bound (nothing written).
     * Durable against a process crash on return, and against power loss too when fsync is on.
     */
    public synchronized boolean append(SpooledBatch batch, long sourcePosition) throws IOException {
        if (closed) {
            throw new IOException("spool is closed");
        }
        int len = 8 + batch.length();
        if (batch.length() > MAX_RECORD - 8) {
            throw new IOException("batch of " + batch.length() + " bytes exceeds the spool's record limit");
        }
        long need = HEADER + len;
        if (totalBytes + need > maxBytes) {
            return false;
        }
        if (active == null || active.boot != batch.boot() || (active.size > 0 && active.size + need > segmentBytes)) {
            roll(batch.boot());
        }
        header.clear();
        header.putInt(len);
        header.putInt(0);
        header.putLong(sourcePosition);
        CRC32C c = new CRC32C();
        c.update(header.array(), HEADER, 8);
        c.update(batch.array(), batch.offset(), batch.length());
        header.putInt(4, (int) c.getValue());
        header.flip();
        // Header and body go out in one gathering write, without copying the body.
        ByteBuffer[] parts = {header, ByteBuffer.wrap(batch.array(), batch.offset(), batch.length())};
        long off = active.size;
        activeChannel.position(off);
        while (parts[1].hasRemaining()) {
            off += activeChannel.write(parts);
        }
        if (fsync) {
            activeChannel.force(false);
        }
        active.size = off;
        active.lastSeq = Math.max(active.lastSeq, batch.lastSeq());
        active.maxSourcePosition = Math.max(active.maxSourcePosition, sourcePosition);
        active.batches++;
        totalBytes += need;
        lastSourcePosition = Math.max(lastSourcePosition, sourcePosition);
        notifyAll();
        return true;
    }

    private void roll(long boot) throws IOException {
        if (activeChannel != null) {
            activeChannel.close();
        }
        Segment s = new Segment(nextSegmentIndex++, dir.resolve(String.format("%012d.seg", nextSegmentIndex - 1)));
        s.boot = boot;
        activeChannel = FileChannel.open(s.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        if (fsync) {
            fsyncDir();
        }
        active = s;
        segments.add(s);
    }

    /** Where a fresh connection starts reading: the oldest segment still held. */
    public synchronized Cursor start() {
        return new Cursor(segments.isEmpty() ? nextSegmentIndex : segments.get(0).index, 0);
    }

    /**
     * The next batch at the cursor, advancing it; waits up to waitMillis for one to be appended.
     * Batches already acknowledged are skipped. Null when none arrived in time.
     */
    public synchronized SpooledBatch next(Cursor cur, long waitMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        while (!closed) {
            Segment s = null;
            for (Segment seg : segments) {
                if (seg.index >= cur.segment) {
                    s = seg;
                    break;
                }
            }
            if (s != null) {
                if (s.index > cur.segment) {
                    cur.segment = s.index;
                    cur.offset = 0;
                }
                if (cur.offset < s.size) {
                    Record r;
                    if (s == active) {
                        r = readAt(activeChannel, cur.offset, s.size);
                    } else {
                        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ)) {
                            r = readAt(ch, cur.offset, s.size);
                        }
                    }
                    if (r == null) {
                        // Should not happen for bytes this process wrote and checked; skip the segment.
                        LOG.warning("spool: unreadable record in " + s.path + " at " + cur.offset + "; skipping the rest of it");
                        cur.segment = s.index + 1;
                        cur.offset = 0;
                        continue;
                    }
                    cur.offset = r.end;
                    if (r.batch.lastSeq() <= acked.getOrDefault(r.batch.boot(), 0L)) {
                        continue;
                    }
                    return r.batch;
                }
                if (s != active) {
                    cur.segment = s.index + 1;
                    cur.offset = 0;
                    continue;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            wait(Math.max(1, left / 1_000_000L));
        }
        return null;
    }

    /** The collector took everything of this boot up to seq: delete the segments that are now fully acknowledged. */
    public synchronized void ack(long boot, long seq) throws IOException {
        acked.merge(boot, seq, Math::max);
        List<Segment> done = new ArrayList<>();
        for (Segment s : segments) {
            if (s.boot == boot && s.lastSeq <= seq) {
                done.add(s);
            }
        }
        if (done.isEmpty()) {
            return;
        }
        long pos = -1;
        for (Segment s : done) {
            pos = Math.max(pos, s.maxSourcePosition);
        }
        if (pos >= 0) {
            // Before the last record carrying it goes, so a restart still knows where the source was.
            writeAtomically(dir.resolve("source.pos"), Long.toString(pos));
        }
        for (Segment s : done) {
            if (s == active) {
                activeChannel.close();
                activeChannel = null;
                active = null;
            }
            Files.deleteIfExists(s.path);
            segments.remove(s);
            totalBytes -= s.size;
        }
    }

    private void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(content.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            if (fsync) {
                ch.force(true);
            }
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (fsync) {
            fsyncDir();
        }
    }

    private void fsyncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems refuse fsync on a directory; the data files themselves are synced.
        }
    }

    /** Wakes readers (used when a connection breaks so the publisher can restart). */
    public synchronized void wakeReaders() {
        notifyAll();
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        notifyAll();
        if (activeChannel != null) {
            activeChannel.close();
            activeChannel = null;
        }
    }
}
