package io.syndrop.collector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the collector has already taken: per agent id and boot the highest sequence number its
 * sinks hold (the high-water mark), plus each sink's checkpoint. Persisted in one file
 * ({@code DIR/collector.state}) that is replaced atomically and fsynced before any acknowledgement
 * goes out, so after a crash the collector neither acknowledges anything its sinks lost nor writes
 * a record twice. Only the newest {@link #BOOTS_KEPT} boots of an agent are remembered.
 *
 * <p>Format, one entry per line: {@code agent <agent-id-urlencoded> <boot> <hwm>} and
 * {@code sink <name-urlencoded> <checkpoint-urlencoded>}.
 */
final class DedupeState {
    static final int BOOTS_KEPT = 16;
    private final Path file;
    private final Map<String, TreeMap<Long, Long>> hwm = new HashMap<>();
    private final Map<String, String> checkpoints = new LinkedHashMap<>();

    /** @param dir null for memory only (a restart forgets, and replays become duplicates) */
    DedupeState(Path dir) throws IOException {
        this.file = dir == null ? null : dir.resolve("collector.state");
        if (file == null) {
            return;
        }
        Files.createDirectories(dir);
        if (!Files.exists(file)) {
            return;
        }
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String[] f = line.split(" ");
            try {
                if (f[0].equals("agent") && f.length == 4) {
                    hwm.computeIfAbsent(dec(f[1]), k -> new TreeMap<>()).put(Long.parseUnsignedLong(f[2]), Long.parseUnsignedLong(f[3]));
                } else if (f[0].equals("sink") && f.length == 3) {
                    checkpoints.put(dec(f[1]), dec(f[2]));
                } else if (!line.isBlank()) {
                    throw new IOException("unknown entry");
                }
            } catch (RuntimeException | IOException e) {
                throw new IOException(file + " line " + lineNo + " is not a collector state entry ('" + line
                        + "'); fix or remove the file (removing it makes replays duplicate)", e);
            }
        }
    }

    private static String enc(String s) {
        return s.isEmpty() ? "%" : java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return s.equals("%") ? "" : java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    long hwm(String agent, long boot) {
        TreeMap<Long, Long> m = hwm.get(agent);
        return m == null ? 0 : m.getOrDefault(boot, 0L);
    }

    void setHwm(String agent, long boot, long seq) {
        TreeMap<Long, Long> m = hwm.computeIfAbsent(agent, k -> new TreeMap<>());
        m.put(boot, seq);
        while (m.size() > BOOTS_KEPT) {
            m.pollFirstEntry();
        }
    }

    /** True when a boot older than every remembered one shows up: its state was forgotten. */
    boolean forgotten(String agent, long boot) {
        TreeMap<Long, Long> m = hwm.get(agent);
        return m != null && m.size() >= BOOTS_KEPT && boot < m.firstKey();
    }

    String checkpoint(String sink) {
        return checkpoints.getOrDefault(sink, "");
    }

    void setCheckpoint(String sink, String cp) {
        checkpoints.put(sink, cp);
    }

    Map<String, TreeMap<Long, Long>> snapshot() {
        Map<String, TreeMap<Long, Long>> c = new HashMap<>();
        hwm.forEach((k, v) -> c.put(k, new TreeMap<>(v)));
        return c;
    }

    void restore(Map<String, TreeMap<Long, Long>> snap) {
        hwm.clear();
        hwm.putAll(snap);
    }

    /** Writes and fsyncs the state; returns when it is durable. */
    void commit() throws IOException {
        if (file == null) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        hwm.forEach((agent, boots) -> boots.forEach((boot, seq) -> sb.append("agent ").append(enc(agent)).append(' ')
                .append(Long.toUnsignedString(boot)).append(' ').append(Long.toUnsignedString(seq)).append('\n')));
        checkpoints.forEach((s, cp) -> sb.append("sink ").append(enc(s)).append(' ').append(enc(cp)).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // directory fsync unsupported on this file system; the rename is still atomic
        }
    }
}
