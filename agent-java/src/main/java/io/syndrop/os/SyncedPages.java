package io.syndrop.os;

import com.sun.jna.LastErrorException;
import java.io.Closeable;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Gives the page cache of a file that is only ever appended to back to the kernel once its bytes
 * are synced and well behind the end: everything but the last {@code keepBytes} is dropped
 * (POSIX_FADV_DONTNEED, which Java has no API for). A sink that writes hundreds of MB/s otherwise
 * fills the node's memory with pages nobody reads again, evicting what the node's own services
 * cache; and growing the page cache is itself the collector's biggest cost at its ceiling (on this
 * machine's VM, 0.44 us of kernel time per 350-byte line while the cache grows, 0.11 us when its
 * pages are recycled; docs/wire.md, "The page cache"). The last {@code keepBytes} stay
 * so that a shipper tailing the file still reads them from memory.
 *
 * <p>Advice only: when the C library cannot be loaded or the call fails, it says so once and the
 * file is written exactly as before. The advice works on the file's cache whichever descriptor
 * names it, so this keeps its own read-only descriptor next to the writer's FileChannel.
 */
public final class SyncedPages implements Closeable {
    private static final Logger LOG = Logger.getLogger(SyncedPages.class.getName());
    /** Fewer, larger calls: nothing is dropped until this much more is behind the kept window. */
    private static final long STEP_BYTES = 8L << 20;
    public static final long DEFAULT_KEEP_BYTES = 64L << 20;

    private final Path file;
    private final long keepBytes;
    private int fd = -1;
    private boolean disabled;
    private long droppedTo;

    public SyncedPages(Path file, long keepBytes) {
        this.file = file;
        this.keepBytes = keepBytes;
    }

    /**
     * The file is synced up to {@code end}: drops the cache below {@code end - keepBytes}. Call it
     * only after fsync/fdatasync returned (dirty pages are not dropped; they would be written back).
     */
    public void synced(long end) {
        long to = end - keepBytes;
        if (disabled || to - droppedTo < STEP_BYTES) {
            return;
        }
        try {
            if (fd < 0) {
                fd = Libc.INSTANCE.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
            }
            int err = Libc.INSTANCE.posix_fadvise(fd, droppedTo, to - droppedTo, Libc.POSIX_FADV_DONTNEED);
            if (err != 0) {
                disable("posix_fadvise returned error " + err);
                return;
            }
            droppedTo = to;
        } catch (LastErrorException e) {
            disable("open for posix_fadvise failed: errno " + e.getErrorCode());
        } catch (LinkageError e) { // JNA or its native part not loadable (e.g. a noexec temp dir)
            disable("the C library could not be loaded: " + e.getMessage());
        }
    }

    /** The file was cut back to {@code size} (a rollback): what is dropped starts again from there. */
    public void truncated(long size) {
        droppedTo = Math.min(droppedTo, Math.max(0, size));
    }

    private void disable(String why) {
        disabled = true;
        LOG.warning(file + ": " + why + "; its synced pages stay in the page cache (the file is written as before)");
        close();
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Libc.closeQuietly(fd);
            fd = -1;
        }
    }
}
