package io.syndrop.agent;

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
import io.syndrop.wire.SpooledBatch;

/**
 * The agent's on-disk spool: every batch is appended here before it is sent and stays until the
 * collector acknowledges it, so a collector outage or an agent restart loses nothing that reached
 * the spool.
 *
 * <p>Layout: a directory of append-only segment files {@code 000000000001.seg}, each written by one
 * agent boot. A record is {@code [u32 length][u32 crc32c][i64 source position][Batch bytes]}, the CRC
 * covering position and batch. A torn tail (crash mid-write) fails its CRC or length and is cut off
 * on open. A record failing its checksum in the middle of a segment is skipped: reading resumes at
 * the next valid record, and what was skipped is reported through {@link #takeSkipped()} (with the
 * number of records when the sequence numbers around the hole tell it). Segments are deleted once
 * every batch in them is acknowledged. The size bound counts all segment bytes; an append that
 * would exceed it is refused (the caller counts the loss).
 *
 * <p>Durable means: when {@link #append} returns true the record survives a crash of the agent
 * process, and with fsync on (the default) also a kernel crash or power loss, because append returns
 * only after fdatasync of its segment (and, for a new segment, of the directory). The sync runs
 * outside the spool's lock (appends that arrive meanwhile share the next one), so readers and
 * acknowledgements never wait for the disk; a record may be sent before it is synced, which costs
 * nothing: the collector has it durably once it acknowledges it.
 *
 * <p>The source position lets a replayable event source (a recorded stream) resume after what was
 * spooled; it is kept in {@code source.pos} when the segments holding it are deleted.
 */
public final class Spool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Spool.class.getName());
    private static final int HEADER = 8;
    private static final int MAX_RECORD = 64 << 20;
    /** Bytes a search for the next valid record may read and checksum before it gives up on a segment. */
    private static final long RESYNC_BUDGET = 256L << 20;

    /** Makes a segment's data durable; the tests swap in one that blocks or counts. */
    interface Syncer {
        void force(FileChannel ch) throws IOException;
    }

    /** Thrown by append when the record was written (it is in the spool and will be sent) but the sync failed. */
    public static final class NotSyncedException extends IOException {
        NotSyncedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A stretch of a segment that was skipped as unreadable; records is -1 when the count is unknown. */
    public record Skipped(long records, long bytes, String detail) {}

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final boolean fsync;
    private final Syncer syncer;
    // Held while a segment is synced; never taken inside the spool's own lock.
    private final Object syncLock = new Object();
    private final Object posLock = new Object();
    private volatile long savedSourcePosition = -1;
    private final List<Skipped> skipped = new ArrayList<>();
    private final List<Segment> segments = new ArrayList<>();
    private final Map<Long, Long> acked = new HashMap<>();
    private long totalBytes;
    private long nextSegmentIndex = 1;
    private long maxBoot;
    private long lastSourcePosition = -1;
    private Segment active;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER + 8);
    private boolean closed;

    /** Where the reader is: a segment index and a byte offset inside it. */
    public static final class Cursor {
        long segment;
        long offset;
        // Last seq of the record before offset in this segment (0: none), to count a hole found here.
        long lastSeq;

        Cursor(long segment, long offset) {
            this.segment = segment;
            this.offset = offset;
        }

        void moveTo(long segment) {
            this.segment = segment;
            offset = 0;
            lastSeq = 0;
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
        /** Unreadable stretches found so far: start offset to the offset of the next valid record. */
        final java.util.TreeMap<Long, Long> holes = new java.util.TreeMap<>();
        // Open for writing while active, and after that until its last append is synced.
        FileChannel ch;
        long synced;
        boolean dirSynced;
        boolean syncing;
        boolean sealed;
        boolean deleted;

        Segment(long index, Path path) {
            this.index = index;
            this.path = path;
        }
    }

    public Spool(Path dir, long maxBytes, long segmentBytes, boolean fsync) throws IOException {
        this(dir, maxBytes, segmentBytes, fsync, ch -> ch.force(false));
    }

    Spool(Path dir, long maxBytes, long segmentBytes, boolean fsync, Syncer syncer) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(4096, segmentBytes);
        this.fsync = fsync;
        this.syncer = syncer;
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
        OpenScan scan = new OpenScan();
        for (Path f : files) {
            String n = f.getFileName().toString();
            long index;
            try {
                index = Long.parseLong(n.substring(0, n.length() - 4));
            } catch (NumberFormatException e) {
                LOG.warning("spool: ignoring " + f + ": not a segment name");
                continue;
            }
            Segment s = scan(new Segment(index, f), scan);
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
        scan.finish();
        Path bootFile = dir.resolve("boot.last");
        if (Files.exists(bootFile)) {
            try {
                maxBoot = Math.max(maxBoot, Long.parseLong(Files.readString(bootFile).trim()));
            } catch (NumberFormatException e) {
                LOG.warning("spool: ignoring unreadable " + bootFile);
            }
        }
    }

    /**
     * What the open-time scan knows across segments (they are read in the order they were written):
     * the last record seen, and a hole waiting for the next record to tell how many records it held.
     */
    private final class OpenScan {
        long lastBoot = -1;
        long lastSeq;
        Segment holeIn;
        long holeStart;
        long holeBytes;
        boolean holeAtTail;

        void record(Segment s, Record r) {
            if (holeIn != null) {
                boolean sameBoot = r.batch.boot() == lastBoot;
                if (holeAtTail && !sameBoot) {
                    tornTail();
                } else {
                    long count = sameBoot && lastSeq > 0 ? r.batch.firstSeq() - lastSeq - 1 : -1;
                    reportHole(holeIn, holeStart, holeBytes, count, sameBoot ? lastSeq : 0, r.batch);
                }
                holeIn = null;
            }
            lastBoot = r.batch.boot();
            lastSeq = r.batch.lastSeq();
        }

        void hole(Segment s, long start, long bytes, boolean atTail) {
            if (holeIn != null) {
                // Two holes with no record between them (a tail, then the next segment's start): one report each.
                reportHole(holeIn, holeStart, holeBytes, -1, 0, null);
            }
            holeIn = s;
            holeStart = start;
            holeBytes = bytes;
            holeAtTail = atTail;
        }

        /** The end of a boot: a crash in mid-write leaves this, and that append never returned. */
        private void tornTail() {
            LOG.warning("spool: " + holeIn.path + ": " + holeBytes + " bytes after offset " + holeStart
                    + " are torn (crash during a write?); cut off");
            skipped.add(new Skipped(0, holeBytes, "torn tail of " + holeIn.path.getFileName()));
        }

        void finish() {
            if (holeIn == null) {
                return;
            }
            if (holeAtTail) {
                tornTail();
            } else {
                reportHole(holeIn, holeStart, holeBytes, -1, 0, null);
            }
            holeIn = null;
        }
    }

    private void reportHole(Segment s, long start, long bytes, long records, long afterSeq, SpooledBatch next) {
        String what = records >= 0 ? records + " records (seq " + (afterSeq + 1) + ".." + (next.firstSeq() - 1) + " of boot " + next.boot() + ")"
                : "an unknown number of records";
        String detail = "spool segment " + s.path.getFileName() + " corrupt at offset " + start + ": skipped " + bytes + " bytes, " + what;
        LOG.warning("spool: " + detail + "; reading resumes at the next valid record");
        skipped.add(new Skipped(records, bytes, detail));
    }

    /** Reads a segment's records to learn its range, skipping unreadable stretches; cuts a torn or corrupt tail off. */
    private Segment scan(Segment s, OpenScan scan) throws IOException {
        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long fileSize = ch.size();
            long off = 0;
            while (off < fileSize) {
                Record r = readAt(ch, off, fileSize);
                if (r == null) {
                    r = resync(ch, off + 1, fileSize);
                    if (r == null) {
                        scan.hole(s, off, fileSize - off, true);
                        break;
                    }
                    s.holes.put(off, r.start);
                    scan.hole(s, off, r.start - off, false);
                }
                scan.record(s, r);
                s.boot = r.batch.boot();
                s.lastSeq = Math.max(s.lastSeq, r.batch.lastSeq());
                s.maxSourcePosition = Math.max(s.maxSourcePosition, r.sourcePosition);
                s.batches++;
                off = r.end;
            }
            if (off < fileSize) {
                ch.truncate(off);
            }
            s.size = Math.min(off, fileSize);
        }
        return s;
    }

    /** The first valid record starting in [from, limit), or null; gives up after reading {@link #RESYNC_BUDGET} bytes. */
    private static Record resync(FileChannel ch, long from, long limit) throws IOException {
        ByteBuffer win = ByteBuffer.allocate(64 << 10);
        long budget = RESYNC_BUDGET;
        long base = from;
        while (base + HEADER <= limit) {
            int n = (int) Math.min(win.capacity(), limit - base);
            win.clear().limit(n);
            readFully(ch, win, base);
            for (int i = 0; i + HEADER <= n; i++) {
                int len = win.getInt(i);
                if (len < 8 || len > MAX_RECORD || base + i + HEADER + len > limit) {
                    continue;
                }
                budget -= len;
                if (budget < 0) {
                    LOG.warning("spool: gave up looking for a valid record after " + (base + i - from) + " unreadable bytes");
                    return null;
                }
                Record r = readAt(ch, base + i, limit);
                if (r != null) {
                    return r;
                }
            }
            // Windows overlap by a header, so a record starting near the end of one is still found.
            base += n - HEADER + 1;
        }
        return null;
    }

    private record Record(SpooledBatch batch, long sourcePosition, long start, long end) {}

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
            return new Record(SpooledBatch.scan(body, 8, len - 8), pos, off, off + HEADER + len);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long off) throws IOException {
        int at = b.position();
        while (b.hasRemaining()) {
            int n = ch.read(b, off + b.position() - at);
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
     * Appends an encoded batch; false when that would exceed the size bound (nothing written). On a
     * true return the record is durable as the class comment defines it. Throws
     * {@link NotSyncedException} when the record was written but its sync failed, any other
     * IOException when nothing was written.
     */
    public boolean append(SpooledBatch batch, long sourcePosition) throws IOException {
        Segment seg;
        long end;
        synchronized (this) {
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
            try {
                active.ch.position(off);
                while (parts[1].hasRemaining()) {
                    off += active.ch.write(parts);
                }
            } catch (IOException e) {
                // A partial record (disk full) must not stay behind the valid ones.
                try {
                    active.ch.truncate(active.size);
                } catch (IOException ignored) {
                    // the next append overwrites it; a reopen cuts it off as a torn tail
                }
                throw e;
            }
            active.size = off;
            active.lastSeq = Math.max(active.lastSeq, batch.lastSeq());
            active.maxSourcePosition = Math.max(active.maxSourcePosition, sourcePosition);
            active.batches++;
            totalBytes += need;
            lastSourcePosition = Math.max(lastSourcePosition, sourcePosition);
            notifyAll();
            seg = active;
            end = off;
        }
        if (fsync) {
            try {
                sync(seg, end);
            } catch (IOException e) {
                throw new NotSyncedException("spool: fsync of " + seg.path + " failed (" + e.getMessage()
                        + "); the batch is spooled and will be sent, but would not survive a power loss", e);
            }
        }
        return true;
    }

    /**
     * Makes the segment durable up to end. One sync covers every append written before it started,
     * so concurrent appenders share it; the spool's lock is not held while the disk works.
     */
    private void sync(Segment seg, long end) throws IOException {
        synchronized (syncLock) {
            FileChannel ch;
            long target;
            synchronized (this) {
                if (seg.synced >= end || seg.deleted) {
                    // Synced by a later append's sync, or acknowledged by the collector already.
                    return;
                }
                if (seg.ch == null) {
                    throw new IOException("spool closed before the batch was synced");
                }
                ch = seg.ch;
                target = seg.size;
                seg.syncing = true;
            }
            boolean ok = false;
            try {
                if (!seg.dirSynced) {
                    fsyncDir(); // the new segment's name must survive a power loss too
                }
                syncer.force(ch);
                ok = true;
            } finally {
                synchronized (this) {
                    seg.syncing = false;
                    if (ok) {
                        seg.dirSynced = true;
                        seg.synced = Math.max(seg.synced, target);
                    }
                    if (seg.deleted || closed || (seg.sealed && seg.synced >= seg.size)) {
                        closeChannel(seg);
                    }
                }
            }
        }
    }

    /** Closes a segment's write channel unless a sync is using it (that sync closes it when done). */
    private void closeChannel(Segment s) throws IOException {
        if (s.ch != null && !s.syncing) {
            s.ch.close();
            s.ch = null;
        }
    }

    private void roll(long boot) throws IOException {
        Segment s = new Segment(nextSegmentIndex, dir.resolve(String.format("%012d.seg", nextSegmentIndex)));
        s.boot = boot;
        s.ch = FileChannel.open(s.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        nextSegmentIndex++;
        if (active != null) {
            active.sealed = true;
            if (!fsync || active.synced >= active.size) {
                closeChannel(active);
            }
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
     * Batches already acknowledged are skipped, and so are unreadable records (reported once through
     * {@link #takeSkipped()}). Null when none arrived in time.
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
                    cur.moveTo(s.index);
                }
                Long holeEnd = s.holes.get(cur.offset);
                if (holeEnd != null) {
                    cur.offset = holeEnd;
                    cur.lastSeq = 0;
                }
                if (cur.offset < s.size) {
                    Record r = read(s, cur.offset);
                    if (r == null) {
                        // Bytes that checked out when written (or at open) and fail now: the disk changed them.
                        cur.offset = skipHole(s, cur.offset, cur.lastSeq);
                        cur.lastSeq = 0;
                        continue;
                    }
                    cur.offset = r.end;
                    cur.lastSeq = r.batch.lastSeq();
                    if (r.batch.lastSeq() <= acked.getOrDefault(r.batch.boot(), 0L)) {
                        continue;
                    }
                    return r.batch;
                }
                if (s != active) {
                    cur.moveTo(s.index + 1);
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

    private Record read(Segment s, long off) throws IOException {
        if (s.ch != null) {
            return readAt(s.ch, off, s.size);
        }
        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ)) {
            return readAt(ch, off, s.size);
        }
    }

    /** Records an unreadable stretch found while reading and returns where reading resumes. */
    private long skipHole(Segment s, long off, long lastSeqBefore) throws IOException {
        Record r;
        if (s.ch != null) {
            r = resync(s.ch, off + 1, s.size);
        } else {
            try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ)) {
                r = resync(ch, off + 1, s.size);
            }
        }
        long resume = r == null ? s.size : r.start;
        s.holes.put(off, resume);
        long count = r != null && lastSeqBefore > 0 ? r.batch.firstSeq() - lastSeqBefore - 1 : -1;
        reportHole(s, off, resume - off, count, lastSeqBefore, r == null ? null : r.batch);
        return resume;
    }

    /** Unreadable stretches found since the last call (at open or while reading), each reported once. */
    public synchronized List<Skipped> takeSkipped() {
        if (skipped.isEmpty()) {
            return List.of();
        }
        List<Skipped> out = List.copyOf(skipped);
        skipped.clear();
        return out;
    }

    /**
     * The collector took everything of this boot up to seq: delete the segments that are now fully
     * acknowledged. The source position file is written (and synced) outside the spool's lock.
     */
    public void ack(long boot, long seq) throws IOException {
        List<Segment> done = new ArrayList<>();
        long pos = -1;
        synchronized (this) {
            acked.merge(boot, seq, Math::max);
            for (Segment s : segments) {
                if (s.boot == boot && s.lastSeq <= seq) {
                    done.add(s);
                    pos = Math.max(pos, s.maxSourcePosition);
                }
            }
        }
        if (done.isEmpty()) {
            return;
        }
        if (pos >= 0) {
            // Before the last record carrying it goes, so a restart still knows where the source was.
            synchronized (posLock) {
                if (pos > savedSourcePosition) {
                    writeAtomically(dir.resolve("source.pos"), Long.toString(pos));
                    savedSourcePosition = pos;
                }
            }
        }
        synchronized (this) {
            for (Segment s : done) {
                // Appended to meanwhile (the active segment), or already deleted by a concurrent ack: keep.
                if (s.deleted || s.lastSeq > seq || s.maxSourcePosition > Math.max(pos, savedSourcePosition)) {
                    continue;
                }
                if (s == active) {
                    active = null;
                }
                s.deleted = true;
                closeChannel(s);
                Files.deleteIfExists(s.path);
                segments.remove(s);
                totalBytes -= s.size;
            }
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
        for (Segment s : segments) {
            closeChannel(s);
        }
    }
}
