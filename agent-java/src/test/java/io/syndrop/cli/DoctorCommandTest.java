package io.syndrop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.util.JsonFormat;
import io.syndrop.counters.Fixtures;
import io.syndrop.counters.LoopbackOverflow;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorCommandTest {

    private static String snap(String story, String n) {
        return Fixtures.story(story).resolve(n).toString();
    }

    @Test
    void textReportOfTheSeedStory() {
        CliRun r = CliRun.of("doctor", "--snapshot", snap("tw-recycle-3.16", "0000"), "--snapshot", snap("tw-recycle-3.16", "0002"));
        assertEquals(0, r.code(), r.toString());
        String out = r.out();
        assertTrue(out.contains("kernel 3.16.0-4-amd64"), out);
        assertTrue(out.contains("(60 s)"), out);
        assertTrue(out.contains("[CRITICAL] tw-recycle-paws-passive: "), out);
        assertTrue(out.contains("    TcpExt:PAWSPassive +71\n    TcpExt:ListenDrops +71\n"), out);
        assertTrue(out.contains("    net.ipv4.tcp_tw_recycle = 1\n"), out);
        assertTrue(out.contains("         sysctl -w net.ipv4.tcp_tw_recycle=0\n"), out);
        assertTrue(out.contains("Trade-off: "), out);
        assertTrue(out.contains("Counters checked:"), out);
        assertFalse(out.contains("no-problem-found"), out);
    }

    @Test
    void jsonReportHasStableFields() {
        CliRun r = CliRun.of("doctor", "--snapshot", Fixtures.story("accept-overflow-5.10").toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("5.10.0-33-amd64", o.get("kernel").getAsString());
        assertFalse(o.get("sinceBoot").getAsBoolean());
        assertEquals(60.0, o.get("intervalSeconds").getAsDouble());
        assertFalse(o.get("healthy").getAsBoolean());
        JsonArray findings = o.getAsJsonArray("findings");
        assertEquals(1, findings.size());
        JsonObject f = findings.get(0).getAsJsonObject();
        assertEquals("accept-queue-overflow", f.get("id").getAsString());
        assertEquals("CRITICAL", f.get("severity").getAsString());
        JsonObject c0 = f.getAsJsonObject("evidence").getAsJsonArray("counters").get(0).getAsJsonObject();
        assertEquals("TcpExt:ListenOverflows", c0.get("name").getAsString());
        assertEquals(25, c0.get("delta").getAsLong());
        assertTrue(f.get("explanation").getAsString().length() > 100);
        JsonObject rem = f.getAsJsonArray("remediation").get(2).getAsJsonObject();
        assertTrue(rem.getAsJsonArray("commands").toString().contains("sysctl -w net.core.somaxconn=4096"));
        assertFalse(rem.get("tradeoff").getAsString().isBlank());
        assertTrue(o.getAsJsonArray("countersChecked").size() > 5);
        assertEquals("[\"TcpExt:PAWSPassive\",\"TcpExt:PAWSTimewait\"]", o.getAsJsonArray("countersMissing").toString());
    }

    @Test
    void healthySnapshotsSayNothingIsWrongWithTheCountersChecked() {
        CliRun r = CliRun.of("doctor", "--snapshot", Fixtures.story("healthy-3.16").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("[OK] no-problem-found: Nothing wrong found"), r.out());
        assertTrue(r.out().contains("    TcpExt:PAWSPassive +0\n"), r.out());
        assertTrue(r.out().contains("Not on this kernel: TcpExt:PAWSTimewait"), r.out());
        CliRun j = CliRun.of("doctor", "--snapshot", Fixtures.story("healthy-3.16").toString(), "--json");
        JsonObject o = JsonParser.parseString(j.out()).getAsJsonObject();
        assertTrue(o.get("healthy").getAsBoolean());
        JsonObject f = o.getAsJsonArray("findings").get(0).getAsJsonObject();
        assertEquals("no-problem-found", f.get("id").getAsString());
        assertEquals("OK", f.get("severity").getAsString());
        assertTrue(f.getAsJsonObject("evidence").getAsJsonArray("counters").size() >= 10);
    }

    @Test
    void singleSnapshotIsLabelledSinceBoot() {
        CliRun r = CliRun.of("doctor", "--snapshot", snap("syn-queue-4.9", "0001"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("window: since boot"), r.out());
        assertTrue(r.out().contains("    TcpExt:TCPReqQFullDrop = 50\n"), r.out());
    }

    @Test
    void eventsFileAddsEvidence(@TempDir Path tmp) throws Exception {
        Path events = tmp.resolve("events.jsonl");
        StringBuilder sb = new StringBuilder();
        long[] ts = {9_000, 9_100, 400, 9_200};
        for (int i = 0; i < ts.length; i++) {
            DropEvent e = DropEvent.newBuilder().setSeq(i + 1).setTimeUnixNano(1_795_800_010_000_000_000L + i * 1_000_000L)
                    .setReason(Reason.TIMEWAIT_PAWS).setSrcAddr("198.51.100.4").setSrcPort(40000 + i)
                    .setDstAddr("10.0.0.1").setDstPort(80).setTsval((int) ts[i]).setCachedTs(9_500).build();
            sb.append(JsonFormat.printer().omittingInsignificantWhitespace().print(e)).append('\n');
        }
        Files.writeString(events, sb.toString());
        CliRun r = CliRun.of("doctor", "--snapshot", Fixtures.story("timewait-paws-6.1").toString(), "--events", events.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("[CRITICAL] timewait-paws: "), r.out());
        assertTrue(r.out().contains("[WARNING] nat-multiple-clocks: "), r.out());
        assertTrue(r.out().contains("198.51.100.4:40002 -> 10.0.0.1:80 TIMEWAIT_PAWS TSval 400 cached ts 9500"), r.out());
        assertTrue(r.out().contains("198.51.100.4 is a NAT of at least 2 hosts"), r.out());

        Files.writeString(events, sb + "{not json\n");
        CliRun bad = CliRun.of("doctor", "--snapshot", Fixtures.story("timewait-paws-6.1").toString(), "--events", events.toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("line 5"), bad.toString());
    }

    /** Summaries in `watch --json` output (and the JSON sink's lines) are evidence too; loss lines are skipped. */
    @Test
    void stormSummariesInTheEventsFileNameTheFlood(@TempDir Path tmp) throws Exception {
        Path events = tmp.resolve("watch.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < 3; w++) {
            long start = 1_795_800_010_000_000_000L + w * 1_000_000_000L;
            io.syndrop.proto.v1.DropSummary s = io.syndrop.proto.v1.DropSummary.newBuilder().setSeq(10 + w)
                    .setWindowStartUnixNano(start).setWindowEndUnixNano(start + 1_000_000_000L)
                    .setReason(Reason.SYN_QUEUE_FULL).setNetnsIno(4026531840L).setDstPort(80).setSrcPrefix("198.51.100.0/24")
                    .setCount(20_000).setDetailed(50).build();
            sb.append(io.syndrop.format.EventJson.line(s)).append('\n');
        }
        sb.append(io.syndrop.format.EventJson.line(io.syndrop.proto.v1.LossRecord.newBuilder().setCount(3).setSeq(13).build())).append('\n');
        sb.append("{\"type\":\"counters\",\"seq\":\"14\"}\n");
        Files.writeString(events, sb.toString());
        CliRun r = CliRun.of("doctor", "--snapshot", Fixtures.story("syn-queue-4.9").toString(), "--events", events.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("[CRITICAL] syn-flood: SYN flood (from storm summaries)"), r.out());
        assertTrue(r.out().contains("SYN flood on listener port 80 (netns 4026531840): 60000 SYNs dropped in 3 s (20000/s)"), r.out());
        assertTrue(r.out().contains("sysctl -w net.ipv4.tcp_syncookies=1"), r.out());

        Files.writeString(events, sb + "{\"type\":\"metric\"}\n");
        CliRun bad = CliRun.of("doctor", "--snapshot", Fixtures.story("syn-queue-4.9").toString(), "--events", events.toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("line 6: unknown record type 'metric'"), bad.toString());
    }

    /** `watch --json > FILE` and a live doctor side by side: the file is read when the sampling ends. */
    @Test
    void liveDoctorReadsAnEventsFileWrittenDuringItsWindow(@TempDir Path tmp) throws Exception {
        Path events = tmp.resolve("watch.jsonl");
        CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of("doctor", "--duration", "2s",
                "--backend", "counters", "--events", events.toString()));
        Thread.sleep(500);
        DropEvent e = DropEvent.newBuilder().setSeq(1).setTimeUnixNano(1_795_800_010_000_000_000L)
                .setReason(Reason.PAWS_PASSIVE_REJECTED).setSrcAddr("198.51.100.1").setSrcPort(40000)
                .setDstAddr("198.51.100.2").setDstPort(80).setTsval(400).setCachedTs(9_500).build();
        Files.writeString(events, JsonFormat.printer().omittingInsignificantWhitespace().print(e) + "\n");
        CliRun r = run.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        assertFalse(r.err().contains(" events for "), "--backend counters attaches nothing: " + r.err());
        assertTrue(r.out().contains("tw-recycle-paws-passive"), r.out());
        assertTrue(r.out().contains("198.51.100.1:40000 -> 198.51.100.2:80 PAWS_PASSIVE_REJECTED"), r.out());
        assertEquals(2, CliRun.of("doctor", "--duration", "1s", "--backend", "bcc").code());
        assertEquals(2, CliRun.of("doctor", "--snapshot", tmp.toString(), "--backend", "counters").code());
    }

    @Test
    void malformedSnapshotIsAClearErrorNotACrash(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("netstat"), "TcpExt: ListenDrops PAWSPassive\nTcpExt: 3\n");
        Files.copy(Fixtures.kernel("3.16").resolve("snmp"), tmp.resolve("snmp"));
        CliRun r = CliRun.of("doctor", "--snapshot", tmp.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(tmp.resolve("netstat") + " line 2: "), r.toString());
        assertEquals(2, CliRun.of("doctor", "--snapshot", tmp.toString(), "--duration", "5s").code());
        assertEquals(2, CliRun.of("doctor", "--duration", "0s").code());
    }

    @Test
    void liveDoctorSeesARealAcceptQueueOverflowOnLoopback() throws Exception {
        try (LoopbackOverflow overflow = new LoopbackOverflow()) {
            CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of("doctor", "--duration", "5s", "--json"));
            Thread.sleep(2500); // the probes attach before the first counter sample is taken
            overflow.burst(8);
            CliRun r = run.get(30, TimeUnit.SECONDS);
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.err().contains("sampling the counters of host"), r.err());
            JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
            boolean found = false;
            for (var f : o.getAsJsonArray("findings")) {
                found |= f.getAsJsonObject().get("id").getAsString().equals("accept-queue-overflow");
            }
            assertTrue(found, "no accept-queue-overflow finding for the overflow on port " + overflow.port() + ":\n" + r.out());
        }
    }
}
