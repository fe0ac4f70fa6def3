package io.syndrop.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.it.JarProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar as a user runs it: `syndrop collect` with mutual TLS, a token and a metrics
 * endpoint; `syndrop agent` with its certificate and token replays a recording and exits once
 * everything is acknowledged; an agent with a wrong token is refused and logged on both sides.
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
        Path rec = TestEvents.recording(tmp, n);
        Path sink = tmp.resolve("events.json");
        try (JarProcess c = JarProcess.startLogged(tmp.resolve("collector.log"), "collect", "--listen", "127.0.0.1:0",
                "--tls-cert", certs.serverCert().toString(), "--tls-key", certs.serverKey().toString(),
                "--client-ca", certs.ca().toString(), "--token-file", token.toString(),
                "--sink", "json:" + sink, "--metrics", "127.0.0.1:0")) {
            String port = c.awaitLog("listening on port (\\d+)", 20_000);
            String metricsPort = c.awaitLog("metrics on port (\\d+)", 1000);
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
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(r.body().contains("syndrop_collector_written_total{sink=\"json:" + sink + "\"} " + n), r.body());
            assertTrue(r.body().contains("syndrop_collector_rejected_total{reason=\"token\"} "), r.body());
        }
        assertEquals(n, TestEvents.tsvalsInJson(sink, null).size());
        assertEquals(n, TestEvents.dropLines(sink));
        assertTrue(!Files.readString(sink).contains("\"agentId\":\"bad\""));
    }
}
