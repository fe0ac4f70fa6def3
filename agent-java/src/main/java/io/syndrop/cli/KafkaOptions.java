package io.syndrop.cli;

import io.syndrop.input.UsageException;
import io.syndrop.kafka.KafkaSettings;
import java.util.Set;

/** The --kafka-* options `syndrop agent` and `syndrop collect` share. */
final class KafkaOptions {
    static final Set<String> WITH_VALUE = Set.of("kafka", "topic", "kafka-security-protocol", "kafka-ca", "kafka-cert", "kafka-key",
            "kafka-sasl-mechanism", "kafka-sasl-jaas-file", "kafka-config");

    private KafkaOptions() {}

    static Set<String> with(Set<String> others) {
        java.util.HashSet<String> s = new java.util.HashSet<>(others);
        s.addAll(WITH_VALUE);
        return Set.copyOf(s);
    }

    /** The settings of --kafka and its security options; bootstrap may be a sink's instead of --kafka. */
    static KafkaSettings settings(Args a, String bootstrap) {
        try {
            return new KafkaSettings(bootstrap, a.get("kafka-security-protocol", null), AgentCommand.path(a, "kafka-ca"),
                    AgentCommand.path(a, "kafka-cert"), AgentCommand.path(a, "kafka-key"), a.get("kafka-sasl-mechanism", null),
                    AgentCommand.path(a, "kafka-sasl-jaas-file"), AgentCommand.path(a, "kafka-config"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static String topic(Args a) {
        String t = a.get("topic", null);
        if (t == null) {
            throw new UsageException("--kafka needs --topic T");
        }
        return t;
    }

    /** True when any --kafka-* security option is given (then --kafka or a kafka:// sink must use them). */
    static boolean anySecurity(Args a) {
        return WITH_VALUE.stream().filter(o -> o.startsWith("kafka-")).anyMatch(o -> a.get(o, null) != null);
    }
}
