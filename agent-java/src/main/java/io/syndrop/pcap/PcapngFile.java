package io.syndrop.pcap;

import io.syndrop.ProjectVersion;
import io.syndrop.proto.v1.DropEvent;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A pcapng file of dropped segments, rotated by size and/or age and bounded in total, like the
 * collector's JSON file sink. Rotation happens only between groups ({@link #startGroup()}): the
 * file {@code NAME} is renamed to {@code NAME.<generation>} (000001, 000002, ...) and a new one is
 * started, so every file is a complete pcapng: it opens with a Section Header Block, and each
 * interface's Description Block comes before that interface's first packet. With a total bound the
 * oldest rotated files are deleted until the active file and the rotated ones fit in it.
 *
 * <p>A file that already exists is appended to as a continuation of its last section (its
 * interfaces are read back from it); a torn block at its end (a crash mid-write) is cut first. The checkpoint is
 * {@code generation:offset}, as for the JSON sink; {@link #recover} cuts the file back to it and
 * forgets the interfaces whose blocks were cut with it.
 *
 * <p>Interfaces are one per (node, network namespace, device); a file describes at most
 * {@link #MAX_INTERFACES}; packets of further devices share one overflow interface (their
 * comments name the device), so no input grows memory without bound.
 * Not thread-safe: one writer thread.
 */
public final class PcapngFile implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PcapngFile.class.getName());
    static final int MAX_INTERFACES = 4096;
    private static final int KEEP_BUFFER_BYTES = 4 << 20;

    /** Rotation and bounds; 0 / null means none. */
    public record Bounds(long maxBytes, Duration maxAge, long maxTotalBytes) {
        public static final Bounds NONE = new Bounds(0, null, 0);

        public boolean rotates() {
            return maxBytes > 0 || (maxAge != null && !maxAge.isZero());
        }
    }

    /**
     * An interface as the file describes it. Name and description are made from (node, network
     * namespace, device name and index) and together name each such device once, so the table can
     * be read back from a file that is appended to.
     */
    record InterfaceKey(String name, String description) {
        static InterfaceKey of(DropEvent e) {
            return new InterfaceKey(DropPacket.interfaceName(e), DropPacket.interfaceDescription(e));
        }
    }

    /** Where packets of devices beyond {@link #MAX_INTERFACES} go (their comment still names the device). */
    static final InterfaceKey OVERFLOW = new InterfaceKey("overflow@syndrop",
            "syndrop: devices beyond the first " + (MAX_INTERFACES - 1) + " of this file; each packet's comment names its own");

    private final Path file;
    private final Bounds bounds;
    private final PcapngBlocks blocks = new PcapngBlocks();
    private final Map<InterfaceKey, Integer> interfaces = new HashMap<>();
    // In id order; the first writtenInterfaces of them are described in the file itself.
    private final List<InterfaceKey> interfaceOrder = new ArrayList<>();
    private int writtenInterfaces;
    private FileChannel ch;
    private long generation;
    private long offset;
    private long openedAtNanos;
    private boolean needSection = true;
    private long packets;
    private long pendingPackets;
    private long packetsAtFlush;
    private long withoutHeadersAtFlush;
    private long withoutHeaders;
    private long deletedFiles;

    public PcapngFile(Path file, Bounds bounds) throws IOException {
        this.file = file;
        this.bounds = bounds;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        generation = highestRotated();
        open();
    }

    public Path path() {
        return file;
    }

    /** Packets written (since start; those cut again by {@link #recover} not counted). */
    public long packets() {
        return packets;
    }

    /** Events that had no captured headers and so were not written (since start). */
    public long withoutHeaders() {
        return withoutHeaders;
    }

    /** Rotated files deleted to keep the total bound. */
    public long deletedFiles() {
        return deletedFiles;
    }

    private void open() throws IOException {
        ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        Scan scan = PcapngScan.scan(file, ch.size());
        if (scan.validLength() < ch.size()) {
            LOG.warning(file + ": cutting a torn pcapng block at its end (" + (ch.size() - scan.validLength()) + " bytes, from an interrupted write)");
            ch.truncate(scan.validLength());
        }
        offset = ch.size();
        openedAtNanos = System.nanoTime();
        takeInterfaces(scan);
    }

    /**
     * Continues the file's last section: one section per file, because tshark 4.0 (Debian 12) does
     * not map interface ids section by section (a packet of a second section showed the first
     * section's interface of the same id).
     */
    private void takeInterfaces(Scan scan) {
        interfaces.clear();
        interfaceOrder.clear();
        for (InterfaceKey k : scan.interfaces()) {
            interfaces.putIfAbsent(k, interfaceOrder.size());
            interfaceOrder.add(k);
        }
        writtenInterfaces = interfaceOrder.size();
        needSection = offset == 0;
    }

    /** Call before each group of events: rotates the file when a bound says so. */
    public void startGroup() throws IOException {
        boolean bySize = bounds.maxBytes() > 0 && offset >= bounds.maxBytes();
        boolean byAge = bounds.maxAge() != null && !bounds.maxAge().isZero() && offset > 0
                && System.nanoTime() - openedAtNanos >= bounds.maxAge().toNanos();
        if (!bySize && !byAge) {
            return;
        }
        ch.force(true);
        ch.close();
        generation++;
        Path rotated = rotatedPath(generation);
        Files.move(file, rotated);
        LOG.info("rotated " + file + " to " + rotated + " (" + packets + " packets written since start, " + withoutHeaders
                + " events without captured headers not written)");
        open();
        enforceTotal();
    }

    /**
     * Encodes one event's packet (and its interface's block and a section header where needed).
     * False, and counted, when the event carries no captured headers. Nothing reaches the file
     * before {@link #writeEncoded()}.
     */
    public boolean append(DropEvent e) {
        if (!DropPacket.hasHeaders(e)) {
            withoutHeaders++;
            return false;
        }
        if (needSection) {
            blocks.sectionHeader("syndrop " + ProjectVersion.VALUE, System.getProperty("os.name") + " " + System.getProperty("os.version"),
                    System.getProperty("os.arch"));
            needSection = false;
        }
        InterfaceKey key = InterfaceKey.of(e);
        Integer id = interfaces.get(key);
        if (id == null) {
            if (interfaceOrder.size() >= MAX_INTERFACES - 1) {
                key = OVERFLOW;
                id = interfaces.get(key);
            }
            if (id == null) {
                id = interfaceOrder.size();
                interfaces.put(key, id);
                interfaceOrder.add(key);
                blocks.interfaceDescription(key.name(), key.description(), DropPacket.SNAPLEN);
            }
        }
        blocks.enhancedPacket(id, e.getTimeUnixNano(), e.getPacketHeaders(), DropPacket.capturedLength(e),
                DropPacket.originalLength(e.getPacketHeaders()), DropPacket.comment(e, key == OVERFLOW));
        pendingPackets++;
        return true;
    }

    /** Writes what {@link #append} encoded (not synced: see {@link #flush()}). */
    public void writeEncoded() throws IOException {
        ByteBuffer b = blocks.encoded();
        while (b.hasRemaining()) {
            offset += ch.write(b, offset);
        }
        blocks.reset();
        blocks.shrinkTo(KEEP_BUFFER_BYTES);
        packets += pendingPackets;
        pendingPackets = 0;
        writtenInterfaces = interfaceOrder.size();
    }

    /** Makes what was written durable (fsync). */
    public void flush() throws IOException {
        ch.force(false);
        packetsAtFlush = packets;
        withoutHeadersAtFlush = withoutHeaders;
    }

    public String checkpoint() {
        return generation + ":" + offset;
    }

    /** Cuts what was written after {@code checkpoint} (never acknowledged; it will be written again). */
    public void recover(String checkpoint) throws IOException {
        blocks.reset();
        pendingPackets = 0;
        // What was written after the last flush is cut (and will come again): it no longer counts.
        packets = packetsAtFlush;
        withoutHeaders = withoutHeadersAtFlush;
        // Interfaces encoded but never written are not in the file.
        while (interfaceOrder.size() > writtenInterfaces) {
            interfaces.remove(interfaceOrder.remove(interfaceOrder.size() - 1));
        }
        needSection = offset == 0;
        if (checkpoint == null || checkpoint.isEmpty()) {
            return;
        }
        int colon = checkpoint.indexOf(':');
        long gen = Long.parseLong(checkpoint.substring(0, colon));
        long off = Long.parseLong(checkpoint.substring(colon + 1));
        if (gen < generation) {
            // Rotated after the checkpoint: the rotated file ends where the checkpoint says (rotation
            // happens only between groups); everything in the active file is unacknowledged.
            Path rotated = rotatedPath(gen + 1);
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
            LOG.info(file + ": cutting " + (ch.size() - off) + " unacknowledged bytes (they will be written again)");
            ch.truncate(off);
            ch.force(true);
            offset = ch.size();
            // Interface blocks after the cut are gone: read back which ones are left.
            takeInterfaces(PcapngScan.scan(file, offset));
        }
        offset = ch.size();
    }

    private Path rotatedPath(long gen) {
        return file.resolveSibling(file.getFileName() + String.format(".%06d", gen));
    }

    /** Rotated files, oldest first. */
    private List<Path> rotated() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String prefix = file.getFileName() + ".";
        List<long[]> gens = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(prefix) && n.length() > prefix.length() && n.substring(prefix.length()).chars().allMatch(Character::isDigit)) {
                    try {
                        gens.add(new long[] {Long.parseLong(n.substring(prefix.length()))});
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
        }
        gens.sort((a, b) -> Long.compare(a[0], b[0]));
        List<Path> out = new ArrayList<>();
        for (long[] g : gens) {
            out.add(rotatedPath(g[0]));
        }
        return out;
    }

    private long highestRotated() throws IOException {
        List<Path> r = rotated();
        if (r.isEmpty()) {
            return 0;
        }
        String n = r.get(r.size() - 1).getFileName().toString();
        return Long.parseLong(n.substring(n.lastIndexOf('.') + 1));
    }

    /** Deletes the oldest rotated files until the active one and the rest fit in the total bound. */
    private void enforceTotal() throws IOException {
        if (bounds.maxTotalBytes() <= 0) {
            return;
        }
        List<Path> rotated = rotated();
        // The active file will grow to max-bytes before it rotates: keep room for it, so the files
        // exceed the bound by at most the one group written past max-bytes.
        long total = Math.max(offset, bounds.maxBytes());
        long[] sizes = new long[rotated.size()];
        for (int i = 0; i < rotated.size(); i++) {
            try {
                sizes[i] = Files.size(rotated.get(i));
            } catch (NoSuchFileException gone) {
                sizes[i] = 0;
            }
            total += sizes[i];
        }
        for (int i = 0; i < rotated.size() && total > bounds.maxTotalBytes(); i++) {
            Files.deleteIfExists(rotated.get(i));
            total -= sizes[i];
            deletedFiles++;
            LOG.info("deleted " + rotated.get(i) + " (" + sizes[i] + " bytes) to keep " + file + "'s files within "
                    + bounds.maxTotalBytes() + " bytes in total");
        }
    }

    @Override
    public void close() throws IOException {
        if (ch != null && ch.isOpen()) {
            ch.force(true);
            ch.close();
        }
    }

    /** What a scan of an existing file found: where its whole blocks end, and its last section's interfaces in id order. */
    record Scan(long validLength, List<InterfaceKey> interfaces) {}

    /** Reads a pcapng file's block structure (no more: where the last whole block ends, and the interfaces described). */
    static final class PcapngScan {
        private PcapngScan() {}

        /**
         * The length of the file's leading run of whole blocks, and the interfaces of its last section.
         * An empty file is 0; a file that does not start with a little-endian Section Header Block is
         * not one syndrop can append to.
         */
        static Scan scan(Path file, long size) throws IOException {
            List<InterfaceKey> ifs = new ArrayList<>();
            if (size == 0) {
                return new Scan(0, ifs);
            }
            if (size < 12) {
                byte[] b = Files.readAllBytes(file);
                if (b.length >= 4 && ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == PcapngBlocks.SHB) {
                    return new Scan(0, ifs); // a section header torn mid-write
                }
                throw new IOException(file + " exists and is not a pcapng file; move it away or choose another file");
            }
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                long pos = 0;
                byte[] head = new byte[8];
                boolean first = true;
                while (pos + 12 <= size) {
                    in.readFully(head);
                    ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
                    int type = h.getInt(0);
                    long len = h.getInt(4) & 0xffffffffL;
                    if (first && type != PcapngBlocks.SHB) {
                        throw new IOException(file + " exists and is not a pcapng file; move it away or choose another file");
                    }
                    if (len < 12 || (len & 3) != 0 || pos + len > size || len > (64 << 20)) {
                        break;
                    }
                    byte[] body = new byte[(int) len - 8];
                    in.readFully(body);
                    ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
                    if ((b.getInt(body.length - 4) & 0xffffffffL) != len) {
                        break;
                    }
                    if (type == PcapngBlocks.SHB) {
                        if (b.getInt(0) != PcapngBlocks.BYTE_ORDER_MAGIC) {
                            throw new IOException(file + " is a big-endian pcapng file; syndrop appends only to little-endian ones:"
                                    + " move it away or choose another file");
                        }
                        ifs.clear();
                    } else if (type == PcapngBlocks.IDB) {
                        ifs.add(interfaceOf(b, body.length - 4));
                    }
                    first = false;
                    pos += len;
                }
                return new Scan(pos, ifs);
            } catch (java.io.EOFException e) {
                throw new IOException(file + " changed while it was read", e);
            }
        }

        private static InterfaceKey interfaceOf(ByteBuffer b, int end) {
            String name = "";
            String description = "";
            int p = 8; // link type, reserved, snaplen
            while (p + 4 <= end) {
                int code = b.getShort(p) & 0xffff;
                int len = b.getShort(p + 2) & 0xffff;
                if (code == 0 || p + 4 + len > end) {
                    break;
                }
                String v = new String(b.array(), p + 4, len, java.nio.charset.StandardCharsets.UTF_8);
                if (code == 2) {
                    name = v;
                } else if (code == 3) {
                    description = v;
                }
                p += 4 + ((len + 3) & ~3);
            }
            return new InterfaceKey(name, description);
        }
    }
}
