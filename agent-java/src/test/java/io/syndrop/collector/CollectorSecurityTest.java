package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.cli.Cli;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.metrics.Metrics;
import io.syndrop.agent.Agent;
import io.syndrop.wire.CollectorChannel;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestCerts;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS and the bearer token: a client with a wrong or missing certificate or a wrong token is
 * refused and logged and nothing it sent reaches the sink, while a correct agent's events do;
 * plaintext works only with --insecure on both sides.
 */
class CollectorSecurityTest {
    @TempDir
    static Path pki;
    static TestCerts certs;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCerts() throws Exception {
        certs = TestCerts.make(pki);
    }

    private CollectorServer secureCollector(Path sink, Metrics m) throws Exception {
        return new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), false, certs.serverCert(), certs.serverKey(),
                certs.ca(), "s3cret-token", 0, null, 0), List.of(new JsonFileSink(sink, System.out, false, 0, null)), m);
    }

    private Path token(String t) throws Exception {
        Path f = Files.createTempFile(tmp, "token", "");
        Files.writeString(f, t + "\n");
        return f;
    }

    /** Runs an agent that should be refused until it has retried twice; returns the agent's metrics. */
    private Metrics refusedAgent(String id, CollectorChannel ch) throws Exception {
        Metrics am = new Metrics();
        try (Agent a = new Agent(WireTestKit.agentConfig(id, ch, tmp.resolve("spool-" + id)), am)) {
            for (int i = 0; i < 50; i++) {
                a.pipeline().offer(TestEvents.event(i));
            }
            WireTestKit.await(id + " retrying", 20_000, () -> am.value("syndrop_agent_reconnects_total") >= 2);
            assertEquals(0, am.value("syndrop_agent_acknowledged_total"), id + " got acknowledgements");
            assertTrue(a.spool().segmentCount() > 0, id + "'s events stay in its spool");
        }
        return am;
    }

    private static boolean sinkMentions(Path sink, String agentId) throws Exception {
        return Files.exists(sink) && Files.readString(sink).contains("\"agentId\":\"" + agentId + "\"");
    }

    @Test
    void onlyTheRightCertificateAndTokenGetThrough() throws Exception {
        Path sink = tmp.resolve("events.json");
        Metrics cm = new Metrics();
        HostPort[] at = new HostPort[1];
        try (LogCapture logs = new LogCapture(); CollectorServer c = secureCollector(sink, cm)) {
            at[0] = new HostPort("127.0.0.1", c.port());
            Path good = token("s3cret-token");

            refusedAgent("rogue-cert", new CollectorChannel(at[0], false, certs.ca(), certs.rogueClientCert(), certs.rogueClientKey(), good));
            assertTrue(logs.any("refused TLS client", "CN=intruder"), "wrong certificate logged: " + logs.messages);

            refusedAgent("no-cert", new CollectorChannel(at[0], false, certs.ca(), null, null, good));
            assertTrue(logs.any("refused", "no client certificate"), "missing certificate logged: " + logs.messages);

            refusedAgent("bad-token", new CollectorChannel(at[0], false, certs.ca(), certs.clientCert(), certs.clientKey(), token("guess")));
            assertTrue(logs.any("refused", "wrong bearer token"), "wrong token logged: " + logs.messages);

            refusedAgent("no-token", new CollectorChannel(at[0], false, certs.ca(), certs.clientCert(), certs.clientKey(), null));
            assertTrue(logs.any("refused", "no bearer token"), "missing token logged: " + logs.messages);

            refusedAgent("plaintext", new CollectorChannel(at[0], true, null, null, null, good));
            WireTestKit.await("plaintext client logged", 10_000, () -> logs.any("does not speak TLS", "--insecure"));

            refusedAgent("untrusting", new CollectorChannel(at[0], false, null, certs.clientCert(), certs.clientKey(), good));
            WireTestKit.await("client that distrusts the collector logged", 10_000, () -> logs.any("broke off the TLS handshake", "--ca"));

            Metrics am = new Metrics();
            try (Agent a = new Agent(WireTestKit.agentConfig("good", new CollectorChannel(at[0], false, certs.ca(), certs.clientCert(), certs.clientKey(), good),
                    tmp.resolve("spool-good")), am)) {
                for (int i = 0; i < 100; i++) {
                    a.pipeline().offer(TestEvents.event(i));
                }
                WireTestKit.await("good agent acknowledged", 20_000, () -> am.value("syndrop_agent_acknowledged_total") == 100);
            }
            assertTrue(cm.value("syndrop_collector_rejected_total", "reason=\"client_certificate\"") >= 2);
            assertTrue(cm.value("syndrop_collector_rejected_total", "reason=\"token\"") >= 2);
            assertTrue(cm.value("syndrop_collector_rejected_total", "reason=\"tls_handshake\"") >= 2);
        }
        assertEquals(100, TestEvents.dropLines(sink));
        for (String refused : List.of("rogue-cert", "no-cert", "bad-token", "no-token", "plaintext", "untrusting")) {
            assertTrue(!sinkMentions(sink, refused), refused + " reached the sink");
        }
        assertTrue(sinkMentions(sink, "good"));
    }

    @Test
    void tlsAgentDoesNotTalkToAPlaintextCollector() throws Exception {
        Path sink = tmp.resolve("plain.json");
        try (CollectorServer c = WireTestKit.insecureCollector(sink, null, new Metrics())) {
            refusedAgent("tls-to-plain", new CollectorChannel(new HostPort("127.0.0.1", c.port()), false, certs.ca(), null, null, null));
        }
        assertEquals(0, TestEvents.dropLines(sink));
    }

    @Test
    void plaintextNeedsInsecureOnBothSides() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0),
                false, null, null, null, null, 0, null, 0), List.of(), new Metrics()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true);
        assertEquals(2, Cli.run(new String[] {"collect", "--listen", "127.0.0.1:0", "--sink", "json:-"}, ps, ps));
        assertTrue(err.toString().contains("refuses plaintext"), err.toString());
    }
}
