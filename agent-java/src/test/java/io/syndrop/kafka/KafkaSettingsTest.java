package io.syndrop.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the --kafka-* options become Kafka client properties, and what they refuse. */
class KafkaSettingsTest {
    @TempDir
    Path tmp;

    @Test
    void bootstrapIsHostPortListsOnly() {
        for (String bad : new String[] {"", "host", "host:", ":9092", "h:0", "h:65536", "h:x", "a:1, b:2", "a:1,,b:2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KafkaSettings.plain(bad), bad);
            assertTrue(e.getMessage().startsWith("--kafka expects HOST:PORT"), e.getMessage());
        }
        assertEquals("10.0.0.1:9092,broker-2.example:9093,[::1]:9094", KafkaSettings.plain("10.0.0.1:9092,broker-2.example:9093,[::1]:9094").bootstrap());
    }

    @Test
    void plaintextSetsOnlyTheBootstrap() throws Exception {
        Properties p = KafkaSettings.plain("127.0.0.1:9092").properties();
        assertEquals(1, p.size(), p.toString());
        assertEquals("127.0.0.1:9092", p.getProperty("bootstrap.servers"));
    }

    @Test
    void pemFilesAndSaslFromFilesBecomeClientProperties() throws Exception {
        Path ca = Files.writeString(tmp.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
        Path cert = Files.writeString(tmp.resolve("c.pem"), "-----BEGIN CERTIFICATE-----\nME\n-----END CERTIFICATE-----\n");
        Path key = Files.writeString(tmp.resolve("k.pem"), "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n");
        Path jaas = Files.writeString(tmp.resolve("jaas"),
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";\n");
        Properties p = new KafkaSettings("b:9093", "sasl_ssl", ca, cert, key, "SCRAM-SHA-512", jaas, null).properties();
        assertEquals("SASL_SSL", p.getProperty("security.protocol"));
        assertEquals("PEM", p.getProperty("ssl.truststore.type"));
        assertTrue(p.getProperty("ssl.truststore.certificates").contains("CA"));
        assertEquals("PEM", p.getProperty("ssl.keystore.type"));
        assertTrue(p.getProperty("ssl.keystore.certificate.chain").contains("ME"));
        assertTrue(p.getProperty("ssl.keystore.key").contains("PRIVATE KEY"));
        assertEquals("SCRAM-SHA-512", p.getProperty("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
                p.getProperty("sasl.jaas.config"));
    }

    @Test
    void inconsistentSecurityOptionsAreRefusedWithTheFix() throws Exception {
        Path f = Files.writeString(tmp.resolve("f.pem"), "x");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("b:1", "TLS", null, null, null, null, null, null))
                .getMessage().contains("PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("b:1", "SSL", null, f, null, null, null, null))
                .getMessage().contains("--kafka-key"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("b:1", "SASL_SSL", null, null, null, "PLAIN", null, null))
                .getMessage().contains("--kafka-sasl-jaas-file"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("b:1", null, f, null, null, null, null, null).properties())
                .getMessage().contains("--kafka-security-protocol SSL"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("b:1", "SSL", null, null, null, "PLAIN", f, null).properties())
                .getMessage().contains("SASL_SSL"));
        Path empty = Files.writeString(tmp.resolve("empty"), "\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("b:1", "SASL_SSL", null, null, null, "PLAIN", empty, null).properties())
                .getMessage().contains("is empty"));
        Path missing = tmp.resolve("missing.pem");
        assertTrue(assertThrows(java.io.IOException.class, () -> new KafkaSettings("b:1", "SSL", missing, null, null, null, null, null).properties())
                .getMessage().contains("cannot read --kafka-ca " + missing));
    }

    @Test
    void aConfigFileAddsPropertiesButMayNotWeakenDelivery() throws Exception {
        Path ok = Files.writeString(tmp.resolve("ok.properties"), "session.timeout.ms=6000\nssl.endpoint.identification.algorithm=https\n");
        Properties p = new KafkaSettings("b:1", null, null, null, null, null, null, ok).properties();
        assertEquals("6000", p.getProperty("session.timeout.ms"));
        assertEquals("b:1", p.getProperty("bootstrap.servers"));
        for (String owned : new String[] {"acks=1", "enable.idempotence=false", "bootstrap.servers=elsewhere:1", "group.id=other"}) {
            Path bad = Files.writeString(tmp.resolve("bad.properties"), owned + "\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new KafkaSettings("b:1", null, null, null, null, null, null, bad).properties(), owned);
            assertTrue(e.getMessage().contains("which syndrop sets itself"), e.getMessage());
        }
        assertFalse(p.containsKey("acks"));
    }

    @Test
    void authenticationFailuresAreExplainedWithTheOptionToCheck() {
        String tls = KafkaSettings.explain(new org.apache.kafka.common.errors.SslAuthenticationException("SSL handshake failed",
                new javax.net.ssl.SSLHandshakeException("PKIX path building failed")));
        assertTrue(tls.startsWith("the TLS handshake with the Kafka broker failed") && tls.contains("PKIX path building failed")
                && tls.contains("--kafka-ca"), tls);
        String sasl = KafkaSettings.explain(new org.apache.kafka.common.errors.SaslAuthenticationException(
                "Authentication failed: Invalid username or password"));
        assertTrue(sasl.contains("refused the SASL login") && sasl.contains("Invalid username or password")
                && sasl.contains("--kafka-sasl-jaas-file"), sasl);
        assertEquals("TimeoutException: slow", KafkaSettings.explain(new org.apache.kafka.common.errors.TimeoutException("slow")));
    }
}
