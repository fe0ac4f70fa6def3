package io.syndrop.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.proto.v1.WatchItem;
import io.syndrop.wire.TestEvents;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JSON sink gives the page cache of what it synced back to the kernel, all but the file's
 * last bytes, and the file is whole. Residency is what mincore(2) says (through
 * MappedByteBuffer.isLoaded). The directory is under target/, on the build's disk: a tmpfs /tmp
 * keeps its pages whatever the advice, which this test would report as a failure, not skip.
 */
class JsonFileSinkPageCacheTest {
    private static final long MIB = 1 << 20;
    private static final long KEEP = 8 * MIB;
    private Path dir;

    @BeforeEach
    void dir() throws IOException {
        Files.createDirectories(Path.of("target"));
        dir = Files.createTempDirectory(Path.of("target"), "pagecache-");
    }

    @AfterEach
    void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted((x, y) -> y.compareTo(x)).forEach(p -> p.toFile().delete());
        }
    }

    private static List<WatchItem> group(int from, int n) {
        List<WatchItem> l = new ArrayList<>(n);
        for (int i = from; i < from + n; i++) {
            l.add(WatchItem.newBuilder().setEvent(TestEvents.event(i).toBuilder().setSeq(i + 1)).build());
        }
        return l;
    }

    /** Writes groups of 2,000 lines, each flushed as the committer does, until the file holds {@code bytes}; returns the lines. */
    private static int fill(JsonFileSink s, Path f, int from, long bytes) throws IOException {
        int n = from;
        while (Files.size(f) < bytes) {
            s.write(group(n, 2000));
            s.flush();
            n += 2000;
        }
        return n;
    }

    /**
     * Bytes of the file in the page cache, counted in whole MiB: MappedByteBuffer.isLoaded asks
     * mincore(2) whether every page of a mapping is resident, and mapping a file loads nothing.
     */
    private static long resident(Path f) throws IOException {
        long resident = 0;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = ch.size();
            for (long off = 0; off + MIB <= size; off += MIB) {
                if (ch.map(FileChannel.MapMode.READ_ONLY, off, MIB).isLoaded()) {
                    resident += MIB;
                }
            }
        }
        return resident;
    }

    @Test
    void syncedPagesBehindTheLastKeptBytesLeaveThePageCache() throws Exception {
        Path f = dir.resolve("events.json");
        int lines;
        long size;
        try (JsonFileSink s = new JsonFileSink(f, System.out, false, 0, null, KEEP)) {
            lines = fill(s, f, 0, 48 * MIB);
            size = Files.size(f);
            long res = resident(f);
            // kept: the last KEEP, plus less than one 8 MiB step not yet given back, plus the group after it
            assertTrue(res <= KEEP + 8 * MIB + 2 * MIB, "resident " + res + " of " + size + " bytes, keep " + KEEP);
            assertTrue(res >= KEEP / 2, "the end of the file stays cached for a reader tailing it: resident " + res);
        }
        assertEquals(lines, Files.readAllLines(f).size(), "every line is in the file");
    }

    @Test
    void withoutTheAdviceTheWholeFileStaysCached() throws Exception {
        // The control: the same writes with nothing given back are all resident, so the test above
        // measures the advice, not the machine evicting pages on its own.
        Path f = dir.resolve("events.json");
        try (JsonFileSink s = new JsonFileSink(f, System.out, false, 0, null, Long.MAX_VALUE)) {
            fill(s, f, 0, 48 * MIB);
            long size = Files.size(f);
            long res = resident(f);
            assertTrue(res >= size * 9 / 10, "resident " + res + " of " + size);
        }
    }

    @Test
    void afterARollbackTheRewrittenBytesAreGivenBackToo() throws Exception {
        Path f = dir.resolve("events.json");
        try (JsonFileSink s = new JsonFileSink(f, System.out, false, 0, null, KEEP)) {
            int n = fill(s, f, 0, 16 * MIB);
            String cp = s.checkpoint();
            fill(s, f, n, 48 * MIB); // given back up to about 40 MiB, past where the rollback cuts
            // a sink failure: the committer rolls back to the checkpoint and writes the group again
            s.recover(cp);
            assertEquals(Long.parseLong(cp.substring(cp.indexOf(':') + 1)), Files.size(f));
            fill(s, f, n, 64 * MIB);
            long res = resident(f);
            assertTrue(res <= KEEP + 8 * MIB + 2 * MIB, "resident " + res + " of " + Files.size(f));
        }
    }
}
