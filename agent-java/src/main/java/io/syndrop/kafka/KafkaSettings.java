package io.syndrop.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * How syndrop reaches a Kafka cluster: the bootstrap list and the security options every client
 * (agent producer, collector consumer, Kafka sink) shares. Secrets come from files only: a SASL
 * JAAS configuration file and, for anything else Kafka knows, a client properties file
 * ({@code --kafka-config}); never from the command line, where every local user can read them.
 */
public record KafkaSettings(String bootstrap, String securityProtocol, Path caPem, Path certPem, Path keyPem,
                            String saslMechanism, Path saslJaasFile, Path configFile) {
    static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    /** Properties syndrop sets itself: a --kafka-config that changes them would break delivery guarantees or decoding. */
    static final Set<String> OWNED = Set.of("bootstrap.servers", "key.serializer", "value.serializer", "key.deserializer",
            "value.deserializer", "enable.idempotence", "acks", "enable.auto.commit", "group.id", "transactional.id");

    public KafkaSettings {
        bootstrap = checkBootstrap(bootstrap);
        securityProtocol = securityProtocol == null ? null : securityProtocol.toUpperCase(java.util.Locale.ROOT);
        if (securityProtocol != null && !PROTOCOLS.contains(securityProtocol)) {
            throw new IllegalArgumentException("--kafka-security-protocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got '"
                    + securityProtocol + "'");
        }
        if ((certPem == null) != (keyPem == null)) {
            throw new IllegalArgumentException("a Kafka client certificate needs both --kafka-cert and --kafka-key (PEM)");
        }
        if ((saslMechanism == null) != (saslJaasFile == null)) {
            throw new IllegalArgumentException("SASL needs both --kafka-sasl-mechanism (e.g. SCRAM-SHA-512) and --kafka-sasl-jaas-file FILE");
        }
    }

    /** Plaintext, no authentication: loopback tests and closed networks. */
    public static KafkaSettings plain(String bootstrap) {
        return new KafkaSettings(bootstrap, null, null, null, null, null, null, null);
    }

    /**
     * Each entry is HOST:PORT with a numeric port. Host names are allowed (Kafka resolves them, as
     * it must for the addresses the brokers advertise), but nothing here looks one up.
     */
    static String checkBootstrap(String b) {
        if (b == null || b.isBlank()) {
            throw new IllegalArgumentException("--kafka expects HOST:PORT[,HOST:PORT...], got nothing");
        }
        for (String hp : List.of(b.split(","))) {
            int c = hp.lastIndexOf(':');
            String host = c <= 0 ? "" : hp.substring(0, c);
            int port = -1;
            try {
                port = c < 0 ? -1 : Integer.parseInt(hp.substring(c + 1));
            } catch (NumberFormatException ignored) {
                // reported below
            }
            if (host.isBlank() || port < 1 || port > 65535 || hp.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("--kafka expects HOST:PORT[,HOST:PORT...] with ports 1-65535, got '" + b + "'");
            }
        }
        return b;
    }

    /** The client properties for these settings (bootstrap and security; the caller adds its role's). */
    public Properties properties() throws IOException {
        Properties p = new Properties();
        if (configFile != null) {
            try (Reader r = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new IOException("cannot read --kafka-config " + configFile + ": " + e.getMessage(), e);
            }
            for (String k : p.stringPropertyNames()) {
                if (OWNED.contains(k)) {
                    throw new IllegalArgumentException("--kafka-config " + configFile + " sets '" + k + "', which syndrop sets itself; remove it");
                }
            }
        }
        p.setProperty("bootstrap.servers", bootstrap);
        if (securityProtocol != null) {
            p.setProperty("security.protocol", securityProtocol);
        }
        if (caPem != null) {
            p.setProperty("ssl.truststore.type", "PEM");
            p.setProperty("ssl.truststore.certificates", read(caPem, "--kafka-ca"));
        }
        if (certPem != null) {
            p.setProperty("ssl.keystore.type", "PEM");
            p.setProperty("ssl.keystore.certificate.chain", read(certPem, "--kafka-cert"));
            p.setProperty("ssl.keystore.key", read(keyPem, "--kafka-key"));
        }
        if (saslMechanism != null) {
            p.setProperty("sasl.mechanism", saslMechanism);
            String jaas = read(saslJaasFile, "--kafka-sasl-jaas-file").strip();
            if (jaas.isEmpty()) {
                throw new IllegalArgumentException("--kafka-sasl-jaas-file " + saslJaasFile + " is empty; it should hold e.g."
                        + " org.apache.kafka.common.security.scram.ScramLoginModule required username=\"...\" password=\"...\";");
            }
            p.setProperty("sasl.jaas.config", jaas);
        }
        String proto = p.getProperty("security.protocol", "PLAINTEXT");
        if ((caPem != null || certPem != null) && !proto.endsWith("SSL")) {
            throw new IllegalArgumentException("--kafka-ca/--kafka-cert need TLS: --kafka-security-protocol SSL or SASL_SSL");
        }
        if (saslMechanism != null && !proto.startsWith("SASL")) {
            throw new IllegalArgumentException("--kafka-sasl-mechanism needs --kafka-security-protocol SASL_SSL (or SASL_PLAINTEXT)");
        }
        return p;
    }

    /**
     * What a Kafka client failure means for the operator, in one line: the exception and its root
     * cause, and for a refused TLS handshake or SASL login which option to check. Not a stack trace.
     */
    public static String explain(Throwable e) {
        if (e == null) {
            return "?";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String what = e.getClass().getSimpleName() + ": " + e.getMessage()
                + (root != e ? " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")" : "");
        if (e instanceof org.apache.kafka.common.errors.SslAuthenticationException) {
            return "the TLS handshake with the Kafka broker failed: " + what + "; check that --kafka-ca is the CA (PEM) that"
                    + " signed the brokers' certificates, that the brokers' certificates name the bootstrap host, and, if"
                    + " the brokers require client certificates, --kafka-cert/--kafka-key";
        }
        if (e instanceof org.apache.kafka.common.errors.SaslAuthenticationException) {
            return "the Kafka broker refused the SASL login: " + what + "; check the user name and password in"
                    + " --kafka-sasl-jaas-file and that --kafka-sasl-mechanism is one the broker enables for that user";
        }
        if (e instanceof org.apache.kafka.common.errors.AuthenticationException) {
            return "the Kafka broker refused the connection's authentication: " + what + "; check --kafka-security-protocol"
                    + " (it must match the broker's listener), --kafka-ca and the SASL options";
        }
        if (e instanceof org.apache.kafka.common.errors.AuthorizationException) {
            return "the Kafka broker denied access: " + what + "; grant this principal the ACLs it needs (write on the"
                    + " topic for an agent; read on the topic and the group for a collector)";
        }
        return what;
    }

    private static String read(Path f, String option) throws IOException {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read " + option + " " + f + ": " + e.getMessage(), e);
        }
    }
}
