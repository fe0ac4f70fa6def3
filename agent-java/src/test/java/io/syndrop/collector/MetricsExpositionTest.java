package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.metrics.Metrics;
import io.syndrop.metrics.MetricsServer;
import io.syndrop.metrics.TextExposition;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.WireTestKit;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scrapes real agent and collector registries over HTTP and reads them with the strict
 * {@link TextExposition}: escaping, one description per family, the boot value exact as an info
 * label, the JVM's and the process's metrics, and the health and readiness probes.
 */
class MetricsExpositionTest {
    @TempDir
    Path tmp;

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static TextExposition scrape(int port) throws Exception {
        HttpResponse<String> r = get(port, "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        return TextExposition.parse(r.body());
    }

    @Test
    void agentAndCollectorExpositionsAreStrictlyValid() throws Exception {
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        try (MetricsServer cms = new MetricsServer(new InetSocketAddress("127.0.0.1", 0), cm);
             MetricsServer ams = new MetricsServer(new InetSocketAddress("127.0.0.1", 0), am);
             CollectorServer c = WireTestKit.insecureCollector(tmp.resolve("sink.json"), null, cm);
             Agent a = new Agent(WireTestKit.agentConfig("expo \"agent\"", c.port(), tmp.resolve("spool")), am)) {
            TextExposition agent = scrape(ams.port());
            TextExposition collector = scrape(cms.port());

            // The boot value is a label, digit for digit; no float sample carries it.
            TextExposition.Family boot = agent.families().get("syndrop_agent_boot_info");
            assertEquals("gauge", boot.type());
            assertEquals(List.of("syndrop_agent_boot_info{agent_id=\"expo \\\"agent\\\"\",boot=\"" + a.pipeline().boot() + "\"}"),
                    List.copyOf(boot.samples().keySet()));
            assertEquals(1.0, boot.samples().values().iterator().next());
            assertTrue(!agent.families().containsKey("syndrop_agent_boot"), "no float sample of the boot value");

            for (TextExposition t : List.of(agent, collector)) {
                for (String jvm : List.of("jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds",
                        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "jvm_runtime_info")) {
                    assertTrue(t.families().containsKey(jvm), "JVM/process metric " + jvm + " exposed");
                }
            }
            assertTrue(agent.samples().get("process_resident_memory_bytes") > 1 << 20);
            assertEquals("counter", agent.families().get("syndrop_agent_drained_total").type());
            assertEquals("gauge", agent.families().get("syndrop_agent_queue_depth").type());
            assertEquals(0.0, collector.samples().get("syndrop_collector_received_total"));
            assertEquals(1.0, collector.samples().get("syndrop_collector_sink_up{sink=\"json:" + tmp.resolve("sink.json") + "\"}"));
        }
    }

    @Test
    void helpAndLabelTextIsEscaped() throws Exception {
        Metrics m = new Metrics();
        m.counter("syndrop_test_total", Metrics.label("sink", "syslog+tcp://h\\x \"q\"\nz"), "counts C:\\temp\nand more").add(7);
        try (MetricsServer s = new MetricsServer(new InetSocketAddress("127.0.0.1", 0), m)) {
            TextExposition t = scrape(s.port());
            TextExposition.Family f = t.families().get("syndrop_test_total");
            assertEquals("counts C:\\temp\nand more", f.help());
            assertEquals(7.0, f.samples().get("syndrop_test_total{sink=\"syslog+tcp://h\\\\x \\\"q\\\"\\nz\"}"));
        }
        assertEquals(7, m.value("syndrop_test_total", Metrics.label("sink", "syslog+tcp://h\\x \"q\"\nz")));
    }

    @Test
    void oneNameCannotBeBothCounterAndGauge() {
        Metrics m = new Metrics();
        LongAdder c = m.counter("syndrop_test_things_total", "things");
        c.add(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.gauge("syndrop_test_things_total", "", "things now", () -> 9));
        assertTrue(e.getMessage().contains("syndrop_test_things_total"), e.getMessage());
        // Nor a gauge whose exposition name would collide with the counter's samples.
        assertThrows(IllegalArgumentException.class, () -> m.gauge("syndrop_test_things", "", "things now", () -> 9));
        assertThrows(IllegalArgumentException.class, () -> m.counter("syndrop_test_things_total", Metrics.label("k", "v"), "things"));
        assertEquals(3, m.value("syndrop_test_things_total"));
        assertEquals(1, TextExposition.parse(m.render()).families().get("syndrop_test_things_total").samples().size());
    }

    @Test
    void healthAndReadinessProbes() throws Exception {
        try (MetricsServer s = new MetricsServer(new InetSocketAddress("127.0.0.1", 0), new Metrics())) {
            assertEquals(200, get(s.port(), "/healthz").statusCode());
            assertEquals(503, get(s.port(), "/readyz").statusCode(), "not ready before markReady");
            s.markReady();
            assertEquals(200, get(s.port(), "/readyz").statusCode());
            s.markNotReady();
            assertEquals(503, get(s.port(), "/readyz").statusCode());
            assertEquals(404, get(s.port(), "/nothing-here").statusCode());
        }
    }

    @Test
    void listenAddressIsAnIpLiteral() {
        assertThrows(IllegalArgumentException.class,
                () -> new MetricsServer(InetSocketAddress.createUnresolved("metrics.example", 9464), new Metrics()));
        assertThrows(RuntimeException.class, () -> HostPort.parseListen("--metrics", "localhost:9464"));
    }
}
