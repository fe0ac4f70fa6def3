package io.syndrop.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.input.UsageException;
import org.junit.jupiter.api.Test;

/** --sink kafka://... parsing: what is refused, and the name a good spec gets. */
class KafkaSinkSpecTest {
    private static String refusal(String spec) {
        return assertThrows(UsageException.class, () -> Sinks.open(spec, false, System.out), spec).getMessage();
    }

    @Test
    void badSpecsAreRefusedSayingWhy() {
        assertTrue(refusal("kafka://127.0.0.1:9092").contains("needs kafka://HOST:PORT"));
        assertTrue(refusal("kafka://127.0.0.1:9092/").contains("needs kafka://HOST:PORT"));
        assertTrue(refusal("kafka:///topic").contains("needs kafka://HOST:PORT"));
        assertTrue(refusal("kafka://127.0.0.1:9092/a/b").contains("not a Kafka topic name"));
        assertTrue(refusal("kafka://127.0.0.1:9092/t?format=xml").contains("format must be json, ecs or cef"));
        assertTrue(refusal("kafka://127.0.0.1:9092/t?compression=none").contains("unknown parameter 'compression'"));
        assertTrue(refusal("kafka://127.0.0.1:9092/t?timeout=0s").contains("timeout must be positive"));
        assertTrue(refusal("kafka://broker/t").contains("--kafka expects HOST:PORT"));
    }

    @Test
    void aGoodSpecOpensWithoutContactingTheBroker() throws Exception {
        // Port 9 on loopback: nothing listens; opening must not need the broker (it connects on first send).
        try (Sink s = Sinks.open("kafka://127.0.0.1:9/siem?format=cef", false, System.out)) {
            assertEquals("kafka://127.0.0.1:9/siem?format=cef", s.name());
        }
        try (Sink s = Sinks.open("kafka://127.0.0.1:9/siem", true, System.out)) {
            assertEquals("kafka://127.0.0.1:9/siem?format=ecs", s.name(), "--ecs makes ECS the default");
        }
    }
}
