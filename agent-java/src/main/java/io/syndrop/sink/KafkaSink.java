package io.syndrop.sink;

import io.syndrop.format.Cef;
import io.syndrop.format.JsonLines;
import io.syndrop.kafka.KafkaSettings;
import io.syndrop.proto.v1.WatchItem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The collector's records on a Kafka topic for a SIEM's Kafka connector: one record per event,
 * loss record or counter sample, keyed by node (UTF-8), the value one line of JSON (the JSON
 * sink's), ECS JSON or CEF text, without a newline. flush() returns once the brokers acknowledged
 * everything (acks=all) and fails when any record could not be delivered within the timeout, so
 * the collector holds its acknowledgements and retries. Kafka cannot take a record back: after a
 * failed group the retry may write some records twice (consumers dedupe by agent, boot and seq).
 */
public final class KafkaSink implements Sink {
    public enum Format {
        JSON, ECS, CEF;

        public static Format parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("format must be json, ecs or cef, got '" + s + "'");
            }
        }
    }

    private final String name;
    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final Function<WatchItem, String> render;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    public KafkaSink(KafkaSettings settings, String topic, Format format, Duration timeout) throws IOException {
        this.topic = topic;
        this.name = "kafka://" + settings.bootstrap() + "/" + topic + "?format=" + format.name().toLowerCase(Locale.ROOT);
        render = switch (format) {
            case JSON -> new JsonLines(false)::format;
            case ECS -> new JsonLines(true)::format;
            case CEF -> Cef::format;
        };
        Properties p = settings.properties();
        p.setProperty(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.setProperty(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(32L << 20));
        long ms = Math.max(1000, timeout.toMillis());
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(ms));
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(ms, 30_000)));
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(ms, Math.min(ms, 30_000) + 5)));
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "syndrop-collector-sink");
        producer = new KafkaProducer<>(p);
    }

    @Override
    public String name() {
        return name;
    }

    static String node(WatchItem item) {
        if (item.hasEvent()) {
            return item.getEvent().getNode();
        }
        if (item.hasSummary()) {
            return item.getSummary().getNode();
        }
        return item.hasLoss() ? item.getLoss().getNode() : item.getCounters().getNode();
    }

    @Override
    public void write(List<WatchItem> items) throws IOException {
        try {
            for (WatchItem i : items) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, node(i).getBytes(StandardCharsets.UTF_8),
                        render.apply(i).getBytes(StandardCharsets.UTF_8));
                producer.send(r, (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
        } catch (RuntimeException e) {
            throw new IOException(name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            producer.flush();
        } catch (RuntimeException e) {
            throw new IOException(name + ": " + e.getMessage(), e);
        }
        Exception e = failure.getAndSet(null);
        if (e != null) {
            throw new IOException(name + ": records not delivered: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
