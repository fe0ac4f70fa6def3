package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.Sink;
import io.syndrop.sink.Sinks;
import io.syndrop.metrics.Metrics;
import io.syndrop.metrics.MetricsServer;
import io.syndrop.proto.v1.Ack;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CollectorGrpc;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.agent.Agent;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus endpoints of agent and collector serve a counter for every stage, and the values
 * follow what happened: kernel losses, drained, queued, spooled, sent, acknowledged, deduplicated,
 * written, and sink errors (a syslog sink whose server comes up late).
 */
class MetricsEndpointTest {
    @TempDir
    Path tmp;

    static Map<String, Long> scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        Map<String, Long> m = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            m.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1)));
        }
        return m;
    }

    @Test
    void everyStageIsCounted() throws Exception {
        int n = 500;
        int syslogPort = Rsyslog.freePort();
        Path json = tmp.resolve("events.json");
        Metrics cm = new Metrics();
        Metrics am = new Metrics();
        Sink syslog = Sinks.open("syslog+tcp://127.0.0.1:" + syslogPort, false, System.out);
        String syslogLabel = "sink=\"" + syslog.name() + "\"";
        try (MetricsServer cms = new MetricsServer(new InetSocketAddress("127.0.0.1", 0), cm);
             MetricsServer ams = new MetricsServer(new InetSocketAddress("127.0.0.1", 0), am);
             CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null, null, 0,
                     tmp.resolve("dedupe"), 0), List.of(new JsonFileSink(json, System.out, false, 0, null), syslog), cm);
             Agent a = new Agent(WireTestKit.agentConfig("metrics", c.port(), tmp.resolve("spool")), am)) {
            for (int i = 0; i < n; i++) {
                a.pipeline().offer(TestEvents.event(i));
            }
            a.pipeline().offerLoss(LossRecord.newBuilder().setStage(LossRecord.Stage.KERNEL_RINGBUF).setCount(5).build());
            // The syslog server is down: the collector retries and counts sink errors, agents wait.
            WireTestKit.await("sink errors counted", 20_000, () -> cm.value("syndrop_collector_sink_errors_total", syslogLabel) >= 2);
            assertEquals(0, am.value("syndrop_agent_acknowledged_total"), "nothing acknowledged while a sink fails");
            try (ServerSocket syslogServer = new ServerSocket()) {
                syslogServer.bind(new InetSocketAddress("127.0.0.1", syslogPort));
                Thread reader = new Thread(() -> {
                    try (Socket s = syslogServer.accept(); InputStream in = s.getInputStream()) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (Exception ignored) {
                        // test ends
                    }
                });
                reader.setDaemon(true);
                reader.start();
                WireTestKit.await("acknowledged after the sink recovered", 30_000, () -> am.value("syndrop_agent_acknowledged_total") == n + 1);

                // Send one batch again by hand, as a reconnecting agent would: deduplicated.
                Batch again = Batch.newBuilder().setAgentId("metrics").setAgentBoot(a.pipeline().boot()).setFirstSeq(1).setLastSeq(3)
                        .addEvents(TestEvents.event(0).toBuilder().setSeq(1)).addEvents(TestEvents.event(1).toBuilder().setSeq(2))
                        .addEvents(TestEvents.event(2).toBuilder().setSeq(3)).build();
                ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", c.port()).usePlaintext().build();
                LinkedBlockingQueue<Ack> acks = new LinkedBlockingQueue<>();
                StreamObserver<Batch> up = CollectorGrpc.newStub(ch).publish(new StreamObserver<>() {
                    public void onNext(Ack ack) {
                        acks.add(ack);
                    }

                    public void onError(Throwable t) {}

                    public void onCompleted() {}
                });
                up.onNext(again);
                Ack ack = acks.poll(10, TimeUnit.SECONDS);
                assertEquals(n + 1, ack.getAckedSeq(), "a duplicate is acknowledged with the high-water mark");
                up.onCompleted();
                ch.shutdownNow();

                Map<String, Long> ag = scrape(ams.port());
                assertEquals(5L, ag.get("syndrop_agent_kernel_lost_total"));
                assertEquals((long) n, ag.get("syndrop_agent_drained_total"));
                assertEquals((long) n, ag.get("syndrop_agent_queued_total"));
                assertEquals(0L, ag.get("syndrop_agent_queue_lost_total"));
                assertEquals(n + 1L, ag.get("syndrop_agent_spooled_total"));
                assertEquals(0L, ag.get("syndrop_agent_spool_lost_total"));
                assertTrue(ag.get("syndrop_agent_sent_total") >= n + 1L);
                assertEquals(n + 1L, ag.get("syndrop_agent_acknowledged_total"));

                Map<String, Long> co = scrape(cms.port());
                assertEquals(3L, co.get("syndrop_collector_deduplicated_total"));
                assertEquals(n + 1L, co.get("syndrop_collector_written_total{sink=\"json:" + json + "\"}"));
                assertEquals(n + 1L, co.get("syndrop_collector_written_total{" + syslogLabel + "}"));
                assertTrue(co.get("syndrop_collector_sink_errors_total{" + syslogLabel + "}") >= 2);
                assertEquals(0L, co.get("syndrop_collector_sink_errors_total{sink=\"json:" + json + "\"}"));
                assertEquals(5L, co.get("syndrop_collector_reported_lost_total"));
                assertTrue(co.get("syndrop_collector_received_total") >= n + 4L);
                assertTrue(co.get("syndrop_collector_acknowledged_total") >= n + 4L);
            }
        }
        assertEquals(n, io.syndrop.wire.TestEvents.dropLines(json), "the JSON sink was rolled back on each failed try: no duplicates");
    }
}
