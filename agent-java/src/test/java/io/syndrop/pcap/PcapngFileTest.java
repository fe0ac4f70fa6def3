package io.syndrop.pcap;

import com.google.protobuf.ByteString;
import io.syndrop.demo.Syn;
import io.syndrop.demo.SynPacket;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pcapng writer, read back by Debian's tshark: packets, interfaces, comments, rotation, bounds, recovery. */
public class PcapngFileTest {
    static final String[] FIELDS = {"ip.src", "ipv6.src", "tcp.srcport", "tcp.dstport", "tcp.options.timestamp.tsval",
            "tcp.seq_raw", "frame.comment", "frame.interface_name", "frame.interface_description", "frame.time_epoch",
            "frame.len", "frame.cap_len", "tcp.flags.syn"};

    @TempDir
    Path dir;

    public static DropEvent event(String src, String dst, int srcPort, long tsval, long seq, String ifname, long netns, long time) throws IOException {
        InetAddress s = InetAddress.getByName(src);
        InetAddress d = InetAddress.getByName(dst);
        byte[] pkt = SynPacket.of(Syn.to(d, 8080, srcPort, 0x11223344L + seq, tsval), s);
        return DropEvent.newBuilder().setSeq(seq).setTimeUnixNano(time).setNode("node-a").setAgentId("agent-a").setAgentBoot(77)
                .setReason(Reason.TIMEWAIT_PAWS).setKernelReason("TCP_RFC7323_TW_PAWS").setSrcAddr(src).setSrcPort(srcPort)
                .setDstAddr(dst).setDstPort(8080).setTsval((int) tsval).setCachedTs(2111171114).setCachedTsAgeSec(1)
                .setNetnsIno(netns).setIfname(ifname).setIfindex(2).setTcpSeq((int) (0x11223344L + seq)).setTcpFlags(0x02)
                .setPacketHeaders(ByteString.copyFrom(pkt)).build();
    }

    public static DropEvent v4(long seq) throws IOException {
        return event("198.51.100.1", "198.51.100.2", 41000, 1285901134L + seq, seq, "eth0", 4026532246L, 1_764_633_600_123_456_789L + seq);
    }

    @Test
    void ipv4AndIpv6PacketsWithTheirInterfacesAndProof() throws Exception {
        Path f = dir.resolve("drops.pcapng");
        DropEvent a = v4(1);
        DropEvent b = event("2001:db8::1", "2001:db8::2", 41001, 4000000000L, 2, "veth1", 4026532247L, 1_764_633_601_000_000_001L);
        DropEvent none = v4(3).toBuilder().clearPacketHeaders().build();
        try (PcapngFile w = new PcapngFile(f, PcapngFile.Bounds.NONE)) {
            w.startGroup();
            assertTrue(w.append(a));
            assertTrue(w.append(b));
            assertFalse(w.append(none), "an event without captured headers is not written");
            assertTrue(w.append(v4(4)));
            w.writeEncoded();
            w.flush();
            assertEquals(3, w.packets());
            assertEquals(1, w.withoutHeaders());
        }
        List<Map<String, String>> rows = Tshark.read(f, FIELDS);
        assertEquals(3, rows.size(), rows.toString());
        Map<String, String> r = rows.get(0);
        assertEquals("198.51.100.1", r.get("ip.src"));
        assertEquals("41000", r.get("tcp.srcport"));
        assertEquals("8080", r.get("tcp.dstport"));
        assertEquals(Integer.toUnsignedString(a.getTsval()), r.get("tcp.options.timestamp.tsval"));
        assertEquals(Integer.toUnsignedString(a.getTcpSeq()), r.get("tcp.seq_raw"));
        assertEquals("1", r.get("tcp.flags.syn"));
        assertEquals("eth0@netns:4026532246", r.get("frame.interface_name"));
        assertTrue(r.get("frame.interface_description").contains("node node-a"), r.toString());
        assertEquals("1764633600.123456790", r.get("frame.time_epoch"), "nanosecond timestamps (if_tsresol 9)");
        int len = a.getPacketHeaders().size();
        assertEquals(String.valueOf(len), r.get("frame.len"));
        assertEquals(String.valueOf(len), r.get("frame.cap_len"));
        String c = r.get("frame.comment");
        for (String want : List.of("reason=TIMEWAIT_PAWS", "kernel_reason=TCP_RFC7323_TW_PAWS", "tsval=" + a.getTsval(),
                "cached_ts=2111171114", "cached_ts_age_sec=1", "tcp_seq=" + Integer.toUnsignedString(a.getTcpSeq()),
                "event_seq=1", "agent=agent-a", "boot=77")) {
            assertTrue(c.contains(want), "comment lacks " + want + ": " + c);
        }
        Map<String, String> six = rows.get(1);
        assertEquals("2001:db8::1", six.get("ipv6.src"));
        assertEquals("41001", six.get("tcp.srcport"));
        assertEquals("4000000000", six.get("tcp.options.timestamp.tsval"));
        assertEquals("veth1@netns:4026532247", six.get("frame.interface_name"));
        assertEquals(String.valueOf(b.getPacketHeaders().size()), six.get("frame.len"));
        assertEquals("eth0@netns:4026532246", rows.get(2).get("frame.interface_name"), "the same device reuses its interface");
    }

    @Test
    void originalLengthComesFromTheIpHeaderWhenTheCaptureIsCut() throws Exception {
        DropEvent a = v4(1);
        byte[] full = new byte[120];
        a.getPacketHeaders().copyTo(full, 0);
        full[2] = 0;
        full[3] = (byte) 120; // the IPv4 total length says 120 bytes; 96 are kept
        DropEvent cut = a.toBuilder().setPacketHeaders(ByteString.copyFrom(full)).build();
        Path f = dir.resolve("cut.pcapng");
        try (PcapngFile w = new PcapngFile(f, PcapngFile.Bounds.NONE)) {
            w.startGroup();
            w.append(cut);
            w.writeEncoded();
        }
        Map<String, String> r = Tshark.read(f, "frame.len", "frame.cap_len", "ip.src").get(0);
        assertEquals("120", r.get("frame.len"));
        assertEquals(String.valueOf(DropPacket.SNAPLEN), r.get("frame.cap_len"));
        assertEquals("198.51.100.1", r.get("ip.src"));
    }

    @Test
    void rotationBySizeLeavesEveryFileAWholeCapture() throws Exception {
        Path f = dir.resolve("rot.pcapng");
        int groups = 12;
        try (PcapngFile w = new PcapngFile(f, new PcapngFile.Bounds(1000, null, 0))) {
            long seq = 0;
            for (int g = 0; g < groups; g++) {
                w.startGroup();
                for (int i = 0; i < 3; i++) {
                    seq++;
                    // two devices, so each file must describe both again
                    w.append(seq % 2 == 0 ? v4(seq) : event("198.51.100.9", "198.51.100.2", 42000, 5, seq, "eth1", 4026532246L, 1_764_633_600_000_000_000L + seq));
                }
                w.writeEncoded();
                w.flush();
            }
        }
        List<Path> files = files("rot.pcapng");
        assertTrue(files.size() >= 4, "rotated at 1000 bytes: " + files);
        long total = 0;
        List<Long> seqs = new ArrayList<>();
        for (Path p : files) {
            assertTrue(Files.size(p) < 1000 + 3 * 300, p + " is " + Files.size(p) + " bytes: rotation is between groups only");
            List<Map<String, String>> rows = Tshark.read(p, "frame.interface_name", "frame.comment", "tcp.srcport");
            assertFalse(rows.isEmpty(), p + " has no packet");
            for (Map<String, String> r : rows) {
                assertTrue(r.get("frame.interface_name").endsWith("@netns:4026532246"), p + ": " + r);
                String c = r.get("frame.comment");
                seqs.add(Long.parseLong(c.substring(c.indexOf("event_seq=") + 10).split(" ")[0]));
            }
            total += rows.size();
        }
        assertEquals(groups * 3, total);
        assertEquals(java.util.stream.LongStream.rangeClosed(1, groups * 3).boxed().toList(), seqs.stream().sorted().toList());
    }

    @Test
    void theTotalBoundDeletesTheOldestRotatedFiles() throws Exception {
        Path f = dir.resolve("bound.pcapng");
        long maxBytes = 1000;
        long maxTotal = 3000;
        long biggestGroup = 0;
        long deleted;
        try (PcapngFile w = new PcapngFile(f, new PcapngFile.Bounds(maxBytes, null, maxTotal))) {
            for (long seq = 1; seq <= 60; seq++) {
                w.startGroup();
                long before = Files.size(f);
                w.append(v4(seq));
                w.writeEncoded();
                w.flush();
                biggestGroup = Math.max(biggestGroup, Files.size(f) - before);
                long total = 0;
                for (Path p : files("bound.pcapng")) {
                    total += Files.size(p);
                }
                assertTrue(total <= maxTotal + biggestGroup, "after event " + seq + " the files hold " + total + " bytes");
            }
            deleted = w.deletedFiles();
        }
        assertTrue(deleted > 0, "60 packets of ~200 bytes cannot fit in 3000 bytes without deleting");
        List<Path> left = files("bound.pcapng");
        // What is left is the newest: its packets end with the last event and have no gap.
        List<Long> seqs = new ArrayList<>();
        for (Path p : left) {
            for (Map<String, String> r : Tshark.read(p, "frame.comment")) {
                String c = r.get("frame.comment");
                seqs.add(Long.parseLong(c.substring(c.indexOf("event_seq=") + 10).split(" ")[0]));
            }
        }
        seqs.sort(null);
        assertEquals(60L, seqs.get(seqs.size() - 1));
        assertEquals(seqs.size() - 1, seqs.get(seqs.size() - 1) - seqs.get(0), "kept packets are contiguous: " + seqs);
        assertTrue(seqs.get(0) > 1, "the oldest were deleted");
    }

    @Test
    void recoverCutsWhatWasNotAcknowledgedAndDescribesItsInterfacesAgain() throws Exception {
        Path f = dir.resolve("rec.pcapng");
        try (PcapngFile w = new PcapngFile(f, PcapngFile.Bounds.NONE)) {
            w.startGroup();
            w.append(v4(1));
            w.writeEncoded();
            w.flush();
            String cp = w.checkpoint();
            w.startGroup();
            DropEvent other = event("198.51.100.7", "198.51.100.2", 43000, 9, 2, "veth9", 4026532999L, 1_764_633_600_000_000_002L);
            w.append(other);
            w.writeEncoded(); // written, never acknowledged
            w.recover(cp);
            assertEquals(cp, w.checkpoint());
            w.startGroup();
            w.append(other.toBuilder().setSeq(3).build());
            w.append(v4(4));
            w.writeEncoded();
            w.flush();
        }
        // A restarted writer continues the file, with the interfaces it already describes.
        try (PcapngFile w = new PcapngFile(f, PcapngFile.Bounds.NONE)) {
            w.startGroup();
            w.append(v4(5));
            w.writeEncoded();
        }
        List<Map<String, String>> rows = Tshark.read(f, "frame.interface_name", "frame.comment");
        assertEquals(List.of("eth0@netns:4026532246", "veth9@netns:4026532999", "eth0@netns:4026532246", "eth0@netns:4026532246"),
                rows.stream().map(r -> r.get("frame.interface_name")).toList());
        assertEquals(List.of("1", "3", "4", "5"), rows.stream().map(r -> {
            String c = r.get("frame.comment");
            return c.substring(c.indexOf("event_seq=") + 10).split(" ")[0];
        }).toList());
    }

    @Test
    void aTornBlockAtTheEndIsCutWhenTheFileIsOpenedAgain() throws Exception {
        Path f = dir.resolve("torn.pcapng");
        try (PcapngFile w = new PcapngFile(f, PcapngFile.Bounds.NONE)) {
            w.startGroup();
            w.append(v4(1));
            w.writeEncoded();
        }
        long whole = Files.size(f);
        // half of a second packet block, as a crash mid-write leaves it
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOfRange(bytes, bytes.length - 100, bytes.length - 40), StandardOpenOption.APPEND);
        try (PcapngFile w = new PcapngFile(f, PcapngFile.Bounds.NONE)) {
            assertEquals(whole, Files.size(f));
            w.startGroup();
            w.append(v4(2));
            w.writeEncoded();
        }
        assertEquals(2, Tshark.read(f, "ip.src").size());
    }

    @Test
    void aFileThatIsNotPcapngIsRefused() throws Exception {
        Path f = dir.resolve("notes.txt");
        Files.writeString(f, "not a capture, and long enough to tell\n");
        IOException e = assertThrows(IOException.class, () -> new PcapngFile(f, PcapngFile.Bounds.NONE));
        assertTrue(e.getMessage().contains("is not a pcapng file; move it away"), e.getMessage());
        assertEquals("not a capture, and long enough to tell\n", Files.readString(f), "left as it was");
    }

    @Test
    void theRecorderWritesOffTheCallersThreadAndCountsWhatItCannotWrite() throws Exception {
        Path f = dir.resolve("rec-thread.pcapng");
        PcapRecorder r = new PcapRecorder(new PcapngFile(f, PcapngFile.Bounds.NONE), PcapRecorder.Counts.fresh());
        for (long seq = 1; seq <= 100; seq++) {
            r.offer(v4(seq));
        }
        r.offer(v4(101).toBuilder().clearPacketHeaders().build());
        r.close();
        assertEquals(100, r.counts().written().sum());
        assertEquals(1, r.counts().withoutHeaders().sum());
        assertEquals(0, r.counts().lost().sum());
        assertEquals(100, Tshark.read(f, "ip.src").size());
        assertTrue(r.summary().startsWith("100 packet(s) written to "), r.summary());
    }

    private List<Path> files(String name) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(name)).sorted().toList();
        }
    }
}
