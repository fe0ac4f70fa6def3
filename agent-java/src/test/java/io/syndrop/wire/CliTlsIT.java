package io.syndrop.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.syndrop.it.JarProcess;
import io.syndrop.proto.v1.CollectorGrpc;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.proto.v1.WatchRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar as a user runs it: `syndrop collect` with mutual TLS, a token and a metrics
 * endpoint; `syndrop agent` with its certificate and token replays a recording and exits once
 * everything is acknowledged; an agent with a wrong token is refused and logged on both sides. The
 * collector's --subscribe-token-file and --subscriber-cn: the agents' credential is refused on
 * Subscribe, the subscriber's receives the events; an agent serving Agent.Watch off loopback without
 * --watch-token-file refuses to start.
 */
class CliTlsIT {
    @TempDir
    Path tmp;

    @Test
    void mutualTlsWithTokenThroughTheCli() throws Exception {
        int n = 2000;
        TestCerts certs = TestCerts.make(tmp.resolve("pki"));
        Path token = tmp.resolve("token");
        Files.writeString(token, "cli-token\n");
        Path wrong = tmp.resolve("wrong-token");
        Files.writeString(wrong, "not-it\n");
        Path subscribeToken = tmp.resolve("subscribe-token");
        Files.writeString(subscribeToken, "cli-subscribe-token\n");
        Path[] viewer = certs.issueClient("viewer", "siem-viewer");
        Path rec = TestEvents.recording(tmp, n);
        Path sink = tmp.resolve("events.json");
        try (JarProcess c = JarProcess.startLogged(tmp.resolve("collector.log"), "collect", "--listen", "127.0.0.1:0",
                "--tls-cert", certs.serverCert().toString(), "--tls-key", certs.serverKey().toString(),
                "--client-ca", certs.ca().toString(), "--token-file", token.toString(),
                "--subscribe-token-file", subscribeToken.toString(), "--subscriber-cn", "siem-viewer",
                "--sink", "json:" + sink, "--metrics", "127.0.0.1:0")) {
            String port = c.awaitLog("listening on port (\\d+)", 20_000);
            String metricsPort = c.awaitLog("metrics on port (\\d+)", 1000);
            HostPort at = new HostPort("127.0.0.1", Integer.parseInt(port));
            // The agents' credential (certificate and token) may publish but not subscribe.
            CollectorChannel agentCreds = new CollectorChannel(at, false, certs.ca(), certs.clientCert(), certs.clientKey(), token);
            CollectorChannel viewerCreds = new CollectorChannel(at, false, certs.ca(), viewer[0], viewer[1], subscribeToken);
            ManagedChannel agentCh = agentCreds.open();
            ManagedChannel viewerCh = viewerCreds.open();
            LinkedBlockingQueue<Object> refused = new LinkedBlockingQueue<>();
            LinkedBlockingQueue<Object> seen = new LinkedBlockingQueue<>();
            CollectorGrpc.newStub(agentCreds.withToken(agentCh)).subscribe(WatchRequest.getDefaultInstance(), collect(refused));
            Object r0 = refused.poll(20, TimeUnit.SECONDS);
            assertTrue(r0 instanceof Status s && s.getCode() == Status.Code.PERMISSION_DENIED
                    && s.getDescription().contains("--subscriber-cn"), "agent credential on Subscribe: " + r0);
            CollectorGrpc.newStub(viewerCreds.withToken(viewerCh)).subscribe(WatchRequest.getDefaultInstance(), collect(seen));
            c.awaitLog("Subscribe: subscribe token and certificate CN in \\[siem-viewer\\]", 1000);
            // Agent.Watch off loopback without its own token is refused at start.
            try (JarProcess open = JarProcess.startLogged(tmp.resolve("open-watch.log"), "agent", "--collector", "127.0.0.1:" + port,
                    "--ca", certs.ca().toString(), "--token-file", token.toString(), "--spool-dir", tmp.resolve("spool-open").toString(),
                    "--replay", rec.toString(), "--watch-listen", "0.0.0.0:0")) {
                assertEquals(1, open.waitFor(30_000), open.logText());
                assertTrue(open.logText().contains("--watch-token-file"), open.logText());
            }
            try (JarProcess bad = JarProcess.startLogged(tmp.resolve("bad-agent.log"), "agent", "--collector", "127.0.0.1:" + port,
                    "--ca", certs.ca().toString(), "--cert", certs.clientCert().toString(), "--key", certs.clientKey().toString(),
                    "--token-file", wrong.toString(), "--agent-id", "bad", "--spool-dir", tmp.resolve("spool-bad").toString(),
                    "--replay", rec.toString())) {
                bad.awaitLog("UNAUTHENTICATED: bearer token not accepted", 20_000);
                c.awaitLog("refused .* wrong bearer token", 5_000);
            }
            try (JarProcess a = JarProcess.startLogged(tmp.resolve("agent.log"), "agent", "--collector", "127.0.0.1:" + port,
                    "--ca", certs.ca().toString(), "--cert", certs.clientCert().toString(), "--key", certs.clientKey().toString(),
                    "--token-file", token.toString(), "--agent-id", "good", "--spool-dir", tmp.resolve("spool").toString(),
                    "--replay", rec.toString(), "--exit-when-done")) {
                assertEquals(0, a.waitFor(60_000), a.logText());
            }
            Object item = seen.poll(20, TimeUnit.SECONDS);
            assertTrue(item instanceof WatchItem w && w.getEvent().getAgentId().equals("good"), "subscriber credential on Subscribe: " + item);
            agentCh.shutdownNow();
            viewerCh.shutdownNow();
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(r.body().contains("syndrop_collector_written_total{sink=\"json:" + sink + "\"} " + n), r.body());
            assertTrue(r.body().contains("syndrop_collector_rejected_total{reason=\"token\"} "), r.body());
            assertTrue(r.body().contains("syndrop_collector_rejected_total{reason=\"permission\"} 1"), r.body());
        }
        assertEquals(n, TestEvents.tsvalsInJson(sink, null).size());
        assertEquals(n, TestEvents.dropLines(sink));
        assertTrue(!Files.readString(sink).contains("\"agentId\":\"bad\""));
    }

    private static StreamObserver<WatchItem> collect(LinkedBlockingQueue<Object> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchItem item) {
                into.add(item);
            }

            @Override
            public void onError(Throwable t) {
                into.add(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {}
        };
    }
}
