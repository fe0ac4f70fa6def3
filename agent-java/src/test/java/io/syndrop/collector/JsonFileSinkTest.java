package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.format.JsonLines;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.wire.TestEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFileSinkTest {
    @TempDir
    Path tmp;

    static List<WatchItem> items(int from, int n) {
        List<WatchItem> l = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            l.add(WatchItem.newBuilder().setEvent(TestEvents.event(i).toBuilder().setSeq(i + 1)).build());
        }
        return l;
    }

    static long lines(Path dir) throws Exception {
        long n = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                n += Files.readAllLines(p).size();
            }
        }
        return n;
    }

    @Test
    void rotatesBySizeBetweenGroupsAndRecoversToTheCheckpoint() throws Exception {
        Path f = tmp.resolve("out/events.json");
        String cp;
        try (JsonFileSink s = new JsonFileSink(f, System.out, false, 4096, null)) {
            for (int g = 0; g < 10; g++) {
                s.write(items(g * 10, 10));
                s.flush();
            }
            cp = s.checkpoint();
            s.write(items(100, 10)); // written, never committed
        }
        try (Stream<Path> l = Files.list(f.getParent())) {
            assertTrue(l.count() > 2, "rotated into several files");
        }
        assertEquals(110, lines(f.getParent()));
        try (JsonFileSink s = new JsonFileSink(f, System.out, false, 4096, null)) {
            s.recover(cp);
        }
        assertEquals(100, lines(f.getParent()), "the uncommitted group was cut off");
        assertTrue(Files.exists(f.resolveSibling("events.json.000001")));
    }

    @Test
    void recoversWhenTheUncommittedGroupStartedANewFile() throws Exception {
        Path f = tmp.resolve("r/events.json");
        String cp;
        try (JsonFileSink s = new JsonFileSink(f, System.out, false, 1, null)) { // every group rotates
            s.write(items(0, 5));
            s.flush();
            s.write(items(5, 5));
            s.flush();
            cp = s.checkpoint();
            s.write(items(10, 5)); // rotates first, then writes into a fresh file
        }
        assertEquals(15, lines(f.getParent()));
        try (JsonFileSink s = new JsonFileSink(f, System.out, false, 1, null)) {
            s.recover(cp);
            assertEquals(10, lines(f.getParent()));
            s.write(items(10, 5));
            s.flush();
        }
        assertEquals(15, lines(f.getParent()));
    }

    @Test
    void ecsNames() {
        String line = new JsonLines(true).format(WatchItem.newBuilder().setEvent(TestEvents.event(7).toBuilder()
                .setSeq(8).setNode("web-1").setAgentId("a").setAgentBoot(3)).build());
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        assertEquals("10.1.0.8", o.getAsJsonObject("source").get("ip").getAsString());
        assertEquals(30007, o.getAsJsonObject("source").get("port").getAsInt());
        assertEquals("10.0.0.1", o.getAsJsonObject("destination").get("ip").getAsString());
        assertEquals(8080, o.getAsJsonObject("destination").get("port").getAsInt());
        assertEquals("ACCEPT_QUEUE_FULL", o.getAsJsonObject("event").get("reason").getAsString());
        assertEquals("tcp-syn-dropped", o.getAsJsonObject("event").get("action").getAsString());
        assertEquals("web-1", o.getAsJsonObject("observer").get("hostname").getAsString());
        assertEquals(JsonLines.isoTime(TestEvents.event(7).getTimeUnixNano()), o.get("@timestamp").getAsString());
        assertEquals(7, o.getAsJsonObject("syndrop").get("tsval").getAsInt());
    }

    @Test
    void ecsLossAndCounterRecordsAndAwkwardStrings() {
        JsonLines ecs = new JsonLines(true);
        JsonObject loss = JsonParser.parseString(ecs.format(WatchItem.newBuilder().setLoss(io.syndrop.proto.v1.LossRecord.newBuilder()
                .setStage(io.syndrop.proto.v1.LossRecord.Stage.AGENT_QUEUE).setCount(12).setSeq(43).setNode("web \"1\"")
                .setAgentId("a\\b").setAgentBoot(-1L).setDetail("queue full\n(65536)")).build())).getAsJsonObject();
        assertEquals("events-lost", loss.getAsJsonObject("event").get("action").getAsString());
        assertEquals("AGENT_QUEUE", loss.getAsJsonObject("event").get("reason").getAsString());
        assertEquals(12, loss.getAsJsonObject("syndrop").get("lost").getAsLong());
        assertEquals("queue full\n(65536)", loss.getAsJsonObject("syndrop").get("detail").getAsString());
        assertEquals("web \"1\"", loss.getAsJsonObject("observer").get("hostname").getAsString());
        assertEquals("a\\b", loss.getAsJsonObject("agent").get("id").getAsString());
        assertEquals("18446744073709551615", loss.getAsJsonObject("agent").get("ephemeral_id").getAsString(), "boot is unsigned");
        assertEquals("loss", loss.getAsJsonObject("syndrop").get("type").getAsString());

        JsonObject counters = JsonParser.parseString(ecs.format(WatchItem.newBuilder().setCounters(io.syndrop.proto.v1.CounterSample.newBuilder()
                .setNetnsIno(4026531840L).putCounters("TcpExt:ListenDrops", 5).putCounters("TcpExt:PAWSPassive", -2)
                .putSysctls("net.ipv4.tcp_tw_recycle", "1")).build())).getAsJsonObject();
        assertEquals("counter-sample", counters.getAsJsonObject("event").get("action").getAsString());
        JsonObject sd = counters.getAsJsonObject("syndrop");
        assertEquals(4026531840L, sd.get("netns_ino").getAsLong());
        assertEquals(5, sd.getAsJsonObject("counters").get("TcpExt:ListenDrops").getAsLong());
        assertEquals(-2, sd.getAsJsonObject("counters").get("TcpExt:PAWSPassive").getAsLong());
        assertEquals("1", sd.getAsJsonObject("sysctls").get("net.ipv4.tcp_tw_recycle").getAsString());

        JsonObject drop = JsonParser.parseString(ecs.format(WatchItem.newBuilder().setEvent(TestEvents.event(1).toBuilder()
                .setTsval(-5).setKernelReason("NO_SOCKET")).build())).getAsJsonObject();
        assertEquals(4294967291L, drop.getAsJsonObject("syndrop").get("tsval").getAsLong(), "tsval is an unsigned 32-bit value");
        assertEquals("NO_SOCKET", drop.getAsJsonObject("syndrop").get("kernel_reason").getAsString());
    }
}
