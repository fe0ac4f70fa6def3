package io.syndrop.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.it.JarProcess;
import io.syndrop.wire.TestCerts;
import io.syndrop.wire.TestEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka security options against a real KRaft broker with an SSL listener (client certificate
 * required) and a SASL_SSL listener (SASL/PLAIN), one broker for the class: agent -> Kafka ->
 * collector -> JSON sink as real processes, over TLS with client certificates and over SASL; and a
 * wrong CA and a wrong password, each reported by the agent in words that say what to check, with
 * nothing lost: the events stay in the spool and arrive from it once the option is fixed and the
 * agent restarted on the same spool (its replay resumes after what was spooled).
 * The option lists are those of docs/kafka.md's "Security" examples.
 */
class KafkaTlsIT {
    static final int N = 2000;

    @TempDir
    static Path shared;
    static KafkaBroker broker;
    static TestCerts certs;
    static Path goodJaas;
    static Path badJaas;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBroker() throws Exception {
        certs = TestCerts.make(shared.resolve("pki"));
        broker = KafkaBroker.start(shared.resolve("broker"),
                new KafkaBroker.Security(certs.serverCert(), certs.serverKey(), certs.ca(), Map.of("syndrop", "s3cret-for-test")));
        goodJaas = shared.resolve("kafka-jaas.conf");
        Files.writeString(goodJaas, "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"syndrop\" password=\"s3cret-for-test\";\n");
        badJaas = shared.resolve("kafka-jaas-wrong.conf");
        Files.writeString(badJaas, "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"syndrop\" password=\"not-the-password\";\n");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /** docs/kafka.md, TLS with a client certificate. */
    static List<String> tls(Path ca) {
        return List.of("--kafka", broker.sslBootstrap(), "--kafka-security-protocol", "SSL", "--kafka-ca", ca.toString(),
                "--kafka-cert", certs.clientCert().toString(), "--kafka-key", certs.clientKey().toString());
    }

    /** docs/kafka.md, SASL over TLS. */
    static List<String> sasl(Path jaas) {
        return List.of("--kafka", broker.saslBootstrap(), "--kafka-security-protocol", "SASL_SSL", "--kafka-ca", certs.ca().toString(),
                "--kafka-sasl-mechanism", "PLAIN", "--kafka-sasl-jaas-file", jaas.toString());
    }

    private JarProcess collector(List<String> security, String topic, Path sink) throws Exception {
        List<String> args = new ArrayList<>(List.of("collect"));
        args.addAll(security);
        args.addAll(List.of("--topic", topic, "--group", "g", "--sink", "json:" + sink, "--dedupe-dir", tmp.resolve("dedupe").toString()));
        JarProcess c = JarProcess.startLogged(tmp.resolve("collector.log"), args.toArray(String[]::new));
        c.awaitLog("consuming " + topic, 30_000);
        c.awaitLog("assigned \\[" + topic + "-0\\]", 60_000);
        return c;
    }

    private JarProcess agent(List<String> security, String topic, Path rec, String log, boolean exitWhenDone) throws Exception {
        List<String> args = new ArrayList<>(List.of("agent"));
        args.addAll(security);
        args.addAll(List.of("--topic", topic, "--agent-id", "secure", "--spool-dir", tmp.resolve("spool").toString(),
                "--replay", rec.toString(), "--batch-linger", "20ms", "--batch-max", "200"));
        if (exitWhenDone) {
            args.add("--exit-when-done");
        }
        return JarProcess.startLogged(tmp.resolve(log), args.toArray(String[]::new));
    }

    @Test
    void tlsWithClientCertificatesDeliversEveryEventOnce() throws Exception {
        roundTrip(tls(certs.ca()));
    }

    @Test
    void saslOverTlsDeliversEveryEventOnce() throws Exception {
        roundTrip(sasl(goodJaas));
    }

    private void roundTrip(List<String> security) throws Exception {
        String topic = "secure-" + System.nanoTime();
        broker.createTopic(topic, 1);
        Path rec = TestEvents.recording(tmp, N);
        Path sink = tmp.resolve("sink/events.json");
        try (JarProcess c = collector(security, topic, sink);
             JarProcess a = agent(security, topic, rec, "agent.log", true)) {
            assertEquals(0, a.waitFor(60_000), a.logText());
            awaitDistinct(sink, N, 60_000, c);
        }
        assertExactlyOnce(sink, N);
    }

    @Test
    void aWrongCaIsReportedAndTheSpoolDeliversOnceTheCaIsFixed() throws Exception {
        refusedThenFixed(tls(certs.dir().resolve("rogue-ca.pem")), tls(certs.ca()),
                "the TLS handshake with the Kafka broker failed: .*check that --kafka-ca is the CA");
    }

    @Test
    void wrongSaslCredentialsAreReportedAndTheSpoolDeliversOnceTheyAreFixed() throws Exception {
        refusedThenFixed(sasl(badJaas), sasl(goodJaas),
                "the Kafka broker refused the SASL login: .*check the user name and password in --kafka-sasl-jaas-file");
    }

    private void refusedThenFixed(List<String> wrong, List<String> right, String expectedLog) throws Exception {
        String topic = "refused-" + System.nanoTime();
        broker.createTopic(topic, 1);
        Path rec = TestEvents.recording(tmp, N);
        Path sink = tmp.resolve("sink/events.json");
        try (JarProcess c = collector(right, topic, sink)) {
            try (JarProcess a = agent(wrong, topic, rec, "agent-wrong.log", false)) {
                a.awaitLog(expectedLog, 60_000);
                String log = a.logText();
                System.out.println("agent with " + wrong + ":\n" + log.lines().filter(l -> l.contains("failed")).findFirst().orElse(log));
                assertTrue(!log.contains("\tat org.apache.kafka"), "a sentence, not a stack trace:\n" + log);
                Thread.sleep(2000);
                assertEquals(0, drops(sink).size(), "nothing got through with the wrong option");
                assertTrue(spoolBytes() > 0, "the events wait in the spool");
            }
            try (JarProcess a = agent(right, topic, rec, "agent-right.log", true)) {
                assertEquals(0, a.waitFor(60_000), a.logText());
                // The replay resumes after what the refused agent spooled: those events reach the
                // sink from the spool, not from a second replay.
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("replay resumed at event (\\d+)").matcher(a.logText());
                assertTrue(m.find(), "the restarted agent found nothing in the spool:\n" + a.logText());
                System.out.println("restarted agent: " + m.group() + " of " + N + " (every event before it was delivered from the spool)");
                assertTrue(Long.parseLong(m.group(1)) > 0, m.group());
            }
            awaitDistinct(sink, N, 60_000, c);
        }
        assertExactlyOnce(sink, N);
    }

    private long spoolBytes() throws IOException {
        try (Stream<Path> s = Files.walk(tmp.resolve("spool"))) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** (agentId, tsval) of each drop line in a JSON sink, duplicates kept. */
    private static List<String> drops(Path sink) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(sink)) {
            return out;
        }
        for (String line : Files.readAllLines(sink)) {
            if (!line.startsWith("{\"type\":\"drop\"")) {
                continue;
            }
            JsonObject o;
            try {
                o = JsonParser.parseString(line).getAsJsonObject();
            } catch (RuntimeException partial) {
                continue;
            }
            out.add(o.get("agentId").getAsString() + ":" + (o.has("tsval") ? o.get("tsval").getAsLong() : 0));
        }
        return out;
    }

    private static void awaitDistinct(Path sink, int n, long timeoutMs, JarProcess collector) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        while (new HashSet<>(drops(sink)).size() < n) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError(sink + " holds " + new HashSet<>(drops(sink)).size() + " distinct events of " + n
                        + "\ncollector:\n" + collector.logText());
            }
            Thread.sleep(100);
        }
        Thread.sleep(1500); // a duplicate written late would show now
    }

    private static void assertExactlyOnce(Path sink, int n) throws IOException {
        List<String> all = drops(sink);
        assertEquals(all.size(), new HashSet<>(all).size(), sink + " holds duplicates");
        assertEquals(n, all.size(), "every event exactly once");
    }
}
