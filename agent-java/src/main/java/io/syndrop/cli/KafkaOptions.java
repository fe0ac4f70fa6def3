package io.syndrop.cli;

import io.syndrop.input.UsageException;
import io.syndrop.kafka.KafkaSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --kafka options `syndrop agent` and `syndrop collect` share (docs/kafka.md). */
final class KafkaOptions {
    @Option(names = "--kafka", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers, with --topic (docs/kafka.md)")
    String bootstrap;

    @Option(names = "--topic", paramLabel = "T", description = "the Kafka topic")
    String topic;

    @Option(names = "--kafka-security-protocol", paramLabel = "P", description = "PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL")
    String securityProtocol;

    @Option(names = "--kafka-ca", paramLabel = "FILE", description = "CA certificates (PEM) to verify the brokers")
    Path ca;

    @Option(names = "--kafka-cert", paramLabel = "FILE", description = "client certificate chain (PEM), with --kafka-key")
    Path cert;

    @Option(names = "--kafka-key", paramLabel = "FILE", description = "unencrypted PKCS#8 key (PEM) of --kafka-cert")
    Path key;

    @Option(names = "--kafka-sasl-mechanism", paramLabel = "M", description = "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, ...")
    String saslMechanism;

    @Option(names = "--kafka-sasl-jaas-file", paramLabel = "FILE",
            description = "the sasl.jaas.config value (credentials stay off the command line)")
    Path saslJaasFile;

    @Option(names = "--kafka-config", paramLabel = "FILE", description = "more Kafka client properties (Java properties file)")
    Path configFile;

    boolean given() {
        return bootstrap != null;
    }

    /** True when any option other than --kafka is given (they need --kafka, or a kafka:// sink). */
    boolean anyOther() {
        return topic != null || anySecurity();
    }

    boolean anySecurity() {
        return securityProtocol != null || ca != null || cert != null || key != null || saslMechanism != null || saslJaasFile != null
                || configFile != null;
    }

    /** The settings for {@code servers} (--kafka's or a sink's) with these security options. */
    KafkaSettings settings(String servers) {
        try {
            return new KafkaSettings(servers, securityProtocol, ca, cert, key, saslMechanism, saslJaasFile, configFile);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    String topic() {
        if (topic == null) {
            throw new UsageException("--kafka needs --topic T");
        }
        return topic;
    }
}
