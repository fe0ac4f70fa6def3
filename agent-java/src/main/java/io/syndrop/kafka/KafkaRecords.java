package io.syndrop.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The agent's Kafka record (documented in syndrop.proto, "Kafka record format"): key = the agent
 * id (UTF-8), so one agent's records stay in order on one partition; value = one encoded
 * syndrop.v1.Batch, the same bytes Collector.Publish carries; headers name the message type and
 * repeat the batch's (agent_boot, first_seq, last_seq) in decimal ASCII for consumers that route
 * or dedupe without decoding.
 */
public final class KafkaRecords {
    public static final String SCHEMA = "syndrop-schema";
    public static final String BATCH_SCHEMA = "syndrop.v1.Batch";
    public static final String AGENT_BOOT = "syndrop-agent-boot";
    public static final String FIRST_SEQ = "syndrop-first-seq";
    public static final String LAST_SEQ = "syndrop-last-seq";

    private KafkaRecords() {}

    public static ProducerRecord<byte[], byte[]> batch(String topic, String agentId, long boot, long firstSeq, long lastSeq, byte[] value) {
        Headers h = new RecordHeaders();
        h.add(SCHEMA, BATCH_SCHEMA.getBytes(StandardCharsets.UTF_8));
        h.add(AGENT_BOOT, Long.toUnsignedString(boot).getBytes(StandardCharsets.UTF_8));
        h.add(FIRST_SEQ, Long.toUnsignedString(firstSeq).getBytes(StandardCharsets.UTF_8));
        h.add(LAST_SEQ, Long.toUnsignedString(lastSeq).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, agentId.getBytes(StandardCharsets.UTF_8), value, h);
    }

    /** The schema header of a record, or null when it has none. */
    public static String schema(Headers headers) {
        Header h = headers.lastHeader(SCHEMA);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
