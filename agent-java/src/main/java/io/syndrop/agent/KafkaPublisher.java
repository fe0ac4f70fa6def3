package io.syndrop.agent;

import io.syndrop.kafka.KafkaRecords;
import io.syndrop.kafka.KafkaSettings;
import io.syndrop.metrics.Metrics;
import io.syndrop.wire.SpooledBatch;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Streams the spool to a Kafka topic, one record per spooled batch (see {@link KafkaRecords}), and
 * deletes from the spool what the brokers acknowledged (acks=all, idempotent producer). At most
 * {@code window} batches are in flight. Acknowledgements are taken in order only: a failed send
 * stops the acknowledging, the producer is closed and a new one starts again from the oldest
 * unacknowledged batch after a backoff, so an outage of the brokers or a restart of the agent
 * loses nothing; what is sent twice the collectors' (agent, boot, seq) dedupe removes.
 */
public final class KafkaPublisher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KafkaPublisher.class.getName());
    /** Bytes the producer may buffer: the spool is the buffer that matters; this only smooths sends. */
    static final long BUFFER_BYTES = 16L << 20;

    /** Where and how to publish. */
    public record Target(KafkaSettings settings, String topic) {
        public Target {
            if (topic == null || topic.isBlank() || !topic.matches("[A-Za-z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("--topic expects a Kafka topic name (letters, digits, . _ -, at most 249), got '" + topic + "'");
            }
        }
    }

    private final Target target;
    private final Properties props;
    private final String agentId;
    private final Spool spool;
    private final int window;
    private final long backoffMinMs;
    private final long backoffMaxMs;
    private final Thread thread;
    private final LongAdder sent;
    private final LongAdder acknowledged;
    private final LongAdder failures;
    private volatile boolean closed;
    private volatile boolean connected;

    public KafkaPublisher(Target target, String agentId, Spool spool, int window, Metrics metrics) throws IOException {
        this(target, agentId, spool, window, metrics, 100, 5000);
    }

    KafkaPublisher(Target target, String agentId, Spool spool, int window, Metrics metrics, long backoffMinMs, long backoffMaxMs) throws IOException {
        this.target = target;
        this.agentId = agentId;
        this.spool = spool;
        this.window = Math.max(1, window);
        this.backoffMinMs = backoffMinMs;
        this.backoffMaxMs = backoffMaxMs;
        props = producerProperties(target.settings(), agentId);
        sent = metrics.counter("syndrop_agent_kafka_sent_total", "Records sent to Kafka (resends included).");
        acknowledged = metrics.counter("syndrop_agent_kafka_acknowledged_total", "Records Kafka acknowledged (acks=all) and the spool dropped.");
        failures = metrics.counter("syndrop_agent_kafka_send_failures_total", "Kafka sends that failed; the producer restarted from the spool.");
        metrics.gauge("syndrop_agent_kafka_connected", "", "1 while the last Kafka send succeeded.", () -> connected ? 1 : 0);
        thread = new Thread(this::run, "syndrop-kafka-publisher");
        thread.setDaemon(true);
    }

    static Properties producerProperties(KafkaSettings settings, String agentId) throws IOException {
        Properties p = settings.properties();
        p.setProperty(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.setProperty(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(BUFFER_BYTES));
        // send() blocks at most this long for metadata or buffer space; then the publisher backs off and retries.
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "syndrop-agent-" + agentId);
        return p;
    }

    public KafkaPublisher start() {
        thread.start();
        return this;
    }

    public boolean connected() {
        return connected;
    }

    public String describe() {
        return "kafka " + target.settings().bootstrap() + " topic " + target.topic();
    }

    /** One producer's sends, in order; a failure ends its acknowledging for good. */
    private final class Generation {
        final ArrayDeque<long[]> inFlight = new ArrayDeque<>(); // {boot, lastSeq, records, done}
        Exception failed;

        synchronized void done(long[] f, Exception e) {
            if (e != null) {
                if (failed == null) {
                    failed = e;
                }
            } else {
                f[3] = 1;
            }
            // Only a prefix of successes is acknowledged: the spool's ack covers everything up to a seq.
            while (failed == null && !inFlight.isEmpty() && inFlight.peek()[3] == 1) {
                long[] h = inFlight.poll();
                try {
                    spool.ack(h[0], h[1]);
                } catch (IOException io) {
                    LOG.log(Level.WARNING, "could not delete acknowledged spool segments: " + io.getMessage(), io);
                }
                acknowledged.add(h[2]);
                connected = true;
            }
            notifyAll();
            spool.wakeReaders();
        }
    }

    private void run() {
        long backoff = backoffMinMs;
        while (!closed) {
            Generation g = new Generation();
            boolean progressed = false;
            Producer<byte[], byte[]> producer = null;
            try {
                producer = new KafkaProducer<>(props);
                progressed = pump(producer, g);
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                synchronized (g) {
                    if (g.failed == null) {
                        g.failed = e;
                    }
                }
            } finally {
                if (producer != null) {
                    // On close, let what is buffered go out; a failed producer's records are resent by the next one.
                    producer.close(closed && g.failed == null ? Duration.ofSeconds(5) : Duration.ZERO);
                }
            }
            connected = false;
            if (closed) {
                break;
            }
            if (progressed) {
                backoff = backoffMinMs;
            }
            failures.increment();
            Exception why = g.failed;
            String hint = why instanceof RecordTooLargeException
                    ? " (a batch is larger than the topic's max.message.bytes: lower --batch-max or raise max.message.bytes)" : "";
            LOG.warning("sending to " + describe() + " failed (" + KafkaSettings.explain(why) + ")" + hint + "; resending from the spool in " + backoff + " ms");
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                break;
            }
            backoff = Math.min(backoffMaxMs, backoff * 2);
        }
    }

    /** Sends until a failure or close; true when something was acknowledged. */
    private boolean pump(Producer<byte[], byte[]> producer, Generation g) throws Exception {
        Spool.Cursor cur = spool.start();
        long ackedBefore = acknowledged.sum();
        while (!closed) {
            synchronized (g) {
                while (g.failed == null && !closed && g.inFlight.size() >= window) {
                    g.wait(200);
                }
                if (g.failed != null || closed) {
                    return acknowledged.sum() > ackedBefore;
                }
            }
            SpooledBatch b = spool.next(cur, 2000);
            if (b == null) {
                continue;
            }
            long[] f = {b.boot(), b.lastSeq(), b.records(), 0};
            synchronized (g) {
                if (g.failed != null) {
                    return acknowledged.sum() > ackedBefore;
                }
                g.inFlight.add(f);
            }
            byte[] value = b.offset() == 0 && b.length() == b.array().length ? b.array()
                    : Arrays.copyOfRange(b.array(), b.offset(), b.offset() + b.length());
            producer.send(KafkaRecords.batch(target.topic(), agentId, b.boot(), b.firstSeq(), b.lastSeq(), value), (md, e) -> g.done(f, e));
            sent.add(b.records());
        }
        return acknowledged.sum() > ackedBefore;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        spool.wakeReaders();
        thread.join(8000);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(2000);
        }
    }
}
