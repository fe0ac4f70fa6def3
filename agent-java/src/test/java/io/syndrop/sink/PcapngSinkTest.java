package io.syndrop.sink;

import io.syndrop.input.UsageException;
import io.syndrop.metrics.Metrics;
import io.syndrop.pcap.PcapngFileTest;
import io.syndrop.pcap.Tshark;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --sink pcapng:} as the collector drives it: groups, flush, checkpoints, rollback, rotation; read back by tshark. */
class PcapngSinkTest {
    @TempDir
    Path dir;

    private static List<WatchItem> group(long first, int n) throws Exception {
        List<WatchItem> items = new ArrayList<>();
        for (long s = first; s < first + n; s++) {
            items.add(WatchItem.newBuilder().setEvent(PcapngFileTest.v4(s)).build());
        }
        items.add(WatchItem.newBuilder().setLoss(LossRecord.newBuilder().setCount(3).setSeq(first + n)).build());
        items.add(WatchItem.newBuilder().setEvent(PcapngFileTest.v4(first + n + 1).toBuilder().clearPacketHeaders()).build());
        return items;
    }

    private static List<String> seqs(Path f) throws Exception {
        List<String> out = new ArrayList<>();
        for (Map<String, String> r : Tshark.read(f, "frame.comment")) {
            String c = r.get("frame.comment");
            out.add(c.substring(c.indexOf("event_seq=") + 10).split(" ")[0]);
        }
        return out;
    }

    @Test
    void parsesTheSpecAndRefusesBoundsItCannotKeep() throws Exception {
        PrintStream out = System.out;
        try (Sink s = Sinks.open("pcapng://" + dir.resolve("a.pcapng") + "?max-bytes=1M&max-age=1h&max-total=10M", false, out)) {
            assertEquals("pcapng:" + dir.resolve("a.pcapng"), s.name());
        }
        try (Sink s = Sinks.open("pcapng:" + dir.resolve("b.pcapng"), false, out)) {
            assertTrue(s instanceof PcapngSink);
        }
        UsageException e = assertThrows(UsageException.class, () -> Sinks.open("pcapng:" + dir.resolve("c") + "?max-total=1M", false, out));
        assertTrue(e.getMessage().contains("max-total needs max-bytes or max-age"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Sinks.open("pcapng:" + dir.resolve("c") + "?max-bytes=2M&max-total=1M", false, out));
        assertTrue(e.getMessage().contains("must not exceed max-total"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Sinks.open("pcapng:" + dir.resolve("c") + "?size=1M", false, out));
        assertTrue(e.getMessage().contains("unknown parameter 'size' (max-bytes, max-age, max-total)"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Sinks.open("pcapng:-", false, out));
        assertTrue(e.getMessage().contains("needs a file name"), e.getMessage());
    }

    @Test
    void aFailedGroupIsCutBackAndWrittenOnceWhenRetried() throws Exception {
        Path f = dir.resolve("s.pcapng");
        Metrics metrics = new Metrics();
        String committed;
        try (PcapngSink s = new PcapngSink(f, io.syndrop.pcap.PcapngFile.Bounds.NONE)) {
            s.registerMetrics(metrics);
            s.write(group(1, 3));
            s.flush();
            committed = s.checkpoint();
            s.write(group(10, 2)); // another sink failed: never acknowledged
            s.recover(committed);
            s.write(group(10, 2));
            s.flush();
            committed = s.checkpoint();
            s.write(group(20, 2)); // written, then the collector died before committing
        }
        // The restarted collector recovers to the stored checkpoint; the agent resends 20, 21.
        try (PcapngSink s = new PcapngSink(f, io.syndrop.pcap.PcapngFile.Bounds.NONE)) {
            s.recover(committed);
            s.write(group(20, 2));
            s.flush();
        }
        assertEquals(List.of("1", "2", "3", "10", "11", "20", "21"), seqs(f));
        String l = Metrics.label("sink", "pcapng:" + f);
        assertEquals(5, metrics.value("syndrop_collector_pcap_packets_total", l), "3 + 2 flushed by the first sink object");
        assertEquals(2, metrics.value("syndrop_collector_pcap_without_headers_total", l), "one per group flushed");
    }

    @Test
    void rotationKeepsEveryFileWholeAndRecoversAcrossARotation() throws Exception {
        Path f = dir.resolve("r.pcapng");
        try (PcapngSink s = new PcapngSink(f, new io.syndrop.pcap.PcapngFile.Bounds(800, null, 0))) {
            String committed = null;
            for (long g = 0; g < 8; g++) {
                committed = s.checkpoint();
                s.write(group(100 + 10 * g, 3));
                s.flush();
            }
            // the last group rotated first and was then rolled back: it is written again, once
            s.recover(committed);
            s.write(group(170, 3));
            s.flush();
        }
        List<Path> files;
        try (Stream<Path> st = Files.list(dir)) {
            files = st.filter(p -> p.getFileName().toString().startsWith("r.pcapng")).sorted().toList();
        }
        assertTrue(files.size() >= 3, files.toString());
        List<String> all = new ArrayList<>();
        for (Path p : files) {
            List<String> s = seqs(p);
            assertTrue(!s.isEmpty(), p + " is empty");
            all.addAll(s);
        }
        List<String> want = new ArrayList<>();
        for (long g = 0; g < 8; g++) {
            for (long i = 0; i < 3; i++) {
                want.add(Long.toString(100 + 10 * g + i));
            }
        }
        all.sort(null);
        want.sort(null);
        assertEquals(want, all);
    }
}
