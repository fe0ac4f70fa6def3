package io.syndrop.format;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import io.syndrop.proto.v1.WatchItem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every field the ECS sink writes outside syndrop's own namespace ({@code syndrop.*}) is a field
 * of ECS's own list (Elastic's @elastic/ecs package, generated from the schema), with a JSON value
 * of the field's type. Needs node and the npm packages of scripts/install-node-deps.sh.
 */
class EcsFieldsTest {
    private static final Set<String> STRING_TYPES = Set.of("keyword", "constant_keyword", "wildcard", "text",
            "match_only_text", "ip", "date");
    private static final Set<String> NUMBER_TYPES = Set.of("long", "integer", "short", "byte", "unsigned_long",
            "float", "double", "scaled_float");
    private static JsonObject ecs;

    @BeforeAll
    static void ecsFieldList() throws Exception {
        Path top = Path.of(System.getProperty("syndrop.top", "..")).toAbsolutePath().normalize();
        Process install = new ProcessBuilder(top.resolve("scripts/install-node-deps.sh").toString()).redirectErrorStream(true).start();
        String log = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (install.waitFor() != 0) {
            throw new IllegalStateException("scripts/install-node-deps.sh failed (node + npm and the npm registry are needed):\n" + log);
        }
        Process p = new ProcessBuilder("node", top.resolve("agent-java/src/test/node/ecs-fields.js").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "node ecs-fields.js failed");
        ecs = JsonParser.parseString(json).getAsJsonObject();
        assertTrue(ecs.size() > 1000, "ECS's field list has its ~1600 fields: " + ecs.size());
    }

    @Test
    void aFullyIdentifiedDropUsesOnlyEcsFieldsOutsideItsOwnNamespace() {
        DropEvent e = DropEvent.newBuilder().setSeq(9).setTimeUnixNano(1_700_000_000_000_000_000L).setNode("node-1")
                .setReason(Reason.ACCEPT_QUEUE_FULL).setKernelReason("TCP_LISTEN_OVERFLOW")
                .setSrcAddr("10.1.0.8").setSrcPort(40000).setDstAddr("10.0.0.1").setDstPort(443)
                .setAgentId("a").setAgentBoot(3).setListenerIno(123456)
                .setProcessPid(812).setProcessComm("nginx").setProcessExe("/usr/sbin/nginx").setProcessUnit("nginx.service")
                .setContainerId("3f4e5d6c7b8a").setContainerName("controller").setContainerImage("registry.k8s.io/ingress-nginx/controller:v1.9.4")
                .setContainerRuntime("containerd").setPodUid("0c1d2e3f-0000-4000-8000-000000000001")
                .setPodNamespace("ingress-nginx").setPodName("ingress-nginx-controller-7d9")
                .setIfindex(11).setIfname("eth0").setTcpFlags(0x10).setFinalAck(true).setTcpSeq(7).setTcpAck(9)
                .setTcpWindow(502).setSyncookies(1).setMaxSynBacklog(256).setMss(1460).setWscale(7).setSackPermitted(true)
                .setHasTimestamps(true).setListenDropsBefore(41).setListenDropsAfter(42)
                .setPacketHeaders(com.google.protobuf.ByteString.copyFrom(new byte[] {0x45, 0, 0, 40})).build();
        Map<String, JsonElement> fields = flat(line(WatchItem.newBuilder().setEvent(e).build()));
        checkAgainstEcs(fields);
        assertEquals("eth0", fields.get("observer.ingress.interface.name").getAsString());
        assertEquals("11", fields.get("observer.ingress.interface.id").getAsString());
        assertEquals("node-1", fields.get("observer.hostname").getAsString());
        assertEquals(1, fields.get("syndrop.syncookies").getAsInt());
        assertEquals(256, fields.get("syndrop.max_syn_backlog").getAsInt());
        assertEquals(16, fields.get("syndrop.tcp_flags").getAsInt());
        assertTrue(fields.get("syndrop.final_ack").getAsBoolean());
        assertEquals(1460, fields.get("syndrop.mss").getAsInt());
        assertEquals(7, fields.get("syndrop.wscale").getAsInt());
        assertEquals(42, fields.get("syndrop.listen_drops_after").getAsLong());
        assertEquals("RQAAKA==", fields.get("syndrop.packet_headers").getAsString(), "base64");
        assertEquals(812, fields.get("process.pid").getAsInt());
        assertEquals("nginx", fields.get("process.name").getAsString());
        assertEquals("/usr/sbin/nginx", fields.get("process.executable").getAsString());
        assertEquals("3f4e5d6c7b8a", fields.get("container.id").getAsString());
        assertEquals("controller", fields.get("container.name").getAsString());
        assertEquals("registry.k8s.io/ingress-nginx/controller:v1.9.4", fields.get("container.image.name").getAsString());
        assertEquals("containerd", fields.get("container.runtime").getAsString());
        assertEquals("kubernetes", fields.get("orchestrator.type").getAsString());
        assertEquals("ingress-nginx", fields.get("orchestrator.namespace").getAsString());
        assertEquals("pod", fields.get("orchestrator.resource.type").getAsString());
        assertEquals("ingress-nginx-controller-7d9", fields.get("orchestrator.resource.name").getAsString());
        assertEquals("0c1d2e3f-0000-4000-8000-000000000001", fields.get("orchestrator.resource.id").getAsString());
        assertEquals("nginx.service", fields.get("syndrop.systemd_unit").getAsString());
        assertEquals(123456, fields.get("syndrop.listener_ino").getAsLong());
    }

    @Test
    void unidentifiedDropsLossesAndCountersUseOnlyEcsFieldsToo() {
        DropEvent bare = DropEvent.newBuilder().setSrcAddr("fd00::1").setDstAddr("fd00::2").setReason(Reason.TIMEWAIT_PAWS).build();
        Map<String, JsonElement> f = flat(line(WatchItem.newBuilder().setEvent(bare).build()));
        checkAgainstEcs(f);
        assertTrue(f.keySet().stream().noneMatch(k -> k.startsWith("process.") || k.startsWith("container.")
                || k.startsWith("orchestrator.")), "nothing invented for an unnamed drop: " + f.keySet());
        checkAgainstEcs(flat(line(WatchItem.newBuilder().setLoss(LossRecord.newBuilder().setCount(3).setDetail("x")).build())));
        checkAgainstEcs(flat(line(WatchItem.newBuilder().setCounters(CounterSample.newBuilder().putCounters("TcpExt:ListenDrops", 1)).build())));
    }

    @Test
    void aStormSummaryIsAMetricEventWithItsCountsUnderSyndropSummary() {
        DropSummary s = DropSummary.newBuilder().setSeq(77).setTimeUnixNano(1_700_000_002_000_000_000L).setNode("node-1")
                .setAgentId("a").setAgentBoot(3).setWindowStartUnixNano(1_700_000_001_000_000_000L)
                .setWindowEndUnixNano(1_700_000_002_000_000_000L).setReason(Reason.SYN_QUEUE_FULL)
                .setNetnsIno(4026531840L).setDstPort(80).setSrcPrefix("198.51.100.0/24").setCount(120_000).setDetailed(100)
                .setFirstSeenUnixNano(1_700_000_001_000_500_000L).setLastSeenUnixNano(1_700_000_001_999_000_000L).build();
        JsonObject o = line(WatchItem.newBuilder().setSummary(s).build());
        Map<String, JsonElement> f = flat(o);
        checkAgainstEcs(f);
        assertEquals("metric", f.get("event.kind").getAsString());
        assertEquals("syndrop.summary", f.get("event.dataset").getAsString());
        assertEquals("SYN_QUEUE_FULL", f.get("event.reason").getAsString());
        assertEquals(77, f.get("event.sequence").getAsLong());
        assertEquals("2023-11-14T22:13:21Z", f.get("event.start").getAsString());
        assertEquals("2023-11-14T22:13:22Z", f.get("event.end").getAsString());
        assertEquals(1_000_000_000L, f.get("event.duration").getAsLong());
        assertEquals(80, f.get("destination.port").getAsInt());
        assertEquals("ipv4", f.get("network.type").getAsString());
        assertEquals(120_000, f.get("syndrop.summary.count").getAsLong());
        assertEquals(100, f.get("syndrop.summary.detailed").getAsLong());
        assertEquals(119_900, f.get("syndrop.summary.not_detailed").getAsLong());
        assertEquals("198.51.100.0/24", f.get("syndrop.summary.src_prefix").getAsString());
        assertEquals("summary", f.get("syndrop.type").getAsString());
        assertEquals(4026531840L, f.get("syndrop.netns_ino").getAsLong());
        assertTrue(!f.containsKey("source.ip"), "a prefix is not an ECS ip");
    }

    private static JsonObject line(WatchItem item) {
        return JsonParser.parseString(new JsonLines(true).format(item)).getAsJsonObject();
    }

    private static void checkAgainstEcs(Map<String, JsonElement> fields) {
        for (Map.Entry<String, JsonElement> f : fields.entrySet()) {
            String name = f.getKey();
            if (name.startsWith("syndrop.")) {
                continue; // our own namespace, as ECS asks custom fields to be
            }
            assertTrue(ecs.has(name), name + " is not an ECS field");
            String type = ecs.get(name).getAsString();
            JsonElement v = f.getValue();
            for (JsonElement one : v.isJsonArray() ? v.getAsJsonArray().asList() : java.util.List.of(v)) {
                if (STRING_TYPES.contains(type)) {
                    assertTrue(one.isJsonPrimitive() && one.getAsJsonPrimitive().isString(), name + " (" + type + ") must be a string: " + one);
                } else if (NUMBER_TYPES.contains(type)) {
                    assertTrue(one.isJsonPrimitive() && one.getAsJsonPrimitive().isNumber(), name + " (" + type + ") must be a number: " + one);
                } else {
                    throw new AssertionError(name + " has ECS type " + type + ", which this test does not check yet");
                }
            }
        }
    }

    /** Leaf values by dotted path; objects are walked, arrays are leaves. */
    private static Map<String, JsonElement> flat(JsonObject o) {
        Map<String, JsonElement> out = new TreeMap<>();
        walk("", o, out);
        return out;
    }

    private static void walk(String prefix, JsonObject o, Map<String, JsonElement> out) {
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isJsonObject() && !name.equals("syndrop.counters") && !name.equals("syndrop.sysctls")) {
                walk(name, e.getValue().getAsJsonObject(), out);
            } else {
                out.put(name, e.getValue());
            }
        }
    }
}
